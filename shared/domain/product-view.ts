/**
 * How a product reads to a customer (`GET /projects/{id}/products`, and the answer of a product
 * change): its price as things stand, what the price includes, whether it is on, and the discount
 * the enabled products earn.
 */
import * as z from 'zod';
import { billingDayOf } from './billing-days';
import { ProductId, type Catalog, type Product } from './catalog';
import { discountPercent } from './discount';
import { formatMoney, plural } from './format';
import { Money } from './money';
import { monthlyPriceOf } from './pricing';
import { sessions30, stateAt } from './timeline';
import { seatsOf, snapshotAt, type TimelineRead } from './timeline-snapshot';


export const ProductView = z.object({
  productId: ProductId,
  name: z.string(),
  enabled: z.boolean(),
  monthlyPrice: Money,
  included: z.array(z.string()),
  seats: z.number().int().optional(),
}).meta({ id: 'ProductView' });
/** One product as the products page shows it; `seats` for telephony. */
export type ProductView = z.infer<typeof ProductView>;

export const ProductList = z.object({ products: z.array(ProductView), discountPercent: z.number().int() });
export type ProductList = z.infer<typeof ProductList>;

/**
 * What the base price includes, in words: ["3 seats included", "99.00 UAH per extra seat per month"],
 * ["7,000 sessions per 30 days included", "49.00 UAH per month per extra 1,000 sessions"]; [] for a
 * product with a flat price. Without `currency`, prices read as plain decimals ("99.00").
 */
export function includedText(product: Product, currency?: string): string[] {
  const price = (m: Money): string => formatMoney(m, currency);
  switch (product.productId) {
    case 'telephony':
      return [`${plural(product.includedSeats, 'seat', 'seats')} included`, `${price(product.extraSeatMonthlyPrice)} per extra seat per month`];
    case 'analytics':
      return [
        `${plural(product.includedSessions, 'session', 'sessions')} per 30 days included`,
        `${price(product.extraSessionsBlockMonthlyPrice)} per month per extra ${plural(product.extraSessionsBlock, 'session', 'sessions')}`,
      ];
    default:
      return [];
  }
}

/**
 * The products view: every catalog product (catalog order) with whether it is enabled now, and the
 * discount percent the enabled ones earn. `enabled` is the state in force now (e.g. `stateAt(...).products`).
 */
export function productsView(catalog: Catalog, enabled: ReadonlyMap<ProductId, { seats: number }>, sessions30: number): ProductList {
  const products = catalog.products.map((p): ProductView => {
    const on = enabled.get(p.productId);
    const view: ProductView = {
      productId: p.productId,
      name: p.name,
      enabled: on !== undefined,
      monthlyPrice: on ? monthlyPriceOf(p, on.seats, sessions30) : p.monthlyPrice,
      included: includedText(p, catalog.currency),
    };
    if (on && p.productId === 'telephony') view.seats = on.seats;
    return view;
  });
  return { products, discountPercent: discountPercent(catalog, enabled.size) };
}

/**
 * Every catalog product as in force at `instantMs`, and the discount percent the enabled ones earn.
 * `monthlyPrice` is the price as things stand, for disabled products too (what switching it on
 * would cost): telephony with its seats (the ones it has, or would come back with, else the
 * included ones), analytics with the extra blocks of the 30 days of sessions ending on the instant's
 * day. Telephony always shows `seats`.
 */
export function productViewsAt(read: TimelineRead, catalog: Catalog, instantMs: number): ProductList {
  const includedSeats = catalog.products[0].includedSeats;
  const enabled = stateAt(read.timeline, instantMs, includedSeats).products;
  const sessions = sessions30(read.sessions, billingDayOf(instantMs, read.zone));
  const view = productsView(catalog, enabled, sessions);
  const snapshot = snapshotAt(read, instantMs);
  const products = view.products.map((p, i): ProductView => {
    const product = catalog.products[i]!;
    const seats = enabled.get(p.productId)?.seats ?? seatsOf(snapshot, p.productId, includedSeats);
    const out: ProductView = { ...p, monthlyPrice: monthlyPriceOf(product, seats, sessions) };
    if (p.productId === 'telephony') out.seats = seats;
    return out;
  });
  return { products, discountPercent: view.discountPercent };
}

/** One product of `productViewsAt`. */
export function productViewAt(read: TimelineRead, catalog: Catalog, instantMs: number, productId: ProductId): ProductView {
  return productViewsAt(read, catalog, instantMs).products.find((p) => p.productId === productId)!;
}
