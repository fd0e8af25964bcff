/**
 * The monthly quote (docs/billing.md "The quote"): the billing rules over a whole month, with the prices of one plan
 * version. Products at their monthly prices (`seats` and `sessionsPer30Days` apply to every seat- and
 * session-priced product quoted), the discount earned by the number of products quoted on their sum
 * (a negative line), and numbers at their monthly prices.
 */
import * as z from 'zod';
import { discountAmount, discountPercent } from './discount';
import { ValidationFailed } from './errors';
import { formatCount, formatMoney } from './format';
import { Money, mulDivFloor, sum } from './money';
import { ownValue } from './names';
import { isSeatPriced, isSessionPriced, MAX_PRODUCTS, NumberType, numberPriceOf, PlanId, ProductId, type PlanVersion } from './plan';
import { extraSeats, extraSessionBlocks, monthlyPriceOf } from './pricing';
import { Currency, Day } from './values';

const count = z.number().int().min(0).max(10_000);

/** The `POST /quote` body. */
export const QuoteRequest = z.strictObject({
  /** @default 'standard' */
  planId: PlanId.optional(),
  /** The day whose prices are quoted; @default today. */
  date: Day.optional(),
  products: z.array(ProductId).min(1).max(MAX_PRODUCTS).refine((p) => new Set(p).size === p.length, 'products must not repeat'),
  /** Seats of every seat-priced product quoted; @default each product's included seats. */
  seats: count.optional(),
  /** Sessions per 30 days of every session-priced product quoted; @default 0. */
  sessionsPer30Days: z.number().int().min(0).max(1_000_000_000).optional(),
  numbers: z.record(NumberType, count).optional(),
});
export type QuoteRequest = z.infer<typeof QuoteRequest>;

export const Quote = z.object({ currency: Currency, monthlyTotal: Money, lines: z.array(z.object({ description: z.string(), monthlyAmount: Money })) });
export type Quote = z.infer<typeof Quote>;
export type QuoteLine = Quote['lines'][number];

function seatsAsked(seats: number, extra: number, price: Money, cur: string): string {
  return `${formatCount(seats)} ${seats === 1 ? 'seat' : 'seats'}${extra > 0 ? `: ${formatCount(extra)} extra at ${formatMoney(price, cur)}` : ''}`;
}

function sessionsAsked(sessions: number, blocks: number, block: number, price: Money, cur: string): string {
  return `${formatCount(sessions)} sessions per 30 days${blocks > 0 ? `: ${formatCount(blocks)} extra ${blocks === 1 ? 'block' : 'blocks'} of ${formatCount(block)} at ${formatMoney(price, cur)}` : ''}`;
}

/** Refuses products and number types the version does not have (400, naming each). */
function checkAsked(version: PlanVersion, request: QuoteRequest): void {
  const details: { path: string; message: string }[] = [];
  const known = new Set(version.products.map((p) => p.productId));
  request.products.forEach((id, i) => { if (!known.has(id)) details.push({ path: `products.${i}`, message: `plan ${version.planId} has no product ${id}` }); });
  for (const type of Object.keys(request.numbers ?? {})) {
    if (numberPriceOf(version, type) === undefined) details.push({ path: `numbers.${type}`, message: `plan ${version.planId} has no ${type} numbers` });
  }
  if (details.length > 0) throw new ValidationFailed(details.map((d) => d.message).join('; '), details);
}

/**
 * A month's price for what `request` asks. Lines: products in the version's order, then the discount
 * (if any, negative), then one line per number type asked (the version's order); `monthlyTotal` is their sum.
 */
export function quote(version: PlanVersion, request: QuoteRequest): Quote {
  checkAsked(version, request);
  const cur = version.currency;
  const wanted = new Set(request.products);
  const lines: QuoteLine[] = [];
  const productAmounts: Money[] = [];

  for (const product of version.products) {
    if (!wanted.has(product.productId)) continue;
    const seats = request.seats ?? product.includedSeats ?? 0;
    const sessions = request.sessionsPer30Days ?? 0;
    const monthly = monthlyPriceOf(product, seats, sessions);
    const asked = [
      ...(isSeatPriced(product) ? [seatsAsked(seats, extraSeats(product, seats), product.extraSeatMonthlyPrice ?? 0, cur)] : []),
      ...(isSessionPriced(product) ? [sessionsAsked(sessions, extraSessionBlocks(product, sessions), product.extraSessionsBlock ?? 0, product.extraSessionsBlockMonthlyPrice ?? 0, cur)] : []),
    ];
    productAmounts.push(monthly);
    lines.push({ description: `${product.name}${asked.length > 0 ? ` (${asked.join('; ')})` : ''}`, monthlyAmount: monthly });
  }

  const percent = discountPercent(version, productAmounts.length);
  const subtotal = sum(productAmounts);
  const discount = discountAmount(subtotal, percent);
  if (discount > 0) {
    lines.push({
      description: `Multi-product discount: ${percent}% of ${formatMoney(subtotal, cur)} for ${productAmounts.length} products`,
      monthlyAmount: -discount,
    });
  }

  for (const [type, price] of Object.entries(version.numbers)) {
    const n = ownValue(request.numbers, type) ?? 0;
    if (n === 0) continue;
    lines.push({
      description: `${formatCount(n)} ${type} ${n === 1 ? 'number' : 'numbers'} at ${formatMoney(price, cur)}`,
      monthlyAmount: mulDivFloor(n, price, 1),
    });
  }

  return { currency: cur, monthlyTotal: sum(lines.map((l) => l.monthlyAmount)), lines };
}
