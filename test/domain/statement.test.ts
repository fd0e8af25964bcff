import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, type BillingDay } from '../../shared/domain/billing-days';
import type { LedgerEntry } from '../../shared/domain/ledger';
import {
  book, emptySums, firstDayOf, lastDayOf, makeStatement, mergeSums, monthOf, nextMonth, numberTypeOf, openingAfter, statementOfSums, statementRows, vatIncluded,
  type KindTotal, type StatementInput, type SumsByMonth,
} from '../../shared/domain/statement';
import type { UsageKind } from '../../shared/domain/usage';

const money = fc.integer({ min: 0, max: 5_000_000 });

/** One generated movement of a month: what the ledger would hold for it. */
const movement = (days: readonly BillingDay[]) => fc.record({
  day: fc.constantFrom(...days),
  kind: fc.constantFrom('payment', 'product', 'number', 'numbers', 'discount', 'telecom', 'adjustment', 'refund'),
  amount: money,
  signed: fc.integer({ min: -3_000_000, max: 3_000_000 }),
  id: fc.constantFrom('telephony', 'calltracking', 'analytics'),
  type: fc.constantFrom('local', 'mobile', 'tollfree'),
  n: fc.integer({ min: 1, max: 1500 }),
});

type Movement = { day: BillingDay; kind: string; amount: number; signed: number; id: string; type: string; n: number };

function entryOf(m: Movement, i: number): LedgerEntry {
  const base = { entryId: `e${i}`, date: m.day, balanceEffect: true };
  switch (m.kind) {
    case 'payment': return { ...base, type: 'payment', description: 'Payment', amount: m.amount + 1 };
    case 'product': return { ...base, entryId: `charge#${m.day}#product#${m.id}#${i}`, type: 'product_daily', description: 'x', amount: -m.amount, productId: m.id };
    case 'number': return { ...base, type: 'number_daily', description: `Number +38044${String(i).padStart(7, '0')} (${m.type}), day 1 of 30`, amount: -m.amount, number: `+38044${i}` };
    case 'numbers': return { ...base, entryId: `charge#${m.day}#numbers#${m.type}`, type: 'number_daily', description: `${m.n.toLocaleString('en')} ${m.type} numbers, each day 1 of 30`, amount: -m.amount };
    case 'discount': return { ...base, type: 'discount', description: 'Multi-product discount', amount: m.amount };
    case 'telecom': return { ...base, type: 'telecom_daily', description: 'Calls and SMS', amount: -m.amount, balanceEffect: false };
    case 'adjustment': return { ...base, type: 'adjustment', description: 'Goodwill', amount: m.signed || 1 };
    default: return { ...base, type: 'usage_refund', description: 'Refund', amount: m.amount + 1 };
  }
}

/** The month's telecom split over the kinds as the per-day counters would hold it (all of it, or not). */
function kindsOf(entries: readonly LedgerEntry[], complete: boolean): Map<UsageKind, KindTotal> {
  const total = 0 - entries.filter((e) => e.type === 'telecom_daily').reduce((s, e) => s + e.amount, 0);
  const calls = Math.floor(total / 2);
  const counted = complete ? total : Math.floor(total / 3);
  const map = new Map<UsageKind, KindTotal>();
  map.set('outgoing_call', { count: 3, amount: Math.min(calls, counted) });
  map.set('sms', { count: 2, amount: counted - Math.min(calls, counted) });
  return map;
}

const rates = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 3 });

function inputFor(month: string, entries: LedgerEntry[], opening: { openingBalance: number; openingCreditBalance: number }, vat: number[], complete: boolean, drawn = 0): StatementInput {
  const from = firstDayOf(month);
  return {
    projectId: 'p', projectName: 'Ромашка', currency: 'UAH', month, from, ...opening, entries,
    telecomByKind: kindsOf(entries, complete),
    // The rate changes on the 11th and the 21st (a new plan version, a plan move).
    vatOn: (d) => vat[Math.min(vat.length - 1, Math.floor((Number(d.slice(8)) - 1) / 10))]!,
    creditsDrawn: drawn,
    productName: (id) => (id === 'telephony' ? 'Бізнес-телефонія' : undefined),
  };
}

const monthArb = fc.record({ y: fc.integer({ min: 2020, max: 2030 }), m: fc.integer({ min: 1, max: 12 }) }).map(({ y, m }) => `${y}-${String(m).padStart(2, '0')}`);

function daysOf(month: string): BillingDay[] {
  const out: BillingDay[] = [];
  for (let d = firstDayOf(month); d <= lastDayOf(month); d = addDays(d, 1)) out.push(d);
  return out;
}

const sumOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

describe('months', () => {
  it('knows its days', () => {
    expect(lastDayOf('2026-02')).toBe('2026-02-28');
    expect(lastDayOf('2028-02')).toBe('2028-02-29');
    expect(lastDayOf('2026-12')).toBe('2026-12-31');
    expect(nextMonth('2026-12')).toBe('2027-01');
    expect(monthOf('2026-11-30')).toBe('2026-11');
  });
});

describe('vatIncluded', () => {
  it('rounds half up, as the contract writes it', () => {
    expect(vatIncluded(12000, 20)).toBe(2000); // 12000 × 20 / 120 = 2000
    expect(vatIncluded(100, 20)).toBe(17); // 16.67 → 17
    expect(vatIncluded(3, 50)).toBe(1); // 1.0
    expect(vatIncluded(9, 20)).toBe(2); // 1.5 → 2
    expect(vatIncluded(-9, 20)).toBe(-1); // -1.5 → -1 (half towards +infinity)
    expect(vatIncluded(12345, 0)).toBe(0);
  });
  it('is within half a minor unit of the exact share', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 50 }), (g, p) => {
      const v = vatIncluded(g, p);
      // |v - g p/(100+p)| <= 1/2  <=>  |2v(100+p) - 2gp| <= 100+p
      expect(Math.abs(2 * v * (100 + p) - 2 * g * p)).toBeLessThanOrEqual(100 + p);
    }));
  });
});

describe('month sums', () => {
  it('booked transaction by transaction, in any split and across months, give the statement the month\'s ledger gives', () => {
    fc.assert(fc.property(monthArb.chain((month) => fc.record({
      month: fc.constant(month),
      // This month's movements and the next month's (booked in between, never in this statement).
      moves: fc.array(movement(daysOf(month)), { maxLength: 60 }),
      later: fc.array(movement(daysOf(nextMonth(month))), { maxLength: 10 }),
      // Where the bookings are cut into transactions, and in which order they commit.
      cuts: fc.array(fc.nat(), { maxLength: 20 }),
      seed: fc.nat(),
      vat: rates,
      drawn: fc.integer({ min: 0, max: 1e6 }),
    })), ({ month, moves, later, cuts, seed, vat, drawn }) => {
      const entries = moves.map(entryOf);
      const next = later.map((m, i) => entryOf(m, 1000 + i));
      const all = [...entries, ...next].sort((a, b) => ((a.entryId.length * 31 + seed) % 7) - ((b.entryId.length * 31 + seed) % 7));
      const bounds = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
      let sums: SumsByMonth = {};
      let from = 0;
      for (const to of [...bounds, all.length]) {
        sums = book(sums, { entries: all.slice(from, to) });
        from = to;
      }
      // Each day's telecom by kind, booked by the charge that closes the day (here all on the 1st).
      const kinds = kindsOf(entries, true);
      sums = book(sums, { closedDay: { day: firstDayOf(month), kinds } });
      const input = inputFor(month, entries, { openingBalance: 0, openingCreditBalance: 0 }, vat, true, drawn);
      const { entries: _e, telecomByKind: _k, creditsDrawn: _d, ...frame } = input;
      expect(statementOfSums({ ...frame, sums: { ...(sums[month] ?? emptySums()), drawn } })).toEqual(makeStatement(input));
      // The next month's bookings are its own, whole.
      expect(Object.keys(sums).filter((m) => m !== month)).toEqual(next.length > 0 ? [nextMonth(month)] : []);
      // Merging is adding: the month's sums in two halves merge to the whole.
      const half = Math.floor(entries.length / 2);
      const parts = [book({}, { entries: entries.slice(0, half) })[month], book({}, { entries: entries.slice(half) })[month]];
      const whole = book({}, { entries })[month];
      if (parts[0] && parts[1] && whole) expect(mergeSums(parts[0], parts[1])).toEqual(whole);
    }));
  });
});

describe('makeStatement', () => {
  it('closing = opening + movements, and it ties out with the ledger to the kopeck', () => {
    fc.assert(fc.property(monthArb.chain((month) => fc.record({
      month: fc.constant(month),
      moves: fc.array(movement(daysOf(month)), { maxLength: 80 }),
      opening: fc.integer({ min: -1e9, max: 1e9 }),
      vat: rates,
      complete: fc.boolean(),
    })), ({ month, moves, opening, vat, complete }) => {
      const entries = moves.map(entryOf);
      const s = makeStatement(inputFor(month, entries, { openingBalance: opening, openingCreditBalance: 0 }, vat, complete));
      const c = s.charges;
      // The contract's formula.
      expect(s.closingBalance).toBe(s.openingBalance + s.payments + s.adjustments + s.refunds + s.creditsGranted - s.creditsExpired - s.creditsVoided - c.total);
      expect(c.total).toBe(sumOf(c.products.map((p) => p.amount)) + sumOf(c.numbers.map((n) => n.amount)) - c.discount + sumOf(c.telecom.map((t) => t.amount)));
      // Ties out: the month moves the balance by every entry's amount (telecom_daily stands for its events' debits).
      expect(s.closingBalance - s.openingBalance).toBe(sumOf(entries.map((e) => e.amount)));
      // Each figure is its type's sum.
      const byType = (t: string) => sumOf(entries.filter((e) => e.type === t).map((e) => e.amount));
      expect(s.payments).toBe(byType('payment'));
      expect(s.refunds).toBe(byType('usage_refund'));
      expect(s.adjustments).toBe(byType('adjustment'));
      expect(c.discount).toBe(byType('discount'));
      expect(sumOf(c.telecom.map((t) => t.amount))).toBe(0 - byType('telecom_daily'));
      expect(sumOf(c.products.map((p) => p.amount))).toBe(0 - byType('product_daily'));
      expect(sumOf(c.numbers.map((n) => n.amount))).toBe(0 - byType('number_daily'));
      // VAT: one line per rate in force, the grosses add up to the charges less the refunds.
      const inForce = new Set(daysOf(month).map((d) => vat[Math.min(vat.length - 1, Math.floor((Number(d.slice(8)) - 1) / 10))]!));
      expect(s.vat.map((v) => v.percent).sort()).toEqual([...inForce].sort());
      expect(sumOf(s.vat.map((v) => v.gross))).toBe(c.total - s.refunds);
      for (const v of s.vat) expect(v.included).toBe(vatIncluded(v.gross, v.percent));
      // One CSV row per figure, every figure present.
      const rows = statementRows(s);
      expect(rows.find((r) => r[0] === 'balance' && r[1] === 'closing')![3]).toBe(s.closingBalance);
      expect(rows.filter((r) => r[0] === 'telecom').length).toBe(c.telecom.length);
    }));
  });

  it('chains: each opening is the closing before it, and the last closing is the whole ledger', () => {
    fc.assert(fc.property(fc.array(fc.array(movement(daysOf('2026-01')), { maxLength: 30 }), { minLength: 1, maxLength: 5 }), rates, (months, vat) => {
      let month = '2026-01';
      let previous: ReturnType<typeof makeStatement> | null = null;
      const all: LedgerEntry[] = [];
      for (const moves of months) {
        // Move each generated day into this month (same day of month, clamped).
        const entries = moves.map((m, i) => entryOf({ ...m, day: `${month}-${m.day.slice(8) > lastDayOf(month).slice(8) ? lastDayOf(month).slice(8) : m.day.slice(8)}` }, i));
        const s = makeStatement(inputFor(month, entries, openingAfter(previous), vat, true));
        if (previous) expect(s.openingBalance).toBe(previous.closingBalance);
        else expect(s.openingBalance).toBe(0);
        all.push(...entries);
        previous = s;
        month = nextMonth(month);
      }
      expect(previous!.closingBalance).toBe(sumOf(all.map((e) => e.amount)));
    }));
  });

  it('the credit balance lines up with the grants: what remains of the active ones', () => {
    // A grant: its amount, what it paid in each month, and how it ends (still active, expired or voided, in some month).
    const grant = fc.record({
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      draws: fc.array(fc.integer({ min: 0, max: 400_000 }), { minLength: 3, maxLength: 3 }),
      grantedIn: fc.integer({ min: 0, max: 2 }),
      end: fc.constantFrom('active', 'expired', 'voided'),
      endIn: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(fc.property(fc.array(grant, { maxLength: 8 }), (grants) => {
      const months = ['2026-10', '2026-11', '2026-12'];
      const entries: LedgerEntry[][] = months.map(() => []);
      const drawn = months.map(() => 0);
      let remainingActive = 0;
      grants.forEach((g, i) => {
        entries[g.grantedIn]!.push({ entryId: `credit#g${i}`, date: `${months[g.grantedIn]}-05`, type: 'credit_granted', description: 'Promo', amount: g.amount, balanceEffect: true });
        const endIn = Math.max(g.grantedIn, g.endIn);
        let remaining = g.amount;
        for (let m = g.grantedIn; m <= (g.end === 'active' ? 2 : endIn); m++) {
          const d = Math.min(remaining, g.draws[m]!);
          remaining -= d;
          drawn[m]! += d;
        }
        if (g.end === 'active') remainingActive += remaining;
        else if (remaining > 0) {
          entries[endIn]!.push({ entryId: `credit_${g.end}#g${i}`, date: `${months[endIn]}-28`, type: g.end === 'expired' ? 'credit_expired' : 'credit_voided', description: 'End', amount: -remaining, balanceEffect: true });
        }
      });
      let previous: ReturnType<typeof makeStatement> | null = null;
      months.forEach((month, m) => {
        const s = makeStatement(inputFor(month, entries[m]!, openingAfter(previous), [20], true, drawn[m]!));
        expect(s.closingCreditBalance).toBe(s.openingCreditBalance + s.creditsGranted - s.creditsDrawn - s.creditsExpired - s.creditsVoided);
        expect(s.closingCreditBalance).toBeGreaterThanOrEqual(0);
        previous = s;
      });
      expect(previous!.closingCreditBalance).toBe(remainingActive);
    }));
  });

  it('reads number types and counts from the lines the nightly charge writes', () => {
    expect(numberTypeOf({ entryId: 'charge#2026-11-01#number#+380441234567', description: 'Number +380441234567 (local), day 1 of 30: 1/30 of 150.00 UAH per month' })).toBe('local');
    expect(numberTypeOf({ entryId: 'charge#2026-11-01#numbers#tollfree', description: '1,200 tollfree numbers, each day 1 of 30' })).toBe('tollfree');
    const s = makeStatement(inputFor('2026-11', [
      { entryId: 'charge#2026-11-01#numbers#local', date: '2026-11-01', type: 'number_daily', description: '1,200 local numbers, each day 1 of 30', amount: -600_000, balanceEffect: true },
      { entryId: 'charge#2026-11-02#number#+380441234567', date: '2026-11-02', type: 'number_daily', description: 'Number +380441234567 (local), day 2 of 30', amount: -500, balanceEffect: true, number: '+380441234567' },
    ], openingAfter(null), [20], true));
    expect(s.charges.numbers).toEqual([{ type: 'local', count: 1201, amount: 600_500 }]);
  });
});
