/**
 * Dates that parse but make no billing sense are refused with a 400, and nothing is written: an event
 * from the future or from before the project's billing started, a billing start years away, sessions
 * of a day that has not happened, an instant whose billing day `YYYY-MM-DD` cannot write. Sessions of
 * a day already charged are a 409, like every other change of a charged day.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createProjectRoute } from '../../functions/api/create-project';
import { handler as postUsage } from '../../functions/api/post-usage';
import { handler as putSessions } from '../../functions/api/put-sessions';
import { handler as putProduct } from '../../functions/api/put-product';
import { handler as addNumber } from '../../functions/api/add-number';
import { handler as removeNumber } from '../../functions/api/remove-number';
import { handler as listUsage } from '../../functions/api/list-usage';
import { chargeThrough } from '../../shared/billing/charge-through';
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

describe('instants and days at the edges (issue 13 §1)', () => {
  const snapshot = async () => JSON.stringify(await Promise.all([env.tables.PROJECTS_TABLE, env.tables.LEDGER_TABLE, env.tables.USAGE_TABLE]
    .map(async (t) => (await env.doc.send(new ScanCommand({ TableName: t, ConsistentRead: true }))).Items ?? [])));

  it('refuses an event before the first instant of its project\'s billingStartDate, and writes none of the request', async () => {
    // billingStartDate 2026-03-01 starts at 2026-02-28T22:00:00Z in Kyiv.
    const first = { eventId: 'start-first', projectId, kind: 'sms', destination: '+380671234567', occurredAt: '2026-02-28T22:00:00Z', segments: 1 };
    const before = { ...first, eventId: 'start-before', occurredAt: '2026-02-28T21:59:59Z' };
    const ancient = { ...first, eventId: 'start-ancient', occurredAt: '0001-01-02T00:00:00Z' };
    const was = await snapshot();
    const res = await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [first, before, ancient] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { eventId: 'start-before', occurredAt: '2026-02-28T21:59:59Z', billingStartDate: '2026-03-01' },
      { eventId: 'start-ancient', occurredAt: '0001-01-02T00:00:00Z', billingStartDate: '2026-03-01' },
    ]);
    expect(await snapshot()).toBe(was);
    expect((await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [first] } })).status).toBe(202);
    // Accepted means listable: the day it is on can be asked for.
    const listed = await call(listUsage, 'GET /projects/{projectId}/usage', { params: { projectId }, query: { date: '2026-03-01' } });
    expect(listed.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(['start-first']);
  });

  it('refuses an occurredAt whose billing day is outside 0001-9999 before looking anything up', async () => {
    const event = { eventId: 'year-zero', projectId, kind: 'sms', destination: '+380671234567', occurredAt: '0000-01-01T00:00:00+14:00', segments: 1 };
    const res = await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [event] } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('events.0.occurredAt');
  });

  it('refuses an effectiveAt out of range on products and numbers with a 400, writing nothing', async () => {
    const params = { projectId };
    const was = await snapshot();
    for (const effectiveAt of ['9999-12-31T23:59:59Z', '10000-01-01T00:00:00Z', '0000-12-31T23:00:00Z', '0001-01-01T00:00:00+02:00']) {
      const product = await call(putProduct, 'PUT /projects/{projectId}/products/{productId}', { params: { ...params, productId: 'telephony' }, body: { enabled: true, effectiveAt } });
      expect(product.status, `product ${effectiveAt}`).toBe(400);
      const added = await call(addNumber, 'POST /projects/{projectId}/numbers', { params, body: { number: '+380445550001', type: 'local', effectiveAt } });
      expect(added.status, `number ${effectiveAt}`).toBe(400);
      const removed = await call(removeNumber, 'DELETE /projects/{projectId}/numbers/{number}', { params: { ...params, number: '+380445550001' }, query: { effectiveAt } });
      expect(removed.status, `removal ${effectiveAt}`).toBe(400);
    }
    expect(await snapshot()).toBe(was);
    expect((await call(addNumber, 'POST /projects/{projectId}/numbers', { params, body: { number: '+380445550001', type: 'local', effectiveAt: '2026-03-10T12:00:00+02:00' } })).status).toBe(201);
  });

  it('answers sessions of a charged day with 409 day_already_charged, and takes the first open day', async () => {
    const p = (await createProject(storeContext(), { name: 'sessions', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01' })).project.projectId;
    await chargeThrough(storeContext(), p, '2026-03-05');
    const params = { projectId: p };
    const was = await snapshot();
    for (const date of ['2026-03-05', '2026-03-01']) {
      const res = await call(putSessions, 'POST /projects/{projectId}/sessions', { auth: TELEPHONY, params, body: { date, count: 10 } });
      expect(res.status, date).toBe(409);
      expect(res.body.error.code).toBe('day_already_charged');
    }
    expect(await snapshot()).toBe(was);
    expect((await call(putSessions, 'POST /projects/{projectId}/sessions', { auth: TELEPHONY, params, body: { date: '2026-03-06', count: 10 } })).status).toBe(200);
    // A project that does not exist is still a 404.
    expect((await call(putSessions, 'POST /projects/{projectId}/sessions', { auth: TELEPHONY, params: { projectId: 'prj_missing' }, body: { date: '2026-03-06', count: 10 } })).status).toBe(404);
  });
});
