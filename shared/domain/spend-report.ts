/**
 * The spend report (docs/api.md "Reports"), pure: per day or month, sums over the ledger entries
 * dated in it, plus the running telecom totals of the days not closed yet. The figures are the
 * statement's (positive charges; `discount` is subtracted; `adjustments` net and signed; `refunds`
 * positive), so a month's row equals its statement:
 *   total = products + numbers − discount + telecom − adjustments − refunds
 * (what the period cost the customer, net of what was given back).
 */
import type { BillingDay } from './billing-days';
import type { LedgerEntry } from './ledger';
import type { Money } from './money';

export type SpendPeriod = 'day' | 'month';

export interface SpendFigures {
  products: Money; numbers: Money; discount: Money; telecom: Money; adjustments: Money; refunds: Money; total: Money;
}
export interface SpendRow extends SpendFigures { period: string }
export interface SpendReport { from: BillingDay; to: BillingDay; groupBy: SpendPeriod; rows: SpendRow[]; total: SpendFigures }

const zero = (): SpendFigures => ({ products: 0, numbers: 0, discount: 0, telecom: 0, adjustments: 0, refunds: 0, total: 0 });

function periodOf(day: BillingDay, by: SpendPeriod): string {
  return by === 'day' ? day : day.slice(0, 7);
}

/** Adds one entry's amount to its figure; entries of no figure (payments, credits) add nothing. */
function add(f: SpendFigures, e: Pick<LedgerEntry, 'type' | 'amount'>): void {
  // Payments and credit grants, expiries and voids are not spend.
  switch (e.type) {
    case 'product_daily': f.products -= e.amount; break;
    case 'number_daily': f.numbers -= e.amount; break;
    case 'discount': f.discount += e.amount; break;
    case 'telecom_daily': f.telecom -= e.amount; break;
    case 'adjustment': f.adjustments += e.amount; break;
    case 'usage_refund': f.refunds += e.amount; break;
    default: break;
  }
}

function finish(f: SpendFigures): SpendFigures {
  return { ...f, total: f.products + f.numbers - f.discount + f.telecom - f.adjustments - f.refunds };
}

/**
 * One row per period of `days` (every one, quiet ones as zeros), from the ledger entries dated in
 * the range and the open days' running telecom totals (`open`: days not closed, so without a line).
 */
export function spendReport(from: BillingDay, to: BillingDay, by: SpendPeriod, days: readonly BillingDay[],
  entries: readonly Pick<LedgerEntry, 'date' | 'type' | 'amount'>[], open: readonly { date: BillingDay; total: Money }[]): SpendReport {
  const rows = new Map<string, SpendFigures>();
  for (const d of days) if (!rows.has(periodOf(d, by))) rows.set(periodOf(d, by), zero());
  for (const e of entries) {
    const f = rows.get(periodOf(e.date, by));
    if (f) add(f, e);
  }
  for (const t of open) {
    const f = rows.get(periodOf(t.date, by));
    if (f) f.telecom += t.total;
  }
  const out = [...rows].map(([period, f]) => ({ period, ...finish(f) }));
  const total = zero();
  for (const r of out) {
    total.products += r.products; total.numbers += r.numbers; total.discount += r.discount;
    total.telecom += r.telecom; total.adjustments += r.adjustments; total.refunds += r.refunds;
  }
  return { from, to, groupBy: by, rows: out, total: finish(total) };
}
