/**
 * Is last night done? (issue 20 §5): the fan-out and the charge-day worker record each project's part
 * in the run of a day, and GET /admin/billing-runs/{date} tells queued, charged, failed (with ids),
 * pending and complete, counting projects, not deliveries: a retried fan-out or a redelivered message
 * changes no count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getBillingRun } from '../../functions/api/get-billing-run';
import { handler as chargeDay } from '../../functions/billing/charge-day';
import { handler as fanOutDays } from '../../functions/billing/fan-out-days';
import { setRuntime } from '../../shared/runtime';
import { billingEnv, change, newProject, product, sqsEvent } from '../support/billing';
import { faultyDoc, hardFailure, touchesProject } from '../support/faulty-doc';
import { ADMIN, call, projectAuth } from '../support/http';

const ROUTE = 'GET /admin/billing-runs/{date}';
let env: Awaited<ReturnType<typeof billingEnv>>;
const projects: string[] = [];

beforeAll(async () => {
  env = await billingEnv('2026-03-10T10:00:00Z');
  for (let i = 0; i < 3; i++) {
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 100_000 });
    await change(id, '2026-03-01T08:00:00Z', product('callback', true));
    projects.push(id);
  }
});

const run = async (date: string) => (await call(getBillingRun, ROUTE, { auth: ADMIN, params: { date } })).body;

describe('GET /admin/billing-runs/{date}', () => {
  it('reports a day nothing ran for as not complete, with zero counts', async () => {
    expect(await run('2026-03-08')).toEqual({ date: '2026-03-08', queued: 0, charged: 0, failed: [], pending: 0, fanOutComplete: false, complete: false });
  });

  it('follows a run: queued by the fan-out, then charged or failed per project, complete once all are charged', async () => {
    env.sent.length = 0;
    await fanOutDays({ date: '2026-03-09' });
    const mine = env.sent.filter((m) => projects.includes(m.projectId));
    expect(mine).toHaveLength(3);
    const queuedAll = env.sent.length;
    expect(await run('2026-03-09')).toMatchObject({ queued: queuedAll, charged: 0, failed: [], pending: queuedAll, fanOutComplete: true, complete: false });

    // A second fan-out (a retry) sends nothing new to count.
    await fanOutDays({ date: '2026-03-09' });
    expect((await run('2026-03-09')).queued).toBe(queuedAll);

    const [a, b, c] = projects as [string, string, string];
    setRuntime({ doc: faultyDoc(env.doc, (cmd) => (touchesProject(cmd, b) && JSON.stringify(cmd.input).includes('charge#') ? { before: hardFailure() } : undefined)) });
    await chargeDay(sqsEvent([{ projectId: a, date: '2026-03-09' }, { projectId: b, date: '2026-03-09' }, { projectId: a, date: '2026-03-09' }]));
    setRuntime({ doc: env.doc });
    const partial = await run('2026-03-09');
    expect(partial.charged).toBe(1);
    expect(partial.failed).toEqual([{ projectId: b, error: expect.any(String), at: expect.any(String) }]);
    expect(partial.pending).toBe(queuedAll - 2);
    expect(partial.complete).toBe(false);

    // The redelivery charges b; everything else the fan-out sent is charged too.
    const rest = env.sent.map((m) => ({ projectId: m.projectId, date: m.date })).filter((m) => m.projectId !== a);
    await chargeDay(sqsEvent([...rest, { projectId: a, date: '2026-03-09' }]));
    const done = await run('2026-03-09');
    expect(done).toMatchObject({ queued: queuedAll, charged: queuedAll, failed: [], pending: 0, fanOutComplete: true, complete: true });
    expect(projects).toContain(c);
  });

  it('refuses a date that is not YYYY-MM-DD (400) and a project key (403)', async () => {
    const bad = await call(getBillingRun, ROUTE, { auth: ADMIN, params: { date: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_date');
    const forbidden = await call(getBillingRun, ROUTE, { auth: projectAuth(projects[0]!), params: { date: '2026-03-09' } });
    expect(forbidden.status).toBe(403);
  });
});
