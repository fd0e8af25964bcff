/**
 * Dates that parse but make no billing sense are refused with a 400, and nothing is written: an event
 * from the future, a billing start years away, sessions of a day that has not happened.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createProjectRoute } from '../../functions/api/create-project';
import { handler as postUsage } from '../../functions/api/post-usage';
import { handler as putSessions } from '../../functions/api/put-sessions';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { useTables } from '../support/dynamo';
import { ADMIN, call, TELEPHONY } from '../support/http';
import { createProject } from '../../shared/billing/projects';

let env: Awaited<ReturnType<typeof useTables>>;
let projectId: string;
const count = async (table: string) => (await env.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items?.length ?? 0;

beforeAll(async () => {
  env = await useTables();
  // 2026-03-10 12:00 in Kyiv (UTC+2 before the March change).
  setRuntime({ now: () => Date.parse('2026-03-10T10:00:00Z') });
  projectId = (await createProject(storeContext(), { name: 'bounds', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01' })).project.projectId;
});

describe('dates outside what billing can mean', () => {
  it('refuses a usage event more than 15 minutes ahead of the clock, and writes none of the request', async () => {
    const ok = { eventId: 'b-ok', projectId, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T10:10:00Z', segments: 1 };
    const ahead = { ...ok, eventId: 'b-ahead', occurredAt: '2026-03-10T10:16:00Z' };
    const res = await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [ok, ahead] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ eventId: 'b-ahead', occurredAt: '2026-03-10T10:16:00Z' }]);
    expect(await count(env.tables.USAGE_TABLE)).toBe(0);
    // 10 minutes ahead is clock skew, accepted.
    expect((await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [ok] } })).status).toBe(202);
  });

  it('refuses a billing start more than 366 days from today', async () => {
    const before = await count(env.tables.PROJECTS_TABLE);
    for (const billingStartDate of ['2025-03-08', '2027-03-12', '1900-01-01']) {
      const res = await call(createProjectRoute, 'POST /projects', { auth: ADMIN, body: { name: 'far', billingStartDate } });
      expect(res.status, billingStartDate).toBe(400);
    }
    expect(await count(env.tables.PROJECTS_TABLE)).toBe(before);
    // 2025-03-09 is exactly 366 days before 2026-03-10.
    expect((await call(createProjectRoute, 'POST /projects', { auth: ADMIN, body: { name: 'near', billingStartDate: '2025-03-09' } })).status).toBe(201);
  });

  it('refuses sessions of a day after today', async () => {
    const params = { projectId };
    const res = await call(putSessions, 'POST /projects/{projectId}/sessions', { auth: TELEPHONY, params, body: { date: '2026-03-11', count: 10 } });
    expect(res.status).toBe(400);
    expect((await call(putSessions, 'POST /projects/{projectId}/sessions', { auth: TELEPHONY, params, body: { date: '2026-03-10', count: 10 } })).status).toBe(200);
  });
});
