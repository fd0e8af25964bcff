/**
 * The catalog: products, number types, multi-product discounts and the telecom tariff, as API.md
 * shapes it. The schema validates an operator's catalog as strictly as the default one.
 */
import * as z from 'zod';

const money = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const prefix = z.string().regex(/^\d{1,15}$/, 'a prefix is 1 to 15 digits');

export const ProductId = z.enum(['telephony', 'calltracking', 'callback', 'analytics']);
export type ProductId = z.infer<typeof ProductId>;
export const PRODUCT_IDS = ProductId.options;

export const NumberType = z.enum(['local', 'mobile', 'tollfree']);
export type NumberType = z.infer<typeof NumberType>;

export const CallRate = z.strictObject({
  prefix,
  perMinute: money,
  connectFee: money,
  initialSec: z.number().int().positive().max(3600),
  incrementSec: z.number().int().positive().max(3600),
});
export type CallRate = z.infer<typeof CallRate>;

export const SmsRate = z.strictObject({ prefix, perSegment: money });
export type SmsRate = z.infer<typeof SmsRate>;

export const Catalog = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/),
  products: z.tuple([
    z.strictObject({ productId: z.literal('telephony'), name: z.string(), monthlyPrice: money, includedSeats: z.number().int().nonnegative(), extraSeatMonthlyPrice: money }),
    z.strictObject({ productId: z.literal('calltracking'), name: z.string(), monthlyPrice: money }),
    z.strictObject({ productId: z.literal('callback'), name: z.string(), monthlyPrice: money }),
    z.strictObject({ productId: z.literal('analytics'), name: z.string(), monthlyPrice: money, includedSessions: z.number().int().nonnegative(), extraSessionsBlock: z.number().int().positive(), extraSessionsBlockMonthlyPrice: money }),
  ]),
  numbers: z.strictObject({ local: money, mobile: money, tollfree: money }),
  multiProductDiscounts: z.array(z.strictObject({ minProducts: z.number().int().min(1), percent: z.number().int().min(0).max(100) })),
  tariff: z.strictObject({ calls: z.array(CallRate).min(1), sms: z.array(SmsRate).min(1) }),
});
export type Catalog = z.infer<typeof Catalog>;
export type Product = Catalog['products'][number];

export function productOf(catalog: Catalog, productId: ProductId): Product {
  const p = catalog.products.find((x) => x.productId === productId);
  if (!p) throw new Error(`catalog has no product ${productId}`);
  return p;
}
