/**
 * The day share of a monthly price (docs/api.md): on day d of a month of N days,
 * floor(P*d/N) - floor(P*(d-1)/N). The shares telescope, so a whole month sums to exactly P.
 */
import { mulDivFloor, type Money } from './money';
import { dayOfMonth, daysInMonth, type BillingDay } from './billing-days';

export function dayShare(monthlyPrice: Money, day: BillingDay): Money {
  const d = dayOfMonth(day);
  const n = daysInMonth(day);
  return mulDivFloor(monthlyPrice, d, n) - mulDivFloor(monthlyPrice, d - 1, n);
}
