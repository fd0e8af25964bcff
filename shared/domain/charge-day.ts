/**
 * A billing day's ledger lines (docs/billing.md), from the timeline alone: the same inputs
 * always give the same lines, so a day can be charged again identically and a re-run is detectable
 * by its deterministic entry ids.
 *
 * Signs: a line's `amount` is its effect on the balance. Charges (`product_daily`, `number_daily`,
 * `telecom_daily`) are negative; the `discount` line gives money back and is positive. The contract's
 * "-round_half_up(sum * percent / 100)" is the same discount written against positive charges.
 */
import { dayOfMonth, daysInMonth, type BillingDay } from './billing-days';
import { discountAmount, discountPercent } from './discount';
import { DomainError } from './errors';
import { formatCount, formatMoney } from './format';
import type { LedgerEntry } from './ledger';
import { assertMoney, sum, type Money } from './money';
import { defaultSeatsOf, isSeatPriced, numberPriceOf, isSessionPriced, type NumberType, type PlanVersion, type Product } from './plan';
import { extraSeats, extraSessionBlocks, monthlyPriceOf } from './pricing';
import { dayShare } from './proration';
import { dayState, type DayState } from './timeline';
import type { Timeline } from './types';

/** -x without producing -0 (which JSON hides but `Object.is` and strict tests do not). */
function negate(x: Money): Money {
  return x === 0 ? 0 : -x;
}

function seatsText(seats: number, extra: number): string {
  return `${formatCount(seats)} ${seats === 1 ? 'seat' : 'seats'}${extra > 0 ? `: ${formatCount(extra)} extra` : ''}`;
}

function sessionsText(product: Product, sessions30: number): string {
  const blocks = extraSessionBlocks(product, sessions30);
  return `${formatCount(sessions30)} sessions in 30 days${blocks > 0 ? `: ${formatCount(blocks)} extra ${blocks === 1 ? 'block' : 'blocks'} of ${formatCount(product.extraSessionsBlock ?? 0)}` : ''}`;
}

/** What a product's day line says it was priced on: its seats, its sessions, both, or nothing. */
function pricedOn(product: Product, seats: number, sessions30: number): string {
  const parts = [
    ...(isSeatPriced(product) ? [seatsText(seats, extraSeats(product, seats))] : []),
    ...(isSessionPriced(product) ? [sessionsText(product, sessions30)] : []),
  ];
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** The monthly price of a number type in `version`; a number of a type the version does not price is a bug upstream. */
export function numberPrice(version: Pick<PlanVersion, 'numbers' | 'planId' | 'version'>, type: NumberType): Money {
  const price = numberPriceOf(version, type);
  if (price === undefined) throw new DomainError('number_type_unpriced', `version ${version.version} of plan ${version.planId} has no price for ${type} numbers`, 409);
  return price;
}

/**
 * How a line says what share of a monthly price it charges: "day 28 of 30: 1/30 of 697.00 UAH per
 * month". The day share is the price's 28th thirtieth (docs/billing.md, "The day's share of a monthly price"), never 28/30 of it.
 */
export function dayShareText(day: BillingDay, monthly: Money, currency: string): string {
  const n = daysInMonth(day);
  return `day ${dayOfMonth(day)} of ${n}: 1/${n} of ${formatMoney(monthly, currency)} per month`;
}

/**
 * The lines for a day from its already-resolved state. `chargeDay` is this over `dayState`; the
 * forecast calls it with a projected state.
 */
export function chargeDayState(state: DayState, version: PlanVersion, day: BillingDay): LedgerEntry[] {
  const cur = version.currency;
  const lines: LedgerEntry[] = [];
  const productShares: Money[] = [];

  for (const product of version.products) {
    const on = state.products.get(product.productId);
    if (!on) continue;
    const monthly = monthlyPriceOf(product, on.seats, state.sessions30);
    const share = dayShare(monthly, day);
    productShares.push(share);
    lines.push({
      entryId: `charge#${day}#product#${product.productId}`,
      date: day,
      type: 'product_daily',
      description: `${product.name}${pricedOn(product, on.seats, state.sessions30)}, ${dayShareText(day, monthly, cur)}`,
      amount: negate(share),
      balanceEffect: true,
      productId: product.productId,
    });
  }

  const numbers = [...state.numbers].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [number, type] of numbers) {
    const monthly = numberPrice(version, type);
    lines.push({
      entryId: `charge#${day}#number#${number}`,
      date: day,
      type: 'number_daily',
      description: `Number ${number} (${type}), ${dayShareText(day, monthly, cur)}`,
      amount: negate(dayShare(monthly, day)),
      balanceEffect: true,
      number,
    });
  }

  const percent = discountPercent(version, productShares.length);
  const subtotal = sum(productShares);
  const discount = discountAmount(subtotal, percent);
  if (discount > 0) {
    lines.push({
      entryId: `charge#${day}#discount`,
      date: day,
      type: 'discount',
      description: `Multi-product discount: ${percent}% of ${formatMoney(subtotal, cur)} for ${productShares.length} products`,
      amount: discount,
      balanceEffect: true,
    });
  }
  return lines;
}

/**
 * The products, numbers and discount lines of `day` (docs/billing.md): each product enabled at any moment of
 * the day costs the day share of its monthly price (seats: the most in force; analytics: sessions of
 * the 30 days ending on the day), each number held at any moment the day share of its type's price,
 * and the multi-product discount applies to the products' shares. Order: products in the version's order,
 * numbers sorted, discount last (omitted when 0).
 */
export function chargeDay(timeline: Timeline, version: PlanVersion, day: BillingDay): LedgerEntry[] {
  return chargeDayState(dayState(timeline, day, defaultSeatsOf(version)), version, day);
}

/**
 * The lines of a day, made to fit one write of at most `maxLines` product, number and discount lines:
 * when they do not fit, the number lines become one per type (same total: the sum of the numbers' day
 * shares; the description counts them; no `number` field). Decided by the day's state and the room,
 * so a re-run writes the same entry ids.
 */
export function fitLines(lines: readonly LedgerEntry[], numbers: ReadonlyMap<string, NumberType>, version: PlanVersion, day: BillingDay, maxLines: number): LedgerEntry[] {
  if (lines.length <= maxLines) return [...lines];
  const counts = new Map<NumberType, number>();
  for (const type of numbers.values()) counts.set(type, (counts.get(type) ?? 0) + 1);
  const grouped: LedgerEntry[] = [];
  for (const type of [...counts.keys()].sort()) {
    const n = counts.get(type)!;
    const monthly = numberPrice(version, type);
    grouped.push({
      entryId: `charge#${day}#numbers#${type}`,
      date: day,
      type: 'number_daily',
      description: `${formatCount(n)} ${type} numbers, each ${dayShareText(day, monthly, version.currency)}`,
      amount: negate(sum(Array<Money>(n).fill(dayShare(monthly, day)))),
      balanceEffect: true,
    });
  }
  const products = lines.filter((l) => l.type === 'product_daily');
  const rest = lines.filter((l) => l.type !== 'product_daily' && l.type !== 'number_daily');
  const fitted = [...products, ...grouped, ...rest];
  // A version has at most MAX_PRODUCTS products and MAX_NUMBER_TYPES types: they always fit the room left.
  if (fitted.length > maxLines) throw new Error(`${fitted.length} lines for ${day} do not fit one write of ${maxLines}`);
  return fitted;
}

/**
 * The day's lines as the nightly charge writes them: `chargeDay` made to fit `maxLines` (`fitLines`).
 */
export function closingLines(timeline: Timeline, version: PlanVersion, day: BillingDay, maxLines: number): LedgerEntry[] {
  const state = dayState(timeline, day, defaultSeatsOf(version));
  return fitLines(chargeDayState(state, version, day), state.numbers, version, day, maxLines);
}

/** The day's telecom total as its ledger line: informational, the events already moved the balance. */
export function telecomDailyLine(day: BillingDay, telecomTotal: Money): LedgerEntry {
  assertMoney(telecomTotal, 'telecom total');
  return {
    entryId: `telecom#${day}`,
    date: day,
    type: 'telecom_daily',
    description: `Calls and SMS on ${day}`,
    amount: negate(telecomTotal),
    balanceEffect: false,
  };
}

/** The net effect of lines on the balance: the sum of the `balanceEffect` amounts (negative for a charge). */
export function chargeTotal(lines: readonly LedgerEntry[]): Money {
  return sum(lines.filter((l) => l.balanceEffect).map((l) => l.amount));
}

/** What lines cost, as a positive amount (minus their net balance effect; 0, never -0). */
export function costOf(lines: readonly LedgerEntry[]): Money {
  return negate(chargeTotal(lines));
}
