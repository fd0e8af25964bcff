import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/billing-days';
import { startOfDay } from '../../shared/domain/day-bounds';
import { dayState, stateAt } from '../../shared/domain/timeline';
import { emptySnapshot, foldChanges, seatsOf, snapshotChanges } from '../../shared/domain/timeline-snapshot';
import type { Timeline, TimelineChange } from '../../shared/domain/types';

const ZONE = 'Europe/Kyiv';
// Six days around the spring DST change (2026-03-29 has 23 hours in Kyiv).
const FIRST = '2026-03-26';
const DAYS = [0, 1, 2, 3, 4, 5].map((i) => addDays(FIRST, i));
const T0 = startOfDay(FIRST, ZONE);
const HALF_HOUR = 1_800_000;
const END = startOfDay(addDays(FIRST, 6), ZONE);
/** Half-hour steps in the six days (one fewer hour across the DST change). */
const STEPS = (END - T0) / HALF_HOUR;

const change: fc.Arbitrary<TimelineChange> = fc.oneof(
  fc.record({
    kind: fc.constant('product' as const),
    // Half-hour steps: many changes share an instant, and some fall exactly on a midnight.
    at: fc.integer({ min: 0, max: STEPS - 1 }).map((k) => new Date(T0 + k * HALF_HOUR).toISOString()),
    seq: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    productId: fc.constantFrom('telephony' as const, 'calltracking' as const, 'analytics' as const),
    enabled: fc.boolean(),
    seats: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('number' as const),
    at: fc.integer({ min: 0, max: STEPS - 1 }).map((k) => new Date(T0 + k * HALF_HOUR).toISOString()),
    seq: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    number: fc.constantFrom('+380441111111', '+380442222222', '+380443333333'),
    numberType: fc.constantFrom('local' as const, 'mobile' as const),
    held: fc.boolean(),
  }),
).map((c) => JSON.parse(JSON.stringify(c)) as TimelineChange); // drop undefined fields, as the store does

const timeline = (changes: TimelineChange[]): Timeline => ({ changes, sessions: [{ date: '2026-03-28', count: 9000 }], zone: ZONE });

function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_, v) => (v instanceof Map ? Object.fromEntries([...v].sort()) : v)));
}

describe('timeline snapshot', () => {
  it('snapshot as of a day + the changes after it charges every later day as the full history does', () => {
    fc.assert(fc.property(fc.array(change, { maxLength: 40 }), fc.integer({ min: 0, max: 4 }), (changes, k) => {
      const asOf = DAYS[k]!;
      const cut = startOfDay(addDays(asOf, 1), ZONE);
      const before = changes.filter((c) => Date.parse(c.at) < cut);
      const after = changes.filter((c) => Date.parse(c.at) >= cut);
      const snap = foldChanges(emptySnapshot(), before);
      const rebuilt = timeline([...snapshotChanges(snap, new Date(cut - 1).toISOString()), ...after]);
      const full = timeline(changes);
      for (const day of DAYS.slice(k + 1)) {
        expect(plain(dayState(rebuilt, day, 3))).toEqual(plain(dayState(full, day, 3)));
      }
      // And what is in force at any later instant.
      for (let ms = cut; ms < END; ms += 5 * HALF_HOUR) {
        expect(plain(stateAt(rebuilt, ms, 3))).toEqual(plain(stateAt(full, ms, 3)));
      }
    }));
  });

  it('folding day by day equals folding all at once, and agrees with stateAt', () => {
    fc.assert(fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
      let snap = emptySnapshot();
      for (const day of DAYS) {
        const lo = startOfDay(day, ZONE);
        const hi = startOfDay(addDays(day, 1), ZONE);
        snap = foldChanges(snap, changes.filter((c) => Date.parse(c.at) >= lo && Date.parse(c.at) < hi));
      }
      expect(snap).toEqual(foldChanges(emptySnapshot(), changes));
      const now = stateAt(timeline(changes), END, 3);
      const enabled = Object.entries(snap.products).filter(([, p]) => p!.enabled).map(([id]) => id).sort();
      expect(enabled).toEqual([...now.products.keys()].sort());
      for (const [id, p] of now.products) expect(seatsOf(snap, id, () => 3)).toBe(p.seats);
      expect(snap.numbers).toEqual(Object.fromEntries(now.numbers));
    }));
  });

  it('keeps the seats of a disabled product so re-enabling without seats brings them back', () => {
    // telephony on with 5 seats, off, then on again without seats: the domain gives 5 seats back.
    const snap = foldChanges(emptySnapshot(), [
      { kind: 'product', at: '2026-03-26T08:00:00.000Z', productId: 'telephony', enabled: true, seats: 5 },
      { kind: 'product', at: '2026-03-26T09:00:00.000Z', productId: 'telephony', enabled: false },
    ]);
    expect(snap.products.telephony).toEqual({ enabled: false, seats: 5 });
    const t = timeline([...snapshotChanges(snap, '2026-03-26T21:59:59.999Z'), { kind: 'product', at: '2026-03-27T08:00:00.000Z', productId: 'telephony', enabled: true }]);
    expect(dayState(t, '2026-03-27', 3).products.get('telephony')).toEqual({ seats: 5 });
  });
});
