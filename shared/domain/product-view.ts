/**
 * How a product reads to a customer: its monthly price for a given seat and session count (the one
 * price formula the nightly charge, the quote and the products view all use) and the texts that say
 * what is included. Also the money formatting those texts share, so descriptions match across them.
 */
import { discountPercent } from './discount';
import { ceilDiv, mulDivFloor, sum, type Money } from './money';
import type { Catalog, Product, ProductId } from './catalog';

const fractionDigitsByCurrency = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (2 for UAH, 0 for JPY); 2 when the runtime does not know it. */
function fractionDigits(currency: string): number {
  let digits = fractionDigitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    fractionDigitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** An integer with comma thousands separators: 7000 -> "7,000". */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Minor units as a customer reads them, by string arithmetic (no float ever touches the amount):
 * 90000 UAH -> "900.00 UAH", 123456 -> "1,234.56 UAH"; without a currency, 2 decimals and no code.
 */
export function formatMoney(amount: Money, currency?: string): string {
  const digits = currency ? fractionDigits(currency) : 2;
  const sign = amount < 0 ? '-' : '';
  const abs = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = formatCount(Number(abs.slice(0, abs.length - digits)));
  const frac = digits > 0 ? '.' + abs.slice(abs.length - digits) : '';
  return `${sign}${whole}${frac}${currency ? ` ${currency}` : ''}`;
}

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

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

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

/** One product as `GET /projects/{id}/products` shows it. */
export interface ProductView {
  productId: ProductId;
  name: string;
  enabled: boolean;
  /** The monthly price at the current seats and sessions if enabled, else the base price. */
  monthlyPrice: Money;
  included: string[];
  /** Telephony while enabled. */
  seats?: number;
}

/**
 * The products view: every catalog product (catalog order) with whether it is enabled now, and the
 * discount percent the enabled ones earn. `enabled` is the state in force now (e.g. `stateAt(...).products`).
 */
export function productsView(
  catalog: Catalog,
  enabled: ReadonlyMap<ProductId, { seats: number }>,
  sessions30: number,
): { products: ProductView[]; discountPercent: number } {
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
