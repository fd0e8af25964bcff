/**
 * The products view and tomorrow's charge of a project, from a timeline read (shared/store/timeline.ts):
 * what `GET /projects/{id}/products` and `PUT /projects/{id}/products/{productId}` answer.
 */
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import type { Catalog, ProductId } from '../domain/catalog';
import { chargeDay, chargeTotal } from '../domain/charge-day';
import type { Money } from '../domain/money';
import { monthlyPriceOf, productsView, type ProductView } from '../domain/product-view';
import { sessions30, stateAt } from '../domain/timeline';
import { seatsOf } from '../domain/timeline-snapshot';
import type { LedgerEntry } from '../domain/types';
import { snapshotAt, type TimelineRead } from './timeline';

/**
 * Every catalog product as in force at `instantMs`, and the discount percent the enabled ones earn.
 * `monthlyPrice` is the price as things stand, for disabled products too (what switching it on
 * would cost): telephony with its seats (the ones it has, or would come back with, else the
 * included ones), analytics with the extra blocks of the 30 days of sessions ending on the instant's
 * day. Telephony always shows `seats`.
 */
export function productViewsAt(read: TimelineRead, catalog: Catalog, instantMs: number): { products: ProductView[]; discountPercent: number } {
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

export function productViewAt(read: TimelineRead, catalog: Catalog, instantMs: number, productId: ProductId): ProductView {
  return productViewsAt(read, catalog, instantMs).products.find((p) => p.productId === productId)!;
}

/**
 * The charge of `day` as it stands with every change known now (changes later that day included,
 * since the charge will see them), as a positive amount, with its lines.
 */
export function chargeOf(read: TimelineRead, catalog: Catalog, day: BillingDay): { amount: Money; lines: LedgerEntry[] } {
  const lines = chargeDay(read.timeline, catalog, day);
  return { amount: -chargeTotal(lines) || 0, lines };
}
