import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PlanVersion } from '../../shared/domain/plan';

const PRODUCT_IDS = DEFAULT_PLAN.products.map((p) => p.productId);
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { quote, QuoteRequest } from '../../shared/domain/quote';
import { ValidationFailed } from '../../shared/domain/errors';

const C = DEFAULT_PLAN;

describe('quote', () => {
  it('prices the contract example: telephony with 5 seats, analytics at 12,000 sessions, 2 local numbers', () => {
    const q = quote(C, QuoteRequest.parse({ products: ['telephony', 'analytics'], seats: 5, sessionsPer30Days: 12000, numbers: { local: 2 } }));
    // telephony 49900 + (5-3)*9900 = 69700; analytics 39900 + ceil((12000-7000)/1000)*4900 = 64400
    // 2 products: 5 % of 134100 = 6705; numbers 2*15000 = 30000; total 69700 + 64400 - 6705 + 30000 = 157395
    expect(q).toEqual({
      currency: 'UAH',
      monthlyTotal: 157_395,
      lines: [
        { description: 'Business telephony (5 seats: 2 extra at 99.00 UAH)', monthlyAmount: 69_700 },
        { description: 'Analytics (12,000 sessions per 30 days: 5 extra blocks of 1,000 at 49.00 UAH)', monthlyAmount: 64_400 },
        { description: 'Multi-product discount: 5% of 1,341.00 UAH for 2 products', monthlyAmount: -6_705 },
        { description: '2 local numbers at 150.00 UAH', monthlyAmount: 30_000 },
      ],
    });
  });

  it('gives 10 % on all four products at their base prices', () => {
    const q = quote(C, { products: ['analytics', 'callback', 'calltracking', 'telephony'] });
    // 49900 + 79900 + 29900 + 39900 = 199600; 10 % = 19960; 199600 - 19960 = 179640
    expect(q.monthlyTotal).toBe(179_640);
    expect(q.lines.map((l) => l.monthlyAmount)).toEqual([49_900, 79_900, 29_900, 39_900, -19_960]);
    expect(q.lines[0]!.description).toBe('Business telephony (3 seats)');
  });

  it('rounds the discount half up', () => {
    const c = PlanVersion.parse({ ...C, products: [C.products[0], { ...C.products[1], monthlyPrice: 15 }, { ...C.products[2], monthlyPrice: 15 }, C.products[3]] });
    // 15 + 15 = 30; 5 % = 1.5 → 2; total 28
    expect(quote(c, { products: ['calltracking', 'callback'] }).monthlyTotal).toBe(28);
  });

  it('adds no discount for one product and one line per number type', () => {
    const q = quote(C, { products: ['callback'], numbers: { tollfree: 1, mobile: 3, local: 0 } });
    // 29900 + 3*20000 + 1*50000 = 139900
    expect(q.lines).toEqual([
      { description: 'Callback widget', monthlyAmount: 29_900 },
      { description: '3 mobile numbers at 200.00 UAH', monthlyAmount: 60_000 },
      { description: '1 tollfree number at 500.00 UAH', monthlyAmount: 50_000 },
    ]);
    expect(q.monthlyTotal).toBe(139_900);
  });

  it('totals its lines and never discounts more than the products cost', () => {
    fc.assert(fc.property(
      fc.subarray([...PRODUCT_IDS], { minLength: 1 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 10_000 }),
      (products, seats, sessions, local) => {
        const q = quote(C, QuoteRequest.parse({ products, seats, sessionsPer30Days: sessions, numbers: { local } }));
        expect(q.monthlyTotal).toBe(q.lines.reduce((s, l) => s + l.monthlyAmount, 0));
        const productSum = q.lines.filter((l) => l.monthlyAmount > 0 && !/number/.test(l.description)).reduce((s, l) => s + l.monthlyAmount, 0);
        expect(q.monthlyTotal).toBeGreaterThanOrEqual(local * 15_000);
        expect(q.monthlyTotal - local * 15_000).toBeLessThanOrEqual(productSum);
      },
    ), { numRuns: 50 });
  });
});

describe('QuoteRequest', () => {
  const bad = [
    { products: [] },
    { products: ['telephony', 'telephony'] },
    { products: ['Fax'] },
    { products: ['telephony'], seats: 2.5 },
    { products: ['telephony'], seats: 10_001 },
    { products: ['analytics'], sessionsPer30Days: -1 },
    { products: ['telephony'], numbers: { 'sat phone': 1 } },
    { products: ['telephony'], numbers: { local: 1.5 } },
    { products: ['telephony'], extra: true },
  ];
  it.each(bad)('rejects %j', (body) => {
    expect(QuoteRequest.safeParse(body).success).toBe(false);
  });
  it('takes any product and number type by name, and the version refuses the ones it does not have', () => {
    for (const body of [{ products: ['fax'] }, { products: ['telephony'], numbers: { satellite: 1 } }]) {
      const parsed = QuoteRequest.parse(body);
      expect(() => quote(C, parsed)).toThrow(ValidationFailed);
    }
  });
  it('accepts the contract example', () => {
    expect(QuoteRequest.safeParse({ products: ['telephony'], seats: 5, sessionsPer30Days: 12000, numbers: { local: 2 } }).success).toBe(true);
  });
});
