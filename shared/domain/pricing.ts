/**
 * A product's monthly price for a given seat and session count: the one price formula the nightly
 * charge, the quote, the forecast and the products view all use (API.md "Billing rules").
 */
import { ceilDiv, mulDivFloor, sum, type Money } from './money';
import type { Product } from './catalog';

/** Extra seats beyond the included ones (telephony only; 0 for other products). */
export function extraSeats(product: Product, seats: number): number {
  return product.productId === 'telephony' ? Math.max(0, seats - product.includedSeats) : 0;
}

/** Extra session blocks for `sessions30` sessions (analytics only; 0 for other products). */
export function extraSessionBlocks(product: Product, sessions30: number): number {
  return product.productId === 'analytics'
    ? ceilDiv(Math.max(0, sessions30 - product.includedSessions), product.extraSessionsBlock)
    : 0;
}

/**
 * A product's monthly price (API.md): telephony adds each seat beyond `includedSeats`; analytics adds
 * each started block of `extraSessionsBlock` sessions beyond `includedSessions` in 30 days.
 */
export function monthlyPriceOf(product: Product, seats: number, sessions30: number): Money {
  switch (product.productId) {
    case 'telephony':
      return sum([product.monthlyPrice, mulDivFloor(extraSeats(product, seats), product.extraSeatMonthlyPrice, 1)]);
    case 'analytics':
      return sum([product.monthlyPrice, mulDivFloor(extraSessionBlocks(product, sessions30), product.extraSessionsBlockMonthlyPrice, 1)]);
    default:
      return product.monthlyPrice;
  }
}
