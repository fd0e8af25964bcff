/**
 * Usage items (shared/store/usage.ts): one item per eventId, a second put refused; a project's day
 * listed in time order across offsets; a debit mark written once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RatedUsageEvent } from '../../shared/domain/usage';
import { storeContext } from '../../shared/store/context';
import { transact } from '../../shared/store/transactions';
import { debitMark, listUsageDay, putUsageItem, usageItemOf } from '../../shared/store/usage';
import { billingEnv } from '../support/billing';

const ZONE = 'Europe/Kyiv';
const event = (eventId: string, occurredAt: string): RatedUsageEvent =>
  ({ eventId, projectId: 'prj_usage_store', kind: 'sms', destination: '+380501234567', occurredAt, segments: 1, cost: 120 });

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
});

describe('usage items', () => {
  it('stores an eventId once and refuses the second put, whatever it carries', async () => {
    const ctx = storeContext();
    const item = usageItemOf(ZONE, event('u-once', '2026-03-10T09:00:00Z'), '2026-03-10T10:00:00.000Z', 'attempt-1');
    expect(item).toMatchObject({ pk: 'usage#u-once', day: '2026-03-10', projectDay: 'prj_usage_store#2026-03-10', attemptId: 'attempt-1' });
    expect(await putUsageItem(ctx, item)).toBe('stored');
    expect(await putUsageItem(ctx, { ...item, cost: 999, attemptId: 'attempt-2' })).toBe('exists');
    expect((await listUsageDay(ctx, 'prj_usage_store', '2026-03-10')).find((e) => e.eventId === 'u-once')?.cost).toBe(120);
  });

  it('cuts days in the billing zone and lists a day in time order, not text order of the offsets', async () => {
    const ctx = storeContext();
    // 22:50+02:00 is 20:50Z, earlier than 21:10Z, though its text sorts after it.
    const late = event('u-late', '2026-03-11T21:10:00Z');
    const early = event('u-early', '2026-03-11T22:50:00+02:00');
    for (const e of [late, early]) await putUsageItem(ctx, usageItemOf(ZONE, e, '2026-03-11T23:30:00.000Z'));
    const day = await listUsageDay(ctx, 'prj_usage_store', '2026-03-11');
    expect(day.map((e) => e.eventId)).toEqual(['u-early', 'u-late']);
  });

  it('marks an event debited once: a second mark is refused', async () => {
    const ctx = storeContext();
    await putUsageItem(ctx, usageItemOf(ZONE, event('u-mark', '2026-03-10T08:00:00Z'), '2026-03-10T10:00:00.000Z'));
    expect((await transact(ctx.doc, [debitMark(ctx, 'u-mark', '2026-03-10T10:00:01.000Z', '2026-03-10')])).committed).toBe(true);
    expect(await transact(ctx.doc, [debitMark(ctx, 'u-mark', '2026-03-10T10:00:02.000Z', '2026-03-10')])).toMatchObject({ committed: false, reasons: ['ConditionalCheckFailed'] });
    // A mark for an event that was never stored is refused too.
    expect(await transact(ctx.doc, [debitMark(ctx, 'u-nothing', '2026-03-10T10:00:02.000Z', '2026-03-10')])).toMatchObject({ committed: false });
  });
});
