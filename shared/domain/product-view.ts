/**
 * How a product reads to a customer (`GET /projects/{id}/products`, and the answer of a product
 * change): its price as things stand, what the price includes, whether it is on, and the discount
 * the enabled products earn.
 */
import * as z from 'zod';
import { billingDayOf } from './billing-days';
import { discountPercent } from './discount';
import { formatMoney, plural } from './format';
import { Money } from './money';
import { Day } from './values';
import { defaultSeatsOf, isSeatPriced, ProductId, type PlanVersion, type Product } from './plan';
import { monthlyPriceOf } from './pricing';
import { sessions30, stateAt } from './timeline';
import { seatsOf, snapshotAt, type TimelineRead } from './timeline-snapshot';


export const ProductView = z.object({
  productId: ProductId,
  name: z.string(),
  enabled: z.boolean(),
  monthlyPrice: Money,
  included: z.array(z.string()),
  seats: z.number().int().min(0).optional(),
}).meta({ id: 'ProductView' });
/** One product as the products page shows it; `seats` for telephony. */
export type ProductView = z.infer<typeof ProductView>;

/** A product's price from a later day on, already published (a new version, or a plan move). */
export const UpcomingPrice = z.object({ effectiveFrom: Day, productId: ProductId, monthlyPrice: Money });
export type UpcomingPrice = z.infer<typeof UpcomingPrice>;

export const ProductList = z.object({ products: z.array(ProductView), discountPercent: z.number().int().min(0).max(100), upcoming: z.array(UpcomingPrice).optional() });
export type ProductList = z.infer<typeof ProductList>;

/**
 * What the price includes, in words: the version's own `included` when it has one, shown as it is;
 * otherwise what the pricing says ("3 seats included", "99.00 UAH per extra seat per month", ...);
 * [] for a flat price. Without `currency`, prices read as plain decimals ("99.00").
 */
export function includedText(product: Product, currency?: string): string[] {
  if (product.included) return [...product.included];
  const price = (m: Money): string => formatMoney(m, currency);
  const out: string[] = [];
  if (product.includedSeats !== undefined && product.extraSeatMonthlyPrice !== undefined) {
    out.push(`${plural(product.includedSeats, 'seat', 'seats')} included`, `${price(product.extraSeatMonthlyPrice)} per extra seat per month`);
  }
  if (product.includedSessions !== undefined && product.extraSessionsBlock !== undefined && product.extraSessionsBlockMonthlyPrice !== undefined) {
    out.push(
      `${plural(product.includedSessions, 'session', 'sessions')} per 30 days included`,
      `${price(product.extraSessionsBlockMonthlyPrice)} per month per extra ${plural(product.extraSessionsBlock, 'session', 'sessions')}`,
    );
  }
  return out;
}

/**
 * The products view: every product of the version (in its order) with whether it is enabled now, and the
 * discount percent the enabled ones earn. `enabled` is the state in force now (e.g. `stateAt(...).products`).
 */
export function productsView(version: PlanVersion, enabled: ReadonlyMap<ProductId, { seats: number }>, sessions30: number): ProductList {
  const products = version.products.map((p): ProductView => {
    const on = enabled.get(p.productId);
    const view: ProductView = {
      productId: p.productId,
      name: p.name,
      enabled: on !== undefined,
      monthlyPrice: on ? monthlyPriceOf(p, on.seats, sessions30) : p.monthlyPrice,
      included: includedText(p, version.currency),
    };
    if (on && isSeatPriced(p)) view.seats = on.seats;
    return view;
  });
  const known = new Set(version.products.map((p) => p.productId));
  return { products, discountPercent: discountPercent(version, [...enabled.keys()].filter((id) => known.has(id)).length) };
}

/**
 * Every product of the version as in force at `instantMs`, and the discount percent the enabled ones
 * earn. `monthlyPrice` is the price as things stand, for disabled products too (what switching it on
 * would cost): a seat-priced product with its seats (the ones it has, or would come back with, else
 * the included ones), a session-priced one with the extra blocks of the 30 days of sessions ending on
 * the instant's day. A seat-priced product always shows `seats`.
 */
export function productViewsAt(read: TimelineRead, version: PlanVersion, instantMs: number): ProductList {
  const defaultSeats = defaultSeatsOf(version);
  const enabled = stateAt(read.timeline, instantMs, defaultSeats).products;
  const sessions = sessions30(read.sessions, billingDayOf(instantMs, read.zone));
  const view = productsView(version, enabled, sessions);
  const snapshot = snapshotAt(read, instantMs);
  const products = view.products.map((p, i): ProductView => {
    const product = version.products[i]!;
    const seats = enabled.get(p.productId)?.seats ?? seatsOf(snapshot, p.productId, defaultSeats);
    const out: ProductView = { ...p, monthlyPrice: monthlyPriceOf(product, seats, sessions) };
    if (isSeatPriced(product)) out.seats = seats;
    return out;
  });
  return { products, discountPercent: view.discountPercent };
}

/** One product of `productViewsAt` (undefined when the version has no such product). */
export function productViewAt(read: TimelineRead, version: PlanVersion, instantMs: number, productId: ProductId): ProductView | undefined {
  return productViewsAt(read, version, instantMs).products.find((p) => p.productId === productId);
}

/**
 * The price changes already published after `current`: `later` are the versions that will be in force
 * from later days, in day order (new versions of the plan, or the plan a move takes the project to),
 * each with the day it starts. A product is listed on a day when its monthly price then differs from
 * the day before; a product new on that day is listed too.
 */
export function upcomingPrices(current: PlanVersion, later: readonly { from: string; version: PlanVersion }[]): UpcomingPrice[] {
  const out: UpcomingPrice[] = [];
  let before = new Map(current.products.map((p) => [p.productId, p.monthlyPrice]));
  for (const { from, version } of later) {
    for (const p of version.products) {
      if (before.get(p.productId) !== p.monthlyPrice) out.push({ effectiveFrom: from, productId: p.productId, monthlyPrice: p.monthlyPrice });
    }
    before = new Map(version.products.map((p) => [p.productId, p.monthlyPrice]));
  }
  return out;
}
