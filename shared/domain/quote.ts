/**
 * The monthly quote (API.md "Quote"): the billing rules over a whole month. Products at their monthly
 * prices for the seats and sessions asked, the discount earned by the number of products quoted on
 * their sum (a negative line), and numbers at their monthly prices.
 */
import * as z from 'zod';
import { NumberType, ProductId, type Catalog } from './catalog';
import { discountAmount, discountPercent } from './discount';
import { Money, mulDivFloor, sum } from './money';
import { formatCount, formatMoney } from './format';
import { extraSeats, extraSessionBlocks, monthlyPriceOf } from './pricing';
import { Currency } from './values';

const count = z.number().int().min(0).max(10_000);

/** The `POST /quote` body. */
export const QuoteRequest = z.strictObject({
  products: z.array(ProductId).min(1).max(4).refine((p) => new Set(p).size === p.length, 'products must not repeat'),
  /** Telephony seats; @default the catalog's included seats. */
  seats: count.optional(),
  /** Analytics sessions per 30 days; @default 0. */
  sessionsPer30Days: z.number().int().min(0).max(1_000_000_000).optional(),
  numbers: z.strictObject({ local: count.optional(), mobile: count.optional(), tollfree: count.optional() }).optional(),
});
export type QuoteRequest = z.infer<typeof QuoteRequest>;

export const Quote = z.object({ currency: Currency, monthlyTotal: Money, lines: z.array(z.object({ description: z.string(), monthlyAmount: Money })) });
export type Quote = z.infer<typeof Quote>;
export type QuoteLine = Quote['lines'][number];

/**
 * A month's price for what `request` asks. Lines: products in catalog order, then the discount (if
 * any, negative), then one line per number type asked (catalog order); `monthlyTotal` is their sum.
 */
export function quote(catalog: Catalog, request: QuoteRequest): Quote {
  const cur = catalog.currency;
  const wanted = new Set(request.products);
  const lines: QuoteLine[] = [];
  const productAmounts: Money[] = [];

  for (const product of catalog.products) {
    if (!wanted.has(product.productId)) continue;
    let description = product.name;
    let monthly: Money;
    if (product.productId === 'telephony') {
      const seats = request.seats ?? product.includedSeats;
      const extra = extraSeats(product, seats);
      monthly = monthlyPriceOf(product, seats, 0);
      description += ` (${formatCount(seats)} ${seats === 1 ? 'seat' : 'seats'}${extra > 0 ? `: ${formatCount(extra)} extra at ${formatMoney(product.extraSeatMonthlyPrice, cur)}` : ''})`;
    } else if (product.productId === 'analytics') {
      const sessions = request.sessionsPer30Days ?? 0;
      const blocks = extraSessionBlocks(product, sessions);
      monthly = monthlyPriceOf(product, 0, sessions);
      description += ` (${formatCount(sessions)} sessions per 30 days${blocks > 0 ? `: ${formatCount(blocks)} extra ${blocks === 1 ? 'block' : 'blocks'} of ${formatCount(product.extraSessionsBlock)} at ${formatMoney(product.extraSessionsBlockMonthlyPrice, cur)}` : ''})`;
    } else {
      monthly = monthlyPriceOf(product, 0, 0);
    }
    productAmounts.push(monthly);
    lines.push({ description, monthlyAmount: monthly });
  }

  const percent = discountPercent(catalog, productAmounts.length);
  const subtotal = sum(productAmounts);
  const discount = discountAmount(subtotal, percent);
  if (discount > 0) {
    lines.push({
      description: `Multi-product discount: ${percent}% of ${formatMoney(subtotal, cur)} for ${productAmounts.length} products`,
      monthlyAmount: -discount,
    });
  }

  for (const type of NumberType.options) {
    const n = request.numbers?.[type] ?? 0;
    if (n === 0) continue;
    const price = catalog.numbers[type];
    lines.push({
      description: `${formatCount(n)} ${type} ${n === 1 ? 'number' : 'numbers'} at ${formatMoney(price, cur)}`,
      monthlyAmount: mulDivFloor(n, price, 1),
    });
  }

  return { currency: cur, monthlyTotal: sum(lines.map((l) => l.monthlyAmount)), lines };
}
