/**
 * The debit's chunk (shared/domain/usage.ts nextDebitChunk): every event of the chunk is debited, never
 * more than its cost, never past the lowest exact balance nor a day's total past 2^53 - 1, and exactly
 * what the balance update, the days' totals and the shortfalls say (issue 19 §5).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargedEvents, debitedOf, MIN_BALANCE, nextDebitChunk } from '../../shared/domain/usage';

const MAX = Number.MAX_SAFE_INTEGER;
const cost = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: MAX }), fc.constant(MAX));
const day = fc.constantFrom('2026-03-08', '2026-03-09', '2026-03-10');
const events = fc.array(fc.record({ day, cost }), { minLength: 1, maxLength: 40 }).map((es) => es.map((e, i) => ({ ...e, eventId: `e${i}` })));
const balance = fc.oneof(fc.integer({ min: MIN_BALANCE, max: MAX }), fc.constantFrom(MIN_BALANCE, 0, MAX));

describe('nextDebitChunk', () => {
  it('debits each event as far as the balance and its day allow, and says exactly what it debited', () => {
    fc.assert(fc.property(events, balance, fc.integer({ min: 3, max: 100 }), (pending, b, maxItems) => {
      const chunk = nextDebitChunk(pending, '2026-03-07', maxItems, 1, b);
      expect(chunk.events.length).toBeGreaterThan(0);
      expect(chunk.events).toEqual(pending.slice(0, chunk.events.length));
      const debited = chunk.events.map((e) => debitedOf(chunk, e));
      for (const [i, e] of chunk.events.entries()) {
        expect(debited[i]).toBeGreaterThanOrEqual(0);
        expect(debited[i]).toBeLessThanOrEqual(e.cost);
        expect(chunk.shortfalls.has(e.eventId)).toBe(debited[i]! < e.cost);
      }
      const total = debited.reduce((s, d) => s + BigInt(d), 0n);
      expect(BigInt(-chunk.delta)).toBe(total);
      expect(Number.isSafeInteger(chunk.delta)).toBe(true);
      expect(b + chunk.delta).toBeGreaterThanOrEqual(MIN_BALANCE);
      // Paid in full unless the balance or the day had no room left: an event is short only at a limit.
      const firstShort = chunk.events.findIndex((e) => chunk.shortfalls.has(e.eventId));
      if (firstShort >= 0) {
        const before = debited.slice(0, firstShort + 1).reduce((s, d) => s + BigInt(d), 0n);
        const dayOf = chunk.events[firstShort]!.day;
        const dayTotal = chunk.events.slice(0, firstShort + 1).filter((e) => e.day === dayOf).reduce((s, e) => s + BigInt(debitedOf(chunk, e)), 0n);
        expect(BigInt(b) - before === BigInt(MIN_BALANCE) || dayTotal === BigInt(MAX)).toBe(true);
      }
      for (const [d, t] of chunk.perDay) {
        expect(t.total).toBeLessThanOrEqual(MAX);
        expect(t.total).toBe(chargedEvents(chunk).filter((e) => e.day === d).reduce((s, e) => s + e.cost, 0));
      }
    }), { numRuns: 300 });
  });

  it('takes every cost as it is in every ordinary case', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 90 }), fc.integer({ min: -1e12, max: 1e12 }), (costs, b) => {
      const pending = costs.map((c, i) => ({ eventId: `e${i}`, day: '2026-03-10', cost: c }));
      const chunk = nextDebitChunk(pending, '2026-03-07', 100, 1, b);
      expect(chunk.events).toHaveLength(costs.length);
      expect(chunk.shortfalls.size).toBe(0);
      expect(chunk.delta).toBe(-costs.reduce((s, c) => s + c, 0));
    }));
  });

  it('counts a day known to be near the limit', () => {
    const chunk = nextDebitChunk([{ eventId: 'a', day: '2026-03-10', cost: 500 }], '2026-03-07', 100, 1, 0, new Map([['2026-03-10', MAX - 200]]));
    expect(chunk.shortfalls.get('a')).toEqual({ eventId: 'a', cost: 500, debited: 200 });
    expect(chunk.delta).toBe(-200);
  });
});
