import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_CATALOG } from '../../shared/domain/default-catalog';
import { includedText, productsView } from '../../shared/domain/product-view';
import { formatCount, formatMoney } from '../../shared/domain/format';
import { monthlyPriceOf } from '../../shared/domain/pricing';

const [telephony, calltracking, callback, analytics] = DEFAULT_CATALOG.products;

describe('includedText', () => {
  it('says what the base price includes', () => {
    expect(includedText(telephony, 'UAH')).toEqual(['3 seats included', '99.00 UAH per extra seat per month']);
    expect(includedText(analytics, 'UAH')).toEqual(['7,000 sessions per 30 days included', '49.00 UAH per month per extra 1,000 sessions']);
    expect(includedText(callback)).toEqual([]);
    expect(includedText(telephony)[1]).toBe('99.00 per extra seat per month');
    expect(includedText({ ...telephony, includedSeats: 1 })[0]).toBe('1 seat included');
  });
});

describe('monthlyPriceOf', () => {
  it('adds extra seats to telephony only', () => {
    expect(monthlyPriceOf(telephony, 0, 0)).toBe(49_900); // fewer than included: base price
    expect(monthlyPriceOf(telephony, 3, 0)).toBe(49_900);
    expect(monthlyPriceOf(telephony, 4, 99_999)).toBe(59_800); // 49900 + 9900; sessions ignored
    expect(monthlyPriceOf(calltracking, 50, 50_000)).toBe(79_900);
  });
  it('adds started blocks of sessions to analytics', () => {
    expect(monthlyPriceOf(analytics, 9, 7_000)).toBe(39_900);
    expect(monthlyPriceOf(analytics, 0, 7_001)).toBe(44_800); // ceil(1/1000) = 1 block
    expect(monthlyPriceOf(analytics, 0, 8_000)).toBe(44_800);
    expect(monthlyPriceOf(analytics, 0, 8_001)).toBe(49_700); // 2 blocks
  });
  it('never falls as seats or sessions grow', () => {
    fc.assert(fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(10 ** 9), fc.nat(10 ** 9), (s1, s2, x1, x2) => {
      expect(monthlyPriceOf(telephony, Math.max(s1, s2), 0)).toBeGreaterThanOrEqual(monthlyPriceOf(telephony, Math.min(s1, s2), 0));
      expect(monthlyPriceOf(analytics, 0, Math.max(x1, x2))).toBeGreaterThanOrEqual(monthlyPriceOf(analytics, 0, Math.min(x1, x2)));
    }));
  });
});

describe('formatting', () => {
  it('formats minor units without floats', () => {
    expect(formatMoney(90_000, 'UAH')).toBe('900.00 UAH');
    expect(formatMoney(123_456_789, 'UAH')).toBe('1,234,567.89 UAH');
    expect(formatMoney(5, 'UAH')).toBe('0.05 UAH');
    expect(formatMoney(-250, 'USD')).toBe('-2.50 USD');
    expect(formatMoney(1500, 'JPY')).toBe('1,500 JPY'); // yen have no minor unit
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'UAH')).toBe('90,071,992,547,409.91 UAH');
    expect(formatCount(7000)).toBe('7,000');
    expect(formatCount(999)).toBe('999');
  });
});

describe('productsView', () => {
  it('lists every product with its current price, seats and the discount earned', () => {
    const v = productsView(DEFAULT_CATALOG, new Map([['telephony', { seats: 5 }], ['analytics', { seats: 0 }]]), 7_500);
    expect(v.discountPercent).toBe(5);
    expect(v.products.map((p) => [p.productId, p.enabled, p.monthlyPrice, p.seats])).toEqual([
      ['telephony', true, 69_700, 5], // 49900 + 2*9900
      ['calltracking', false, 79_900, undefined],
      ['callback', false, 29_900, undefined],
      ['analytics', true, 44_800, undefined], // 7,500 sessions: 1 extra block
    ]);
    expect(v.products[0]!.included).toContain('3 seats included');
    expect('seats' in v.products[1]!).toBe(false);
  });
});
