/**
 * The timeline items (shared/store/timeline.ts): changes read by instant bounds, the snapshot as the
 * base of a read, sessions by day, and the project-side conditions of a change: a charged day or a
 * revision that moved refuses the write.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chargeThrough } from '../../shared/billing/charge-through';
import { recordSessions } from '../../shared/billing/timeline-changes';
import { startOfDay } from '../../shared/domain/day-bounds';
import { storeContext } from '../../shared/store/context';
import { getProjectItem } from '../../shared/store/projects';
import { changePut, queryChanges, querySessions, readSnapshot, readTimeline, timelineBump } from '../../shared/store/timeline';
import { transact } from '../../shared/store/transactions';
import { billingEnv, change, newProject, number, product } from '../support/billing';

const ZONE = 'Europe/Kyiv';
let id: string;

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
  id = await newProject({ billingStartDate: '2026-03-01', balance: 1_000_000 });
  await change(id, '2026-03-01T08:00:00Z', product('telephony', true, 5));
  await change(id, '2026-03-02T08:00:00Z', number('+380441112233', true));
  await change(id, '2026-03-04T08:00:00Z', product('telephony', true, 2));
  await change(id, '2026-03-06T08:00:00Z', product('callback', true));
  for (const d of ['2026-03-01', '2026-03-03', '2026-03-05']) await recordSessions(storeContext(), id, d, 100);
});

describe('timeline items', () => {
  it('reads changes in instant order, from the lower bound inclusive to the upper bound exclusive', async () => {
    const ctx = storeContext();
    // The first is the project's plan from its start (midnight in Kyiv, 22:00 UTC), written with it.
    expect((await queryChanges(ctx, id, null, null)).map((c) => `${c.kind} ${c.at}`)).toEqual([
      'plan 2026-02-28T22:00:00.000Z', 'product 2026-03-01T08:00:00.000Z', 'number 2026-03-02T08:00:00.000Z', 'product 2026-03-04T08:00:00.000Z', 'product 2026-03-06T08:00:00.000Z',
    ]);
    const between = await queryChanges(ctx, id, Date.parse('2026-03-02T08:00:00Z'), Date.parse('2026-03-06T08:00:00Z'));
    expect(between.map((c) => c.at)).toEqual(['2026-03-02T08:00:00.000Z', '2026-03-04T08:00:00.000Z']);
    expect(await querySessions(ctx, id, '2026-03-02', '2026-03-05')).toEqual([{ date: '2026-03-03', count: 100 }, { date: '2026-03-05', count: 100 }]);
  });

  it('after a charge, reads the snapshot plus only the changes since it, and the domain sees the same timeline', async () => {
    const ctx = storeContext();
    const before = await readTimeline(ctx, id, { sessionsFrom: '2026-02-01', sessionsTo: '2026-03-10' });
    expect(before.base).toBeNull();
    await chargeThrough(ctx, id, '2026-03-04');
    const snap = await readSnapshot(ctx, id);
    expect(snap?.asOf).toBe('2026-03-04');
    expect(snap?.state).toEqual({ products: { telephony: { enabled: true, seats: 2 } }, numbers: { '+380441112233': 'local' } });
    const after = await readTimeline(ctx, id, { sessionsFrom: '2026-02-01', sessionsTo: '2026-03-10' });
    expect(after.changes.map((c) => c.at)).toEqual(['2026-03-06T08:00:00.000Z']);
    // Synthetic snapshot changes sit at the snapshot's last millisecond, before every later change.
    expect(after.timeline.changes.length).toBe(3);
    expect(after.timeline.changes.every((c, i, all) => i === 0 || Date.parse(all[i - 1]!.at) <= Date.parse(c.at))).toBe(true);
    expect(Date.parse(after.timeline.changes[0]!.at)).toBe(startOfDay('2026-03-05', ZONE) - 1);
  });

  it('refuses a change into a charged day, and one decided on a revision that has moved', async () => {
    const ctx = storeContext();
    const project = await getProjectItem(ctx, id);
    const late = { kind: 'product' as const, productId: 'callback' as const, enabled: false, at: '2026-03-03T08:00:00.000Z', seq: 99 };
    const refusedDay = await transact(ctx.doc, [changePut(ctx, id, late, { attemptId: 'a1' }).put, timelineBump(ctx, project, '2026-03-03')]);
    expect(refusedDay).toMatchObject({ committed: false, reasons: ['None', 'ConditionalCheckFailed'] });

    const open = { ...late, at: '2026-03-09T08:00:00.000Z' };
    expect((await transact(ctx.doc, [changePut(ctx, id, open, { attemptId: 'a2' }).put, timelineBump(ctx, project, '2026-03-09')])).committed).toBe(true);
    // The same decision again, on the revision it read before: refused.
    const stale = await transact(ctx.doc, [changePut(ctx, id, { ...open, seq: 100 }, { attemptId: 'a3' }).put, timelineBump(ctx, project, '2026-03-09')]);
    expect(stale).toMatchObject({ committed: false, reasons: ['None', 'ConditionalCheckFailed'] });
    expect((await queryChanges(ctx, id, Date.parse('2026-03-09T00:00:00Z'), null)).length).toBe(1);
  });
});
