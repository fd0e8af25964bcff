/**
 * checkProject on generated histories: a history built by the rules is always clean, and moving any
 * one number in it (the balance, a closed day's telecom line, an open day's running total) is caught
 * as exactly that mismatch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/billing-days';
import { keys } from '../../shared/store/keys';
import { type ProjectSnapshot, type StoredEntry, addUsage, checkProject, emptyUsageAggregate } from '../../shared/domain/reconcile';
import { type ProjectItem } from '../../shared/store/projects';

const START = '2025-03-01';
const NOW = Date.parse('2025-03-20T10:00:00Z');

interface GenEvent { day: number; cost: number; debited: boolean; late: number }

const history = fc.record({
  closed: fc.integer({ min: 0, max: 6 }),
  payments: fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 4 }),
  dailyCharge: fc.integer({ min: 0, max: 5_000 }),
  events: fc.array(fc.record({ day: fc.integer({ min: 0, max: 9 }), cost: fc.integer({ min: 0, max: 50_000 }), debited: fc.boolean(), late: fc.integer({ min: 0, max: 3 }) }), { maxLength: 30 }),
});

/**
 * A snapshot the way the writers would leave it: each debited event counted on max(its day, first
 * open day at its debit); closed days carry -sum as their telecom line, open days a running total;
 * balance = payments - charges - debited costs.
 */
function build(h: { closed: number; payments: number[]; dailyCharge: number; events: GenEvent[] }): ProjectSnapshot {
  const day = (n: number) => addDays(START, n);
  const chargedThrough = day(h.closed - 1);
  const entries: StoredEntry[] = [];
  const entry = (e: Omit<StoredEntry, 'pk' | 'sk' | 'description'>) => entries.push({ ...keys.ledger('p', e.date, e.entryId), description: e.type, ...e });
  h.payments.forEach((amount, i) => entry({ entryId: `payment#${i}`, date: START, type: 'payment', amount, balanceEffect: true }));
  // On its own day when debited in time (late = 0) or still open; an event of a closed day debited
  // after the night counts on an open day: the debit never counts into a closed day.
  const countedOf = (g: GenEvent) => (g.day >= h.closed || g.late === 0 ? day(g.day) : day(h.closed + g.late - 1));
  const counted = new Map<string, number>();
  const usage = emptyUsageAggregate();
  let debited = 0;
  h.events.forEach((g, i) => {
    const countedOn = countedOf(g);
    if (g.debited) {
      debited += g.cost;
      counted.set(countedOn, (counted.get(countedOn) ?? 0) + g.cost);
    }
    addUsage(usage, {
      eventId: `e${i}`, cost: g.cost, day: day(g.day), receivedAt: new Date(NOW - 60_000).toISOString(),
      ...(g.debited ? { debitedAt: new Date(NOW).toISOString(), countedOn } : {}),
    }, NOW - 15 * 60_000);
  });
  let charged = 0;
  for (let d = 0; d < h.closed; d++) {
    entry({ entryId: `charge#${day(d)}#product#telephony`, date: day(d), type: 'product_daily', amount: -h.dailyCharge, balanceEffect: true, productId: 'telephony' });
    charged += h.dailyCharge;
    const t = counted.get(day(d)) ?? 0;
    entry({ entryId: `telecom#${day(d)}`, date: day(d), type: 'telecom_daily', amount: t === 0 ? 0 : -t, balanceEffect: false });
  }
  const openTelecom = [...counted].filter(([d]) => d > chargedThrough).map(([date, total]) => ({
    date, total, events: h.events.filter((g) => g.debited && countedOf(g) === date).length,
  }));
  const balance = h.payments.reduce((a, b) => a + b, 0) - charged - debited;
  const project: ProjectItem = {
    pk: 'project#p', sk: 'project', projectId: 'p', name: 'p', currency: 'UAH', balance, creditLimit: 0, status: 'active',
    billingStartDate: START, chargedThrough, chargeShard: 'shard#0', version: 1, createdAt: `${START}T00:00:00Z`,
  };
  return { project, chargedThroughAfter: chargedThrough, settled: true, entries, usage, openTelecom };
}

describe('checkProject', () => {
  it('finds nothing wrong in a history built by the rules', () => {
    fc.assert(fc.property(history, (h) => {
      expect(checkProject(build(h))).toEqual([]);
    }));
  });

  it('catches any change of the balance as exactly one balance mismatch', () => {
    fc.assert(fc.property(history, fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((d) => d !== 0), (h, delta) => {
      const s = build(h);
      const expected = s.project.balance;
      const out = checkProject({ ...s, project: { ...s.project, balance: expected + delta } });
      expect(out).toEqual([expect.objectContaining({ kind: 'balance', expected, actual: expected + delta })]);
    }));
  });

  it('catches a closed day whose telecom line is off', () => {
    const withClosedTelecom = history.filter((h) => h.closed > 0 && h.events.some((g) => g.debited && g.cost > 0 && g.day < h.closed && g.late === 0));
    fc.assert(fc.property(withClosedTelecom, fc.integer({ min: 1, max: 1000 }), (h, delta) => {
      const s = build(h);
      const line = s.entries.find((e) => e.type === 'telecom_daily')!;
      const entries = s.entries.map((e) => (e === line ? { ...e, amount: e.amount + delta } : e));
      expect(checkProject({ ...s, entries })).toEqual([expect.objectContaining({ kind: 'telecom', date: line.date, expected: line.amount, actual: line.amount + delta })]);
    }));
  });

  it('catches an open running total that is off, but only when the snapshot is settled', () => {
    fc.assert(fc.property(history, fc.integer({ min: 1, max: 1000 }), (h, delta) => {
      const s = build(h);
      const day = addDays(s.project.chargedThrough, 1);
      const openTelecom = [...s.openTelecom.filter((t) => t.date !== day), { date: day, total: (s.openTelecom.find((t) => t.date === day)?.total ?? 0) + delta, events: s.openTelecom.find((t) => t.date === day)?.events ?? 0 }];
      expect(checkProject({ ...s, openTelecom }).map((m) => [m.kind, m.date])).toEqual([['open_telecom', day]]);
      // Unsettled: neither the balance nor open totals are compared (they may be mid-change).
      expect(checkProject({ ...s, openTelecom, settled: false, project: { ...s.project, balance: s.project.balance - 1 } })).toEqual([]);
    }));
  });

  it('catches a closed day without its telecom line (the charge always writes one, 0 included)', () => {
    const quietClosedDay = history.filter((h) => h.closed > 0 && !h.events.some((g) => g.debited && g.cost > 0 && g.day === 0 && g.late === 0));
    fc.assert(fc.property(quietClosedDay, (h) => {
      const s = build(h);
      const entries = s.entries.filter((e) => !(e.type === 'telecom_daily' && e.date === START));
      expect(checkProject({ ...s, entries })).toEqual([expect.objectContaining({ kind: 'uncharged_day', date: START, actual: 1 })]);
    }));
  });

  it('hand example: an event counted on a day before billing started can never be charged', () => {
    // Balance: -7 (one debited event of 7, no entries); it was counted on 02-28 < start 03-01.
    const usage = emptyUsageAggregate();
    addUsage(usage, { eventId: 'x', cost: 7, day: '2025-02-28', receivedAt: new Date(NOW).toISOString(), debitedAt: new Date(NOW).toISOString(), countedOn: '2025-02-28' }, 0);
    const s = build({ closed: 0, payments: [], dailyCharge: 0, events: [] });
    const out = checkProject({ ...s, usage, project: { ...s.project, balance: -7 } });
    expect(out).toEqual([expect.objectContaining({ kind: 'telecom', date: '2025-02-28', expected: 0, actual: 7 })]);
  });
});
