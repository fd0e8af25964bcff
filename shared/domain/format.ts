/**
 * Money and counts as a customer reads them, by string arithmetic: no float ever touches an amount.
 * Every description (ledger lines, quote lines, what a product includes) formats through here, so
 * they read alike.
 */
import type { Money } from './money';

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
 * Minor units as a customer reads them: 90000 UAH -> "900.00 UAH", 123456 -> "1,234.56 UAH";
 * without a currency, 2 decimals and no code.
 */
export function formatMoney(amount: Money, currency?: string): string {
  const digits = currency ? fractionDigits(currency) : 2;
  const sign = amount < 0 ? '-' : '';
  const abs = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = formatCount(Number(abs.slice(0, abs.length - digits)));
  const frac = digits > 0 ? '.' + abs.slice(abs.length - digits) : '';
  return `${sign}${whole}${frac}${currency ? ` ${currency}` : ''}`;
}

/** `n` with the singular or plural noun: "1 seat", "7,000 sessions". */
export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * Money as a person reads it on a printed statement: a space between thousands, a decimal comma and
 * the currency code (123456 UAH -> "1 234,56 UAH"), as Ukrainian documents write it.
 */
export function formatMoneyPrinted(amount: Money, currency: string): string {
  return formatMoney(amount).replace(/,/g, ' ').replace('.', ',') + ` ${currency}`;
}
