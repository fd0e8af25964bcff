import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { includedText, productsView, upcomingPrices } from '../../shared/domain/product-view';
import { formatCount, formatMoney } from '../../shared/domain/format';
import { monthlyPriceOf } from '../../shared/domain/pricing';
import type { Product } from '../../shared/domain/plan';

const [telephony, calltracking, callback, analytics] = DEFAULT_PLAN.products as [Product, Product, Product, Product];

describe('includedText', () => {
  it('shows the version\'s own words as they are', () => {
    expect(includedText(telephony, 'UAH')).toEqual(['3 seats', 'the app for calls and CRM']);
    expect(includedText(analytics, 'UAH')).toEqual(['7,000 sessions per 30 days']);
  });
  it('otherwise says what the pricing includes, for any product priced that way', () => {
    const { included: _t, ...seatPriced } = telephony;
    const { included: _a, ...sessionPriced } = analytics;
    expect(includedText(seatPriced, 'UAH')).toEqual(['3 seats included', '99.00 UAH per extra seat per month']);
    expect(includedText(sessionPriced, 'UAH')).toEqual(['7,000 sessions per 30 days included', '49.00 UAH per month per extra 1,000 sessions']);
    expect(includedText(callback)).toEqual([]);
    expect(includedText(seatPriced)[1]).toBe('99.00 per extra seat per month');
    expect(includedText({ ...seatPriced, includedSeats: 1 })[0]).toBe('1 seat included');
    const both = { ...calltracking, includedSeats: 2, extraSeatMonthlyPrice: 100, includedSessions: 10, extraSessionsBlock: 5, extraSessionsBlockMonthlyPrice: 7 };
    expect(includedText(both, 'UAH')).toEqual(['2 seats included', '1.00 UAH per extra seat per month', '10 sessions per 30 days included', '0.07 UAH per month per extra 5 sessions']);
  });
});

describe('monthlyPriceOf', () => {
  it('adds extra seats to a seat-priced product only', () => {
    expect(monthlyPriceOf(telephony, 0, 0)).toBe(49_900); // fewer than included: base price
    expect(monthlyPriceOf(telephony, 3, 0)).toBe(49_900);
    expect(monthlyPriceOf(telephony, 4, 99_999)).toBe(59_800); // 49900 + 9900; sessions ignored
    expect(monthlyPriceOf(calltracking, 50, 50_000)).toBe(79_900);
  });
  it('adds started blocks of sessions to a session-priced product', () => {
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
    const v = productsView(DEFAULT_PLAN, new Map([['telephony', { seats: 5 }], ['analytics', { seats: 0 }]]), 7_500);
    expect(v.discountPercent).toBe(5);
    expect(v.products.map((p) => [p.productId, p.enabled, p.monthlyPrice, p.seats])).toEqual([
      ['telephony', true, 69_700, 5], // 49900 + 2*9900
      ['calltracking', false, 79_900, undefined],
      ['callback', false, 29_900, undefined],
      ['analytics', true, 44_800, undefined], // 7,500 sessions: 1 extra block
    ]);
    expect(v.products[0]!.included).toEqual(['3 seats', 'the app for calls and CRM']);
    expect('seats' in v.products[1]!).toBe(false);
  });
});

describe('upcomingPrices', () => {
  it('lists, per later day, each product whose price then differs from the day before', () => {
    const raise = { ...DEFAULT_PLAN, version: 2, products: DEFAULT_PLAN.products.map((p) => (p.productId === 'callback' ? { ...p, monthlyPrice: 34_900 } : p)) };
    const extra = { ...raise, version: 3, products: [...raise.products, { productId: 'speech', name: 'Speech', monthlyPrice: 10_000 }] };
    expect(upcomingPrices(DEFAULT_PLAN, [{ from: '2027-01-01', version: raise }, { from: '2027-02-01', version: extra }])).toEqual([
      { effectiveFrom: '2027-01-01', productId: 'callback', monthlyPrice: 34_900 },
      { effectiveFrom: '2027-02-01', productId: 'speech', monthlyPrice: 10_000 },
    ]);
    expect(upcomingPrices(DEFAULT_PLAN, [])).toEqual([]);
  });
});
