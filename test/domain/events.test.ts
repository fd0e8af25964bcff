import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES, MAX_EVENTS_PER_WRITE, NO_ALERTS, ProjectEvent, balanceDrafts, changeDraft, eventRoom, eventSchemaName, normalizeRules,
  runwayDecision, spendCapDrafts, type AlertRules, type AlertState, type BalanceSide,
} from '../../shared/domain/events';
import { statusFor } from '../../shared/domain/project';

const side = (balance: number, creditLimit = 0): BalanceSide => ({ balance, creditLimit, status: statusFor(balance, creditLimit) });
const rules = (over: Partial<AlertRules>): AlertRules => ({ ...NO_ALERTS, ...over });

/** Walks a balance through `moves`, collecting every draft each move makes. */
function walk(start: number, moves: readonly number[], r: AlertRules, creditLimit = 0) {
  let before = side(start, creditLimit);
  const drafts = [];
  let version = 1;
  for (const m of moves) {
    const after = side(before.balance + m, creditLimit);
    drafts.push(...balanceDrafts(before, after, r, ++version));
    before = after;
  }
  return drafts;
}

describe('balance.low fires once per crossing', () => {
  it('from >= t to < t, again only after the balance was back at or above t', () => {
    const r = rules({ balanceBelow: [1_000] });
    // 1500 → 900 fires; → 800 no; → 1000 re-arms; → 999 fires; → 2000; → 1000 no (not below).
    const drafts = walk(1_500, [-600, -100, 200, -1, 1_001, -1_000], r);
    expect(drafts.filter((d) => d.type === 'balance.low').map((d) => d.data)).toEqual([
      { balance: 900, threshold: 1_000 }, { balance: 999, threshold: 1_000 },
    ]);
  });

  it('counts exactly the downward crossings of every threshold, for any walk (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: -50_000, max: 50_000 }),
      fc.array(fc.integer({ min: -20_000, max: 20_000 }), { maxLength: 60 }),
      fc.uniqueArray(fc.integer({ min: -30_000, max: 30_000 }), { minLength: 1, maxLength: 10 }),
      (start, moves, thresholds) => {
        const r = normalizeRules({ balanceBelow: thresholds });
        const drafts = walk(start, moves, r);
        for (const t of thresholds) {
          let crossings = 0;
          let b = start;
          for (const m of moves) { if (b >= t && b + m < t) crossings++; b += m; }
          expect(drafts.filter((d) => d.type === 'balance.low' && d.data.threshold === t)).toHaveLength(crossings);
        }
        // Causes are unique: one id per event, whatever the walk.
        expect(new Set(drafts.map((d) => d.cause)).size).toBe(drafts.length);
      },
    ));
  });

  it('blocks and unblocks in turn, as the status changes (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: -5_000, max: 5_000 }),
      fc.array(fc.integer({ min: -3_000, max: 3_000 }), { maxLength: 40 }),
      fc.integer({ min: 0, max: 2_000 }),
      (start, moves, creditLimit) => {
        const kinds = walk(start, moves, NO_ALERTS, creditLimit).map((d) => d.type);
        // Alternating, starting with whichever the first status allows.
        for (let i = 1; i < kinds.length; i++) expect(kinds[i]).not.toBe(kinds[i - 1]);
        if (kinds.length > 0) expect(kinds[0]).toBe(statusFor(start, creditLimit) === 'blocked' ? 'project.unblocked' : 'project.blocked');
      },
    ));
  });
});

describe('spend_cap.reached', () => {
  it('fires when a day total reaches the cap, once per day, even if the cap is raised and reached again', () => {
    const state: AlertState = {};
    const first = spendCapDrafts([{ day: '2026-03-10', before: 900, after: 1_000 }], 1_000, state, '2026-03-09');
    expect(first.drafts.map((d) => d.data)).toEqual([{ date: '2026-03-10', telecomTotal: 1_000, cap: 1_000 }]);
    expect(first.spendCapDays).toEqual(['2026-03-10']);
    // Raised to 2,000 and reached again the same day: nothing more.
    const again = spendCapDrafts([{ day: '2026-03-10', before: 1_900, after: 2_100 }], 2_000, { spendCapDays: first.spendCapDays }, '2026-03-09');
    expect(again.drafts).toEqual([]);
    // The next day is a new day; the charged one is forgotten.
    const next = spendCapDrafts([{ day: '2026-03-11', before: 0, after: 2_500 }], 2_000, { spendCapDays: first.spendCapDays }, '2026-03-10');
    expect(next.drafts).toHaveLength(1);
    expect(next.spendCapDays).toEqual(['2026-03-11']);
  });

  it('does not fire below the cap, for a total already past it, or without a cap', () => {
    expect(spendCapDrafts([{ day: '2026-03-10', before: 0, after: 999 }], 1_000, {}, '2026-03-09').drafts).toEqual([]);
    expect(spendCapDrafts([{ day: '2026-03-10', before: 1_000, after: 1_500 }], 1_000, {}, '2026-03-09').drafts).toEqual([]);
    expect(spendCapDrafts([{ day: '2026-03-10', before: 0, after: 5_000 }], null, {}, '2026-03-09').drafts).toEqual([]);
  });

  it('fires exactly once for any split of a day into debits that reach the cap (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 50 }), fc.integer({ min: 1, max: 5_000 }), (costs, cap) => {
      let state: AlertState = {};
      let total = 0;
      let fired = 0;
      for (const c of costs) {
        const out = spendCapDrafts([{ day: '2026-03-10', before: total, after: total + c }], cap, state, '2026-03-09');
        fired += out.drafts.length;
        state = { spendCapDays: out.spendCapDays };
        total += c;
      }
      expect(fired).toBe(total >= cap ? 1 : 0);
    }));
  });
});

describe('runway.low', () => {
  const r = rules({ runwayDays: 7 });
  it('fires once while the runway stays short, re-arms when it is long again', () => {
    const short = { balance: 1_000, balanceRunsOutOn: '2026-03-15' };
    const first = runwayDecision(r, {}, short, '2026-03-10', 5);
    expect(first).toMatchObject({ low: true, draft: { type: 'runway.low', data: { balance: 1_000, balanceRunsOutOn: '2026-03-15', days: 5 } } });
    expect(runwayDecision(r, { runwayLow: true }, short, '2026-03-11', 6)).toEqual({ low: true });
    const long = runwayDecision(r, { runwayLow: true }, { balance: 90_000, balanceRunsOutOn: '2026-05-01' }, '2026-03-12', 7);
    expect(long).toEqual({ low: false });
    expect(runwayDecision(r, {}, { balance: 90_000, balanceRunsOutOn: null }, '2026-03-12', 8)).toEqual({ low: false });
    // Exactly runwayDays away is within.
    expect(runwayDecision(r, {}, { balance: 1, balanceRunsOutOn: '2026-03-17' }, '2026-03-10', 9).draft).toBeDefined();
    expect(runwayDecision(r, {}, { balance: 1, balanceRunsOutOn: '2026-03-18' }, '2026-03-10', 9).draft).toBeUndefined();
  });
});

describe('rules, room and shapes', () => {
  it('normalizes thresholds (unique, highest first) and turns empty or absent rules off', () => {
    expect(normalizeRules({ balanceBelow: [100, 5_000, 100, -200] })).toEqual({ balanceBelow: [5_000, 100, -200], runwayDays: null, dailySpendCap: null });
    expect(normalizeRules({ balanceBelow: [], runwayDays: null })).toEqual(NO_ALERTS);
  });

  it('keeps room in a write for every event the rules can cause', () => {
    const all = rules({ balanceBelow: Array.from({ length: 10 }, (_, i) => i * 100), dailySpendCap: 1, runwayDays: 3 });
    expect(eventRoom(all, 2)).toBe(MAX_EVENTS_PER_WRITE);
    expect(eventRoom(NO_ALERTS, 0)).toBe(2);
    // A walk across all ten thresholds at once, blocking too, fits the room.
    expect(balanceDrafts(side(5_000), side(-1), all, 2).length).toBeLessThanOrEqual(eventRoom(all, 0));
  });

  it('names a change event after what changed, unique by the change instant and order', () => {
    expect(changeDraft({ kind: 'product', at: '2026-03-10T10:00:00.000Z', seq: 4, productId: 'telephony', enabled: true, seats: 5 })).toEqual({
      type: 'product.changed', data: { productId: 'telephony', enabled: true, seats: 5, effectiveAt: '2026-03-10T10:00:00.000Z' }, cause: 'change#2026-03-10T10:00:00.000Z#4',
    });
    expect(changeDraft({ kind: 'number', at: '2026-03-10T10:00:00.000Z', seq: 5, number: '+380441230001', numberType: 'local', held: false }).type).toBe('number.removed');
    expect(changeDraft({ kind: 'plan', at: '2026-03-10T22:00:00.000Z', seq: 6, planId: 'pro', effectiveFrom: '2026-03-11' }).data).toEqual({ planId: 'pro', effectiveFrom: '2026-03-11' });
  });

  it('has one schema per type, each refusing the data of another', () => {
    expect(new Set(EVENT_TYPES.map(eventSchemaName)).size).toBe(EVENT_TYPES.length);
    const envelope = { eventId: 'evt_1', projectId: 'p', sequence: 1, occurredAt: '2026-03-10T10:00:00.000Z' };
    expect(ProjectEvent.safeParse({ ...envelope, type: 'payment.received', data: { paymentId: 'x', amount: 100, balance: 100 } }).success).toBe(true);
    expect(ProjectEvent.safeParse({ ...envelope, type: 'payment.received', data: { date: '2026-03-10', amount: 1, telecomTotal: 0, balance: 0 } }).success).toBe(false);
    expect(ProjectEvent.safeParse({ ...envelope, type: 'no.such', data: {} }).success).toBe(false);
  });
});
