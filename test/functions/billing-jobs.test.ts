import { beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../../shared/logger';
import { handler as chargeDay } from '../../functions/billing/charge-day';
import { FanOutIncomplete, handler as fanOutDays } from '../../functions/billing/fan-out-days';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { billingEnv, change, ledgerOf, newProject, product, project, sqsEvent, type ChangeInputOf } from '../support/billing';
import { faultyDoc, hardFailure, touchesProject } from '../support/faulty-doc';
import { chargeThrough } from '../../shared/billing/charge-through';
import { fanOut } from '../../shared/billing/fan-out';
import { projectsToChargePage } from '../../shared/store/charge-index';

let env: Awaited<ReturnType<typeof billingEnv>>;
const due: string[] = [];
let charged: string;
let notStarted: string;

beforeAll(async () => {
  env = await billingEnv('2026-03-10T10:00:00Z');
  for (let i = 0; i < 7; i++) {
    const id = await newProject({ billingStartDate: '2026-03-0' + (1 + (i % 5)), balance: 100_000 });
    await change(id, '2026-03-01T08:00:00Z', product('callback', true));
    due.push(id);
  }
  charged = await newProject({ billingStartDate: '2026-03-08', balance: 100_000 });
  await chargeThrough(storeContext(), charged, '2026-03-09');
  notStarted = await newProject({ billingStartDate: '2026-03-12' });
});

describe('fan-out', () => {
  it('sends yesterday (billing zone) for every project not charged through it, and no other', async () => {
    env.sent.length = 0;
    const result = await fanOutDays({});
    expect(result).toEqual({ date: '2026-03-09', projects: due.length });
    expect(env.sent.map((m) => m.projectId).sort()).toEqual([...due].sort());
    expect(env.sent.every((m) => m.date === '2026-03-09')).toBe(true);
    expect(env.sent.map((m) => m.projectId)).not.toContain(charged);
    expect(env.sent.map((m) => m.projectId)).not.toContain(notStarted);
  });

  it('pages through the index and resumes from its cursor without losing or repeating a project', async () => {
    const ctx = storeContext();
    const seen: string[] = [];
    let pages = 0;
    const queue = { send: async (m: { projectId: string }[]) => { seen.push(...m.map((x) => x.projectId)); } };
    const first = await fanOut(ctx, queue, '2026-03-09', { pageSize: 1, shouldStop: () => pages++ >= 3 });
    expect(first.cursor).toBeDefined();
    expect(first.projects).toBe(seen.length);
    const rest = await fanOut(ctx, queue, '2026-03-09', { pageSize: 2, cursor: first.cursor! });
    expect(rest.cursor).toBeUndefined();
    expect(seen.sort()).toEqual([...due].sort());
    // A single page reads one shard at a time.
    const page = await projectsToChargePage(ctx, '2026-03-09', { shard: 0 }, 1);
    expect(page.projectIds.length).toBeLessThanOrEqual(1);
  });

  it('stops when the Lambda runs short of time and fails the invocation so it is retried', async () => {
    await expect(fanOutDays({ date: '2026-03-09' }, { getRemainingTimeInMillis: () => 1_000 })).rejects.toBeInstanceOf(FanOutIncomplete);
    await expect(fanOutDays({ date: '2026-3-9' })).rejects.toMatchObject({ code: 'invalid_date' });
    // The schedule's fire time names the day: 00:05 on 03-09 in Kyiv (22:05Z on 03-08) charges 03-08.
    env.sent.length = 0;
    expect(await fanOutDays({ scheduledTime: '2026-03-08T22:05:00Z' })).toMatchObject({ date: '2026-03-08' });
    expect(env.sent.every((m) => m.date === '2026-03-08')).toBe(true);
  });
});

describe('charge-day (SQS)', () => {
  it('charges, reports only the failed messages, and a duplicate or a redelivery moves nothing', async () => {
    const [a, b] = due as [string, string];
    // Project b's charge transaction fails hard this time.
    setRuntime({ doc: faultyDoc(env.doc, (cmd) => (touchesProject(cmd, b) && JSON.stringify(cmd.input).includes('charge#') ? { before: hardFailure() } : undefined)) });
    const out = await chargeDay(sqsEvent([
      { projectId: a, date: '2026-03-09' },
      { projectId: a, date: '2026-03-09' }, // a duplicate in the same batch
      { projectId: b, date: '2026-03-09' },
      'not json',
      { projectId: 'prj_nope', date: '2026-03-09' }, // no such project: dropped, nothing to retry
    ]));
    setRuntime({ doc: env.doc });
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m2', 'm3']);
    const pa = await project(a);
    expect(pa.chargedThrough).toBe('2026-03-09');
    expect((await project(b)).chargedThrough).toBe('2026-03-01'); // b starts on the 2nd: nothing charged yet
    const linesA = (await ledgerOf(a)).filter((e) => e.type !== 'payment');

    // The redelivery of b's message charges it; a's message again moves nothing.
    const again = await chargeDay(sqsEvent([{ projectId: b, date: '2026-03-09' }, { projectId: a, date: '2026-03-09' }]));
    expect(again.batchItemFailures).toEqual([]);
    expect((await project(b)).chargedThrough).toBe('2026-03-09');
    expect((await ledgerOf(a)).filter((e) => e.type !== 'payment')).toEqual(linesA);
    expect((await project(a)).balance).toBe(pa.balance);
    // Callback 299.00/month from 03-01 to 03-09: floor(29900*9/31) = 8680 (a started on the 1st).
    expect(pa.balance).toBe(100_000 - 8680);
  });
});

describe('a project whose stored data cannot be charged (issue 19 §2)', () => {
  it('fails alone, with an operator record naming it and why; the other projects of the batch are charged', async () => {
    // A number of a type no price covers, as a store written before names were checked could hold.
    const stuck = await newProject({ billingStartDate: '2026-03-05', balance: 100_000 });
    const fine = await newProject({ billingStartDate: '2026-03-05', balance: 100_000 });
    const bad: ChangeInputOf = { kind: 'number', number: '+380441239999', numberType: 'constructor', held: true };
    await change(stuck, '2026-03-05T08:00:00Z', bad);
    await change(fine, '2026-03-05T08:00:00Z', product('callback', true));
    const errors = vi.spyOn(logger, 'error');
    try {
      const out = await chargeDay(sqsEvent([{ projectId: stuck, date: '2026-03-09' }, { projectId: fine, date: '2026-03-09' }]));
      expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m0']);
      const record = errors.mock.calls.find(([message]) => message === 'day cannot be charged');
      expect(record?.[1]).toMatchObject({ unchargeable: true, projectId: stuck, code: 'number_type_unpriced' });
    } finally {
      errors.mockRestore();
    }
    expect((await project(fine)).chargedThrough).toBe('2026-03-09');
    expect((await project(stuck)).chargedThrough).toBe('2026-03-04');
  });
});
