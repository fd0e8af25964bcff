/**
 * Usage items (shared/store/usage.ts): one item per eventId, a second put refused; a project's day
 * listed in time order across offsets, page by page; a debit mark written once; a request's items
 * written in transactions or one put each, either way each once and each told apart as this call's
 * (a lost answer included) or not, under concurrent repeats and injected contention.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RatedUsageEvent } from '../../shared/domain/usage';
import { storeContext, type StoreContext } from '../../shared/store/context';
import {
  decodeUsageCursor, IngestBusy, insertUsageItems, InvalidUsageCursor, listUsagePage, MAX_CONTENDED_ROUNDS, putUsageItem, usageItemOf, type UsageItem,
} from '../../shared/store/usage';
import { billingEnv } from '../support/billing';
import { conflictCancellation, faultyDoc, timeout } from '../support/faulty-doc';

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
});

describe.each(['transactions', 'per-event'] as const)('insertUsageItems (%s)', (writes) => {
  const items = (tag: string, n: number, attemptId: string) =>
    Array.from({ length: n }, (_, i) => usageItemOf(ZONE, event(`${writes}-${tag}-${i}`, '2026-03-10T09:00:00Z'), '2026-03-10T10:00:00.000Z', attemptId));
  const storedIds = async (ctx: StoreContext, tag: string) => (await listUsagePage(ctx, 'prj_usage_store', '2026-03-10')).events
    .map((e) => e.eventId).filter((id) => id.startsWith(`${writes}-${tag}-`));

  it('stores each eventId once and tells exactly which ones this call stored, under concurrent repeats', async () => {
    const ctx = storeContext();
    // Four calls at once over overlapping ranges of 150 events (two transactions each): every event is
    // claimed by exactly one call, the others count it as not theirs.
    const all = items('race', 240, 'unused');
    const calls = [0, 30, 60, 90].map((from, c) => all.slice(from, from + 150).map((i) => ({ ...i, attemptId: `call-${c}` })));
    const answers = await Promise.all(calls.map((call, c) => insertUsageItems(ctx, call, `call-${c}`, writes)));
    const claims = new Map<string, number>();
    answers.forEach((stored, c) => stored.forEach((mine, i) => { if (mine) claims.set(calls[c]![i]!.eventId, (claims.get(calls[c]![i]!.eventId) ?? 0) + 1); }));
    expect(claims.size).toBe(240);
    expect([...claims.values()].every((n) => n === 1)).toBe(true);
    expect((await storedIds(ctx, 'race')).sort()).toEqual(all.map((i) => i.eventId).sort());
    // Sent again later: all stored already, none this call's, and telling so costs no read.
    const doc = faultyDoc(ctx.doc, () => undefined);
    expect(await insertUsageItems({ ...ctx, doc }, calls[0]!, 'call-again', writes)).toEqual(Array(150).fill(false));
    expect(doc.calls.filter((c) => /Get/.test(c.name))).toEqual([]);
  });

  it("counts an item whose write committed but whose answer was lost as this call's", async () => {
    const ctx = storeContext();
    const write = writes === 'transactions' ? 'TransactWriteCommand' : 'PutCommand';
    let lost = 0;
    const doc = faultyDoc(ctx.doc, (cmd) => (cmd.name === write && lost++ === 0 ? { after: timeout() } : undefined));
    const batch = items('lost', 3, 'attempt-lost');
    expect(await insertUsageItems({ ...ctx, doc }, batch, 'attempt-lost', writes)).toEqual([true, true, true]);
    expect(lost).toBeGreaterThan(1); // the write was sent again after the lost answer
    expect(await storedIds(ctx, 'lost')).toHaveLength(3);
  });
});

describe('insertUsageItems in transactions, when cancelled', () => {
  const batch = (tag: string, n: number, attemptId = 'attempt') =>
    Array.from({ length: n }, (_, i) => usageItemOf(ZONE, event(`tx-${tag}-${i}`, '2026-03-10T09:00:00Z'), '2026-03-10T10:00:00.000Z', attemptId));
  const cancellation = (codes: string[]) => new TransactionCanceledException({ message: 'cancelled [injected]', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

  it('settles the items that exist and sends the others again at once, reading nothing after a first send', async () => {
    const ctx = storeContext();
    const items = batch('mixed', 5);
    await putUsageItem(ctx, { ...items[1]!, attemptId: 'someone-else' });
    await putUsageItem(ctx, { ...items[3]!, attemptId: 'another-call' });
    const doc = faultyDoc(ctx.doc, () => undefined);
    expect(await insertUsageItems({ ...ctx, doc }, items, 'attempt', 'transactions')).toEqual([true, false, true, false, true]);
    expect(doc.calls.filter((c) => c.name === 'TransactWriteCommand').map((c) => c.input.TransactItems.length)).toEqual([5, 3]);
    // Nothing of this call can be stored before its first send: a duplicate costs no read.
    expect(doc.calls.filter((c) => c.name !== 'TransactWriteCommand')).toEqual([]);
  });

  it("after a resend, tells its round's own stored items from others by the round's receipt, in one read", async () => {
    const ctx = storeContext();
    const items = batch('resent', 3);
    await putUsageItem(ctx, { ...items[1]!, attemptId: 'someone-else' });
    let n = 0;
    // The second send (items 0 and 2) commits but its answer is lost; the resend finds both stored.
    const doc = faultyDoc(ctx.doc, (cmd) => (cmd.name === 'TransactWriteCommand' && n++ === 1 ? { after: timeout() } : undefined));
    expect(await insertUsageItems({ ...ctx, doc }, items, 'attempt', 'transactions')).toEqual([true, false, true]);
    expect(doc.calls.filter((c) => c.name === 'TransactWriteCommand').map((c) => c.input.TransactItems.length)).toEqual([3, 2, 2]);
    expect(doc.calls.filter((c) => c.name !== 'TransactWriteCommand').map((c) => c.name)).toEqual(['GetCommand']);
  });

  it('sends again, after a backoff, a transaction cancelled by contention alone', async () => {
    const ctx = storeContext();
    let n = 0;
    const doc = faultyDoc(ctx.doc, (cmd) => (cmd.name === 'TransactWriteCommand' && n++ < 3 ? { before: conflictCancellation(4, n % 4) } : undefined));
    expect(await insertUsageItems({ ...ctx, doc }, batch('contended', 4), 'attempt', 'transactions')).toEqual([true, true, true, true]);
    expect(n).toBe(4);
  });

  it('gives up with 503 busy and Retry-After when contention never ends', async () => {
    const ctx = storeContext();
    const doc = faultyDoc(ctx.doc, (cmd) => (cmd.name === 'TransactWriteCommand' ? { before: conflictCancellation(2, 0) } : undefined));
    const attempt = insertUsageItems({ ...ctx, doc }, batch('never', 2), 'attempt', 'transactions');
    await expect(attempt).rejects.toBeInstanceOf(IngestBusy);
    await expect(attempt).rejects.toMatchObject({ status: 503, code: 'busy', retryAfterSec: 1 });
    expect(doc.calls.filter((c) => c.name === 'TransactWriteCommand')).toHaveLength(MAX_CONTENDED_ROUNDS);
    expect(await listUsagePage(ctx, 'prj_usage_store', '2026-03-10').then((p) => p.events.filter((e) => e.eventId.startsWith('tx-never-')))).toEqual([]);
  });

  it('fails on a cancellation reason that is neither a stored item nor contention', async () => {
    const ctx = storeContext();
    const doc = faultyDoc(ctx.doc, (cmd) => (cmd.name === 'TransactWriteCommand' ? { before: cancellation(['None', 'ValidationError']) } : undefined));
    await expect(insertUsageItems({ ...ctx, doc }, batch('invalid', 2), 'attempt', 'transactions')).rejects.toBeInstanceOf(TransactionCanceledException);
  });

  it('writes 100 items a transaction, several transactions at once', async () => {
    const ctx = storeContext();
    const doc = faultyDoc(ctx.doc, () => undefined);
    expect(await insertUsageItems({ ...ctx, doc }, batch('large', 450), 'attempt', 'transactions')).toEqual(Array(450).fill(true));
    expect(doc.calls.filter((c) => c.name === 'TransactWriteCommand').map((c) => c.input.TransactItems.length)).toEqual([100, 100, 100, 100, 50]);
  });
});
