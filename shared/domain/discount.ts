/**
 * The multi-product discount (docs/api.md): with `k` products charged, the largest `percent` whose
 * `minProducts <= k` applies to the sum of the products' charges (never numbers, never telecom).
 */
import type { PlanVersion } from './plan';
import { assertMoney, mulDivRoundHalfUp, type Money } from './money';

/** The discount percent for `productCount` products: the largest one whose `minProducts` is reached, else 0. */
export function discountPercent(version: Pick<PlanVersion, 'multiProductDiscounts'>, productCount: number): number {
  let percent = 0;
  for (const d of version.multiProductDiscounts) {
    if (d.minProducts <= productCount && d.percent > percent) percent = d.percent;
  }
  return percent;
}

/**
 * The discount on a (non-negative) product subtotal: round_half_up(sum * percent / 100), as a
 * positive amount. The contract writes the discount as `-round_half_up(...)` against positive charges;
 * the ledger, where charges are negative, books it as this positive amount.
 */
export function discountAmount(sum: Money, percent: number): Money {
  assertMoney(sum, 'discounted sum');
  if (sum < 0) throw new RangeError('the discounted sum is a charge total and cannot be negative');
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError(`discount percent must be an integer 0..100, got ${percent}`);
  return mulDivRoundHalfUp(sum, percent, 100);
}
