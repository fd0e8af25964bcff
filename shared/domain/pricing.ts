/**
 * A product's monthly price for a given seat and session count (docs/billing.md): the one price
 * formula the nightly charge, the quote, the forecast and the products view all use. Any product may
 * be priced by seats (`includedSeats`, `extraSeatMonthlyPrice`), by sessions (`includedSessions`,
 * `extraSessionsBlock`, `extraSessionsBlockMonthlyPrice`), by both, or flat.
 */
import { ceilDiv, mulDivFloor, sum, type Money } from './money';
import type { Product } from './plan';

/** Seats beyond the included ones (0 for a product not priced by seats). */
export function extraSeats(product: Product, seats: number): number {
  return product.includedSeats === undefined ? 0 : Math.max(0, seats - product.includedSeats);
}

/** Started blocks of sessions beyond the included ones in 30 days (0 for a product not priced by sessions). */
export function extraSessionBlocks(product: Product, sessions30: number): number {
  if (product.includedSessions === undefined || product.extraSessionsBlock === undefined) return 0;
  return ceilDiv(Math.max(0, sessions30 - product.includedSessions), product.extraSessionsBlock);
}

/**
 * `monthlyPrice + max(0, seats - includedSeats) * extraSeatMonthlyPrice`
 * `+ ceil(max(0, S - includedSessions) / extraSessionsBlock) * extraSessionsBlockMonthlyPrice`,
 * each term only where the product is priced that way.
 */
export function monthlyPriceOf(product: Product, seats: number, sessions30: number): Money {
  return sum([
    product.monthlyPrice,
    mulDivFloor(extraSeats(product, seats), product.extraSeatMonthlyPrice ?? 0, 1),
    mulDivFloor(extraSessionBlocks(product, sessions30), product.extraSessionsBlockMonthlyPrice ?? 0, 1),
  ]);
}
