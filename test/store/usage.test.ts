/**
 * Usage items (shared/store/usage.ts): one item per eventId, a second put refused; a project's day
 * listed in time order across offsets, page by page; a debit mark written once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RatedUsageEvent } from '../../shared/domain/usage';
import { storeContext } from '../../shared/store/context';
import { transact } from '../../shared/store/transactions';
import { debitMark, decodeUsageCursor, InvalidUsageCursor, listUsagePage, putUsageItem, usageItemOf, type UsageItem } from '../../shared/store/usage';
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
    expect(item).toMatchObject({ pk: 'usage#u-once', day: '2026-03-10', projectDay: 'prj_usage_store#2026-03-10', timeKey: '2026-03-10T09:00:00.000Z#u-once', attemptId: 'attempt-1' });
    expect(await putUsageItem(ctx, item)).toBe('stored');
    expect(await putUsageItem(ctx, { ...item, cost: 999, attemptId: 'attempt-2' })).toBe('exists');
    expect((await listUsagePage(ctx, 'prj_usage_store', '2026-03-10')).events.find((e) => e.eventId === 'u-once')?.cost).toBe(120);
  });

  it('cuts days in the billing zone and lists a day in time order, not text order of the offsets', async () => {
    const ctx = storeContext();
    // 22:50+02:00 is 20:50Z, earlier than 21:10Z, though its text sorts after it.
    const late = event('u-late', '2026-03-11T21:10:00Z');
    const early = event('u-early', '2026-03-11T22:50:00+02:00');
    for (const e of [late, early]) await putUsageItem(ctx, usageItemOf(ZONE, e, '2026-03-11T23:30:00.000Z'));
    const day = await listUsagePage(ctx, 'prj_usage_store', '2026-03-11');
    expect(day.events.map((e) => e.eventId)).toEqual(['u-early', 'u-late']);
    expect(day.nextCursor).toBeNull();
  });

  it('pages a busy day in time order, each event once, whatever the page size', async () => {
    const ctx = storeContext();
    const p = 'prj_usage_pages';
    // 40 events on 2026-03-12 in Kyiv, sent with three offsets and some at the same instant.
    const offsets = ['Z', '+02:00', '+05:30'];
    const sent: UsageItem[] = [];
    for (let i = 0; i < 40; i++) {
      const utcMs = Date.parse('2026-03-11T22:00:00Z') + Math.floor(i / 2) * 3_600_000; // two events an hour
      const offset = offsets[i % 3]!;
      const shift = offset === 'Z' ? 0 : offset === '+02:00' ? 120 : 330;
      const local = new Date(utcMs + shift * 60_000).toISOString().replace('.000Z', offset);
      const item = usageItemOf(ZONE, { ...event(`p-${String(39 - i).padStart(2, '0')}`, local), projectId: p }, '2026-03-12T23:00:00.000Z');
      sent.push(item);
      await putUsageItem(ctx, item);
    }
    const want = [...sent].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1)).map((e) => e.eventId);
    for (const limit of [1, 7, 40, 1000]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listUsagePage(ctx, p, '2026-03-12', { limit, cursor });
        expect(page.events.length).toBeLessThanOrEqual(limit);
        seen.push(...page.events.map((e) => e.eventId));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(want);
      expect(pages).toBe(Math.ceil(40 / limit));
    }
  });

  it('judges a cursor by what it decodes to: a time key of an instant on that day', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    expect(decodeUsageCursor(b64('2026-03-11T22:00:00.000Z#e-1'), '2026-03-12', ZONE)).toBe('2026-03-11T22:00:00.000Z#e-1');
    for (const key of [
      '2026-03-11T21:59:59.999Z#e-1', // 23:59:59.999 on the 11th in Kyiv: another day's cursor
      '2026-03-12T10:00:00Z#e-1', // not the fixed-width form
      '2026-03-12T10:00:00.000Z#', // no event id
      `2026-03-12T10:00:00.000Z#${'e'.repeat(129)}`, // longer than any event id
      '2026-03-12T10:00:00.000Z#e 1',
      '2026-02-30T10:00:00.000Z#e-1',
      'garbage',
    ]) expect(() => decodeUsageCursor(b64(key), '2026-03-12', ZONE), key).toThrow(InvalidUsageCursor);
    expect(() => decodeUsageCursor(`${b64('2026-03-12T10:00:00.000Z#e-1')}=`, '2026-03-12', ZONE)).toThrow(InvalidUsageCursor);
    expect(() => decodeUsageCursor('x'.repeat(301), '2026-03-12', ZONE)).toThrow(InvalidUsageCursor);
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
