import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays } from '../../shared/domain/billing-days';
import { endOfDay, startOfDay } from '../../shared/domain/day-bounds';
import { dayState, dayStates, sessions30, stateAt, timelineAsOf } from '../../shared/domain/timeline';
import type { ProductId, NumberType } from '../../shared/domain/plan';
import type { TimelineChange } from '../../shared/domain/types';
import { number, product, tl, ZONE } from '../support/timeline';

const obj = (m: Map<string, unknown>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

describe('dayState', () => {
  it('has nothing before the first change', () => {
    const s = dayState(tl([product('2026-01-10T08:00:00+02:00', 'telephony', true, 3)]), '2026-01-09');
    expect(s.products.size).toBe(0);
    expect(s.numbers.size).toBe(0);
    expect(s.sessions30).toBe(0);
  });

  it('bills the largest seat count in force while enabled', () => {
    // 5 seats from Jan 1; 8 from 10:00 on Jan 10; 4 from 15:00 → Jan 10 max is 8, Jan 11 is 4
    const t = tl([
      product('2026-01-01T00:00:00+02:00', 'telephony', true, 5),
      product('2026-01-10T10:00:00+02:00', 'telephony', true, 8),
      product('2026-01-10T15:00:00+02:00', 'telephony', true, 4),
    ]);
    expect(dayState(t, '2026-01-09').products.get('telephony')).toEqual({ seats: 5 });
    expect(dayState(t, '2026-01-10').products.get('telephony')).toEqual({ seats: 8 });
    expect(dayState(t, '2026-01-11').products.get('telephony')).toEqual({ seats: 4 });
  });

  it('ignores seat counts set while the product was disabled', () => {
    // 9 seats set while disabled at 09:00, then re-enabled at noon with 2 seats: only 2 was ever in force
    const t = tl([
      product('2026-01-10T09:00:00+02:00', 'telephony', false, 9),
      product('2026-01-10T12:00:00+02:00', 'telephony', true, 2),
    ]);
    expect(dayState(t, '2026-01-10').products.get('telephony')).toEqual({ seats: 2 });
  });

  it('keeps the last seat count when seats are absent, else uses defaultSeats', () => {
    const t = tl([
      product('2026-01-01T00:00:00+02:00', 'telephony', true, 6),
      product('2026-01-05T00:00:00+02:00', 'telephony', false),
      product('2026-01-08T00:00:00+02:00', 'telephony', true),
      product('2026-01-08T00:00:00+02:00', 'callback', true),
    ]);
    expect(dayState(t, '2026-01-09', 3).products.get('telephony')).toEqual({ seats: 6 });
    expect(dayState(t, '2026-01-09', 3).products.get('callback')).toEqual({ seats: 3 });
    expect(dayState(t, '2026-01-09').products.get('callback')).toEqual({ seats: 0 });
  });

  it('counts a change exactly at the next midnight for the next day only (half-open days)', () => {
    // held from Jan 10 noon, released exactly at Jan 11 00:00 local: Jan 10 only
    const t = tl([
      number('2026-01-10T12:00:00+02:00', '+380441111111', true),
      number('2026-01-11T00:00:00+02:00', '+380441111111', false),
      product('2026-01-11T00:00:00+02:00', 'callback', true),
    ]);
    expect([...dayState(t, '2026-01-10').numbers.keys()]).toEqual(['+380441111111']);
    expect(dayState(t, '2026-01-11').numbers.size).toBe(0);
    expect(dayState(t, '2026-01-10').products.has('callback')).toBe(false);
    expect(dayState(t, '2026-01-11').products.has('callback')).toBe(true);
  });

  it('charges a number held noon to noon on all three days it touches', () => {
    const t = tl([
      number('2026-01-10T12:00:00+02:00', '+380671234567', true, 'mobile'),
      number('2026-01-12T12:00:00+02:00', '+380671234567', false, 'mobile'),
    ]);
    const days = ['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12', '2026-01-13'];
    expect(dayStates(t, days).map((s) => s.numbers.get('+380671234567') ?? null)).toEqual([null, 'mobile', 'mobile', 'mobile', null]);
  });

  it('treats changes at the same instant as one step: a zero-length state is never in force', () => {
    // enabled then disabled at the same instant (seq 0, 1): the product was never on
    const t = tl([
      product('2026-01-10T12:00:00+02:00', 'analytics', false, undefined, 1),
      product('2026-01-10T12:00:00+02:00', 'analytics', true, undefined, 0),
    ]);
    expect(dayState(t, '2026-01-10').products.has('analytics')).toBe(false);
    // seq decides, not the input order: disabled (seq 0) then enabled (seq 1) leaves it on
    const t2 = tl([
      product('2026-01-10T12:00:00+02:00', 'analytics', true, undefined, 1),
      product('2026-01-10T12:00:00+02:00', 'analytics', false, undefined, 0),
    ]);
    expect(dayState(t2, '2026-01-10').products.has('analytics')).toBe(true);
  });

  it('cuts DST days in the zone: 2026-03-29 has 23 hours in Kyiv', () => {
    expect((endOfDay('2026-03-29', ZONE) - startOfDay('2026-03-29', ZONE)) / 3_600_000).toBe(23);
    const t = tl([
      product('2026-03-28T12:00:00+02:00', 'calltracking', true),
      product('2026-03-29T23:30:00+03:00', 'calltracking', false), // 20:30Z: still Mar 29 local
      number('2026-03-29T23:30:00+03:00', '+380442222222', true),
      number('2026-03-30T00:00:00+03:00', '+380442222222', false), // released at the next midnight
      // 00:30 on Mar 30 local is 21:30Z on Mar 29; a fixed +02:00 day end (22:00Z) would wrongly count it on Mar 29
      number('2026-03-30T00:30:00+03:00', '+380443333333', true),
    ]);
    const [d29, d30] = dayStates(t, ['2026-03-29', '2026-03-30']);
    expect(d29!.products.has('calltracking')).toBe(true);
    expect(d30!.products.has('calltracking')).toBe(false);
    expect([...d29!.numbers.keys()]).toEqual(['+380442222222']);
    expect([...d30!.numbers.keys()]).toEqual(['+380443333333']);
  });

  it('cuts DST days in the zone: 2026-10-25 has 25 hours in Kyiv', () => {
    expect((endOfDay('2026-10-25', ZONE) - startOfDay('2026-10-25', ZONE)) / 3_600_000).toBe(25);
    const t = tl([
      product('2026-10-20T12:00:00+03:00', 'callback', true),
      // 23:30 local after the clocks went back is 21:30Z; a +03:00 day end (21:00Z) would push it to Oct 26
      product('2026-10-25T23:30:00+02:00', 'callback', false),
      number('2026-10-25T23:30:00+02:00', '+380444444444', true),
      number('2026-10-26T00:00:00+02:00', '+380444444444', false),
    ]);
    const [d25, d26] = dayStates(t, ['2026-10-25', '2026-10-26']);
    expect(d25!.products.has('callback')).toBe(true);
    expect(d26!.products.has('callback')).toBe(false);
    expect(d25!.numbers.has('+380444444444')).toBe(true);
    expect(d26!.numbers.has('+380444444444')).toBe(false);
  });

  it('sums the sessions of the 30 days ending on the day, inclusive', () => {
    // window for Jan 10 is Dec 12 .. Jan 10: Dec 11 is out, Jan 11 is out
    const sessions = [
      { date: '2025-12-11', count: 1000 },
      { date: '2025-12-12', count: 20 },
      { date: '2026-01-01', count: 300 },
      { date: '2026-01-10', count: 4 },
      { date: '2026-01-11', count: 50_000 },
    ];
    expect(sessions30(sessions, '2026-01-10')).toBe(20 + 300 + 4);
    expect(dayState(tl([], sessions), '2026-01-10').sessions30).toBe(324);
    // a repeat for a date replaces it: the last one given wins
    expect(sessions30([...sessions, { date: '2026-01-01', count: 1 }], '2026-01-10')).toBe(20 + 1 + 4);
  });

  it('refuses days out of order and unparseable instants', () => {
    expect(() => dayStates(tl([]), ['2026-01-02', '2026-01-01'])).toThrow(/ascending/);
    expect(() => dayState(tl([product('yesterday', 'callback', true)]), '2026-01-01')).toThrow(/ISO 8601/);
  });
});

describe('stateAt and timelineAsOf', () => {
  const t = tl([
    product('2026-01-10T10:00:00+02:00', 'telephony', true, 5),
    product('2026-01-10T12:00:00+02:00', 'telephony', true, 4),
    number('2026-01-10T12:00:00+02:00', '+380445555555', true, 'tollfree'),
  ]);
  it('is the state after every change at or before the instant', () => {
    const noon = Date.parse('2026-01-10T12:00:00+02:00');
    expect(stateAt(t, noon - 1).products.get('telephony')).toEqual({ seats: 5 });
    expect(stateAt(t, noon - 1).numbers.size).toBe(0);
    expect(stateAt(t, noon).products.get('telephony')).toEqual({ seats: 4 });
    expect(stateAt(t, noon).numbers.get('+380445555555')).toBe('tollfree');
  });
  it('drops the changes after the instant', () => {
    expect(timelineAsOf(t, Date.parse('2026-01-10T11:00:00+02:00')).changes).toHaveLength(1);
  });
});

// ---------- properties ----------

const DAY0 = '2026-03-27'; // spans the spring DST change
const BASE = Date.parse('2026-03-27T00:00:00+02:00');
const changeArb: fc.Arbitrary<TimelineChange> = fc.oneof(
  fc.record({
    kind: fc.constant('product' as const),
    // a few fixed instants too, so ties (same at, same seq) really happen
    at: fc.oneof(fc.integer({ min: -86_400_000, max: 5 * 86_400_000 }), fc.constantFrom(0, 86_400_000, 2 * 86_400_000 - 3_600_000)).map((d) => new Date(BASE + d).toISOString()),
    seq: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    productId: fc.constantFrom<ProductId>('telephony', 'calltracking', 'callback', 'analytics'),
    enabled: fc.boolean(),
    seats: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  }, { requiredKeys: ['kind', 'at', 'productId', 'enabled'] }),
  fc.record({
    kind: fc.constant('number' as const),
    at: fc.integer({ min: -86_400_000, max: 5 * 86_400_000 }).map((d) => new Date(BASE + d).toISOString()),
    seq: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    number: fc.constantFrom('+380441', '+380442', '+380443'),
    numberType: fc.constantFrom<NumberType>('local', 'mobile', 'tollfree'),
    held: fc.boolean(),
  }, { requiredKeys: ['kind', 'at', 'number', 'numberType', 'held'] }),
);

describe('dayState properties', () => {
  const days = [0, 1, 2, 3, 4].map((i) => addDays(DAY0, i));

  it('does not depend on the order of the changes', () => {
    fc.assert(fc.property(fc.array(changeArb, { maxLength: 25 }).chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length }))), ([a, b]) => {
      const sa = dayStates(tl(a), days, 3);
      const sb = dayStates(tl(b), days, 3);
      sa.forEach((s, i) => {
        expect(obj(s.products)).toEqual(obj(sb[i]!.products));
        expect(obj(s.numbers)).toEqual(obj(sb[i]!.numbers));
      });
    }));
  });

  it('equals the union of the states in force at the day start and at each change instant within it', () => {
    fc.assert(fc.property(fc.array(changeArb, { maxLength: 25 }), (changes) => {
      const t = tl(changes);
      const states = dayStates(t, days, 3);
      days.forEach((day, i) => {
        const start = startOfDay(day, ZONE);
        const end = endOfDay(day, ZONE);
        const instants = [start, ...changes.map((c) => Date.parse(c.at)).filter((ms) => ms > start && ms < end)];
        const products = new Map<string, { seats: number }>();
        const numbers = new Map<string, NumberType>();
        for (const ms of instants.sort((x, y) => x - y)) {
          const s = stateAt(t, ms, 3);
          for (const [p, v] of s.products) if (!products.has(p) || v.seats > products.get(p)!.seats) products.set(p, v);
          for (const [n, type] of s.numbers) numbers.set(n, type);
        }
        expect(obj(states[i]!.products)).toEqual(obj(products));
        expect(obj(states[i]!.numbers)).toEqual(obj(numbers));
        expect(obj(dayState(t, day, 3).products)).toEqual(obj(products));
      });
    }));
  });
});
