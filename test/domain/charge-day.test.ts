import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, daysFromTo, daysInMonth } from '../../shared/domain/billing-days';
import { PlanVersion, type NumberType, type ProductId } from '../../shared/domain/plan';
import { chargeDay, chargeTotal, closingLines, dayShareText, telecomDailyLine } from '../../shared/domain/charge-day';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import type { Timeline, TimelineChange } from '../../shared/domain/types';
import { number, product, tl } from '../support/timeline';

// DEFAULT_PLAN: telephony 499.00 (3 seats included, 99.00 per extra seat), calltracking 799.00,
// callback 299.00, analytics 399.00 (7,000 sessions included, 49.00 per extra 1,000); numbers local
// 150.00, mobile 200.00, tollfree 500.00; discounts 2 products 5 %, 3+ products 10 %.
const C = DEFAULT_PLAN;
const amounts = (t: Timeline, day: string) => Object.fromEntries(chargeDay(t, C, day).map((l) => [l.entryId, l.amount]));

describe('chargeDay', () => {
  it('bills a seat removed at noon at the old count that day and the new count the next', () => {
    const t = tl([
      product('2026-01-01T00:00:00+02:00', 'telephony', true, 5),
      product('2026-01-10T12:00:00+02:00', 'telephony', true, 4),
    ]);
    // Jan 10, 5 seats: 499.00 + 2*99.00 = 697.00/month; day 10 of 31: floor(69700*10/31) - floor(69700*9/31) = 22483 - 20235 = 2248
    const [jan10] = chargeDay(t, C, '2026-01-10');
    expect(jan10).toEqual({
      entryId: 'charge#2026-01-10#product#telephony',
      date: '2026-01-10',
      type: 'product_daily',
      description: 'Business telephony (5 seats: 2 extra), day 10 of 31: 1/31 of 697.00 UAH per month',
      amount: -2248,
      balanceEffect: true,
      productId: 'telephony',
    });
    // Jan 11, 4 seats: 499.00 + 99.00 = 598.00; floor(59800*11/31) - floor(59800*10/31) = 21219 - 19290 = 1929
    expect(amounts(t, '2026-01-11')).toEqual({ 'charge#2026-01-11#product#telephony': -1929 });
    expect(chargeDay(t, C, '2026-01-11')[0]!.description).toBe('Business telephony (4 seats: 1 extra), day 11 of 31: 1/31 of 598.00 UAH per month');
  });

  it('charges a number held from noon to noon on each of the three days it touches', () => {
    const t = tl([number('2026-01-10T12:00:00+02:00', '+380441234567', true), number('2026-01-12T12:00:00+02:00', '+380441234567', false)]);
    // local 150.00/month: day 10 floor(150000/31) - floor(135000/31) = 4838 - 4354 = 484, and 484 on days 11 and 12
    expect(chargeDay(t, C, '2026-01-09')).toEqual([]);
    for (const day of ['2026-01-10', '2026-01-11', '2026-01-12']) {
      expect(amounts(t, day)).toEqual({ [`charge#${day}#number#+380441234567`]: -484 });
    }
    expect(chargeDay(t, C, '2026-01-13')).toEqual([]);
    expect(chargeDay(t, C, '2026-01-10')[0]).toMatchObject({ type: 'number_daily', number: '+380441234567', description: 'Number +380441234567 (local), day 10 of 31: 1/31 of 150.00 UAH per month' });
  });

  it('gives 5 % back on 2 products and 10 % on 3, products only', () => {
    const start = '2026-01-01T00:00:00+02:00';
    const two = tl([product(start, 'telephony', true, 3), product(start, 'callback', true), number(start, '+380501111111', true, 'tollfree')]);
    // Jan 10: telephony floor(499000/31) - floor(449100/31) = 16096 - 14487 = 1609; callback 9645 - 8680 = 965
    // discount 5 % of 1609 + 965 = 2574 → 128.7 → +129; tollfree number 50000: 16129 - 14516 = 1613, not discounted
    expect(amounts(two, '2026-01-10')).toEqual({
      'charge#2026-01-10#product#telephony': -1609,
      'charge#2026-01-10#product#callback': -965,
      'charge#2026-01-10#number#+380501111111': -1613,
      'charge#2026-01-10#discount': 129,
    });
    const discountLine = chargeDay(two, C, '2026-01-10').at(-1)!;
    expect(discountLine).toMatchObject({ type: 'discount', balanceEffect: true, description: 'Multi-product discount: 5% of 25.74 UAH for 2 products' });
    // + calltracking 25774 - 23196 = 2578: 1609 + 965 + 2578 = 5152, 10 % = 515.2 → +515
    const three = tl([...two.changes, product(start, 'calltracking', true)]);
    const lines = chargeDay(three, C, '2026-01-10');
    // catalog order, then numbers, discount last
    expect(lines.map((l) => l.entryId)).toEqual([
      'charge#2026-01-10#product#telephony', 'charge#2026-01-10#product#calltracking', 'charge#2026-01-10#product#callback',
      'charge#2026-01-10#number#+380501111111', 'charge#2026-01-10#discount',
    ]);
    expect(lines.at(-1)!.amount).toBe(515);
    // net: -(1609 + 2578 + 965 + 1613) + 515 = -6250
    expect(chargeTotal(lines)).toBe(-6250);
  });

  it('omits the discount line for a single product', () => {
    const t = tl([product('2026-01-01T00:00:00+02:00', 'callback', true)]);
    expect(chargeDay(t, C, '2026-01-10').map((l) => l.type)).toEqual(['product_daily']);
  });

  it('prices analytics by the sessions of the 30 days ending on the day, per started block', () => {
    const on = [product('2025-12-01T00:00:00+02:00', 'analytics', true)];
    // 7,000 sessions: included, 399.00/month; day 10: floor(399000/31) - floor(359100/31) = 12870 - 11583 = 1287
    // (the 1 session on Dec 11 is outside Dec 12..Jan 10)
    const at7000 = tl(on, [{ date: '2025-12-11', count: 1 }, { date: '2025-12-20', count: 3000 }, { date: '2026-01-10', count: 4000 }]);
    expect(amounts(at7000, '2026-01-10')).toEqual({ 'charge#2026-01-10#product#analytics': -1287 });
    expect(chargeDay(at7000, C, '2026-01-10')[0]!.description).toBe('Analytics (7,000 sessions in 30 days), day 10 of 31: 1/31 of 399.00 UAH per month');
    // 7,001 sessions: one started block of 1,000: 399.00 + 49.00 = 448.00; 14451 - 13006 = 1445
    const at7001 = tl(on, [{ date: '2025-12-12', count: 1 }, { date: '2025-12-20', count: 3000 }, { date: '2026-01-10', count: 4000 }]);
    expect(amounts(at7001, '2026-01-10')).toEqual({ 'charge#2026-01-10#product#analytics': -1445 });
    expect(chargeDay(at7001, C, '2026-01-10')[0]!.description).toBe('Analytics (7,001 sessions in 30 days: 1 extra block of 1,000), day 10 of 31: 1/31 of 448.00 UAH per month');
  });

  it('cuts DST days in Kyiv: a change at 23:30 local counts for that day, not the next', () => {
    // Mar 29 (23 h): telephony off at 23:30 +03:00; day 29 of 31: floor(49900*29/31) - floor(49900*28/31) = 46680 - 45070 = 1610
    const spring = tl([product('2026-03-01T00:00:00+02:00', 'telephony', true, 3), product('2026-03-29T23:30:00+03:00', 'telephony', false)]);
    expect(amounts(spring, '2026-03-29')).toEqual({ 'charge#2026-03-29#product#telephony': -1610 });
    expect(chargeDay(spring, C, '2026-03-30')).toEqual([]);
    // Oct 25 (25 h): off at 23:30 +02:00; day 25 of 31: 40241 - 38632 = 1609
    const autumn = tl([product('2026-10-01T00:00:00+03:00', 'telephony', true, 3), product('2026-10-25T23:30:00+02:00', 'telephony', false)]);
    expect(amounts(autumn, '2026-10-25')).toEqual({ 'charge#2026-10-25#product#telephony': -1609 });
    expect(chargeDay(autumn, C, '2026-10-26')).toEqual([]);
  });

  it('sums a month of a product\'s daily charges to exactly its monthly price', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 2024, max: 2030 }), fc.integer({ min: 1, max: 12 }), (price, year, month) => {
      const first = `${year}-${String(month).padStart(2, '0')}-01`;
      const catalog = PlanVersion.parse({ ...C, products: [C.products[0], { ...C.products[1], monthlyPrice: price }, C.products[2], C.products[3]] });
      const t = tl([product(`${addDays(first, -1)}T12:00:00Z`, 'calltracking', true)]);
      const days = daysFromTo(first, addDays(first, daysInMonth(first) - 1));
      const total = days.flatMap((d) => chargeDay(t, catalog, d)).reduce((s, l) => s + l.amount, 0);
      expect(total + price).toBe(0); // not toBe(-price): -0 and 0 differ under Object.is
    }), { numRuns: 40 });
  });

  it('gives the same lines whatever order the changes come in', () => {
    const at = fc.integer({ min: 0, max: 3 * 86_400_000 }).map((d) => new Date(Date.parse('2026-01-09T00:00:00+02:00') + d).toISOString());
    const change: fc.Arbitrary<TimelineChange> = fc.oneof(
      fc.record({ kind: fc.constant('product' as const), at, seq: fc.integer({ min: 0, max: 1 }), productId: fc.constantFrom<ProductId>('telephony', 'calltracking', 'callback', 'analytics'), enabled: fc.boolean(), seats: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('number' as const), at, seq: fc.integer({ min: 0, max: 1 }), number: fc.constantFrom('+380441', '+380502'), numberType: fc.constantFrom<NumberType>('local', 'mobile', 'tollfree'), held: fc.boolean() }),
    );
    const sessions = [{ date: '2026-01-05', count: 7500 }];
    fc.assert(fc.property(fc.array(change, { maxLength: 20 }).chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length }))), ([a, b]) => {
      for (const day of ['2026-01-09', '2026-01-10', '2026-01-11']) {
        expect(chargeDay(tl(b, sessions), C, day)).toEqual(chargeDay(tl(a, sessions), C, day));
      }
    }));
  });
});

describe('how a line says its share', () => {
  it('names the day and charges its share of the month, not day/days of the price', () => {
    // April has 30 days; day 28 charges floor(69700*28/30) - floor(69700*27/30) = 65053 - 62730 = 2323, about 1/30.
    const t = tl([product('2026-04-01T00:00:00+03:00', 'telephony', true, 5)]);
    const [line] = chargeDay(t, C, '2026-04-28');
    expect(line).toMatchObject({ amount: -2323, description: 'Business telephony (5 seats: 2 extra), day 28 of 30: 1/30 of 697.00 UAH per month' });
    expect(dayShareText('2024-02-29', 15_000, 'UAH')).toBe('day 29 of 29: 1/29 of 150.00 UAH per month');
  });

  it('says it the same way for numbers grouped by type', () => {
    const held = Array.from({ length: 3 }, (_, i) => number('2026-04-01T00:00:00+03:00', `+38044000000${i}`, true));
    const [grouped] = closingLines(tl(held), C, '2026-04-28', 2);
    expect(grouped).toMatchObject({ entryId: 'charge#2026-04-28#numbers#local', description: '3 local numbers, each day 28 of 30: 1/30 of 150.00 UAH per month' });
  });
});

describe('telecomDailyLine and chargeTotal', () => {
  it('books the telecom total as an informational negative line', () => {
    expect(telecomDailyLine('2026-01-10', 12_345)).toEqual({
      entryId: 'telecom#2026-01-10', date: '2026-01-10', type: 'telecom_daily', amount: -12_345, balanceEffect: false, description: 'Calls and SMS on 2026-01-10',
    });
    expect(Object.is(telecomDailyLine('2026-01-10', 0).amount, 0)).toBe(true); // never -0
  });
  it('sums only the lines that move the balance', () => {
    const lines = [telecomDailyLine('2026-01-10', 500), { ...telecomDailyLine('2026-01-10', 0), balanceEffect: true, amount: -300 }, { ...telecomDailyLine('2026-01-10', 0), balanceEffect: true, amount: 20 }];
    expect(chargeTotal(lines)).toBe(-280);
  });
});

describe('prices that change', () => {
  const withPrice = (version: number, effectiveFrom: string, price: number): PlanVersion => ({
    ...C, version, effectiveFrom, products: C.products.map((p) => (p.productId === 'callback' ? { ...p, monthlyPrice: price } : p)),
  });
  const pricesOn = (versions: readonly PlanVersion[]) => (day: string): PlanVersion => versionOnDay(versions, day);
  const versionOnDay = (versions: readonly PlanVersion[], day: string): PlanVersion =>
    versions.filter((v) => v.effectiveFrom <= day).reduce((a, b) => (a.effectiveFrom > b.effectiveFrom ? a : b));

  it('for any two versions and any day, the day is charged by the version in force on it', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 7 }), fc.integer({ min: 0, max: 10 ** 7 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 90 }), (p1, p2, change, at) => {
      const start = '2026-01-01';
      const versions = [withPrice(1, '2000-01-01', p1), withPrice(2, addDays(start, change), p2)];
      const t = tl([product(`${addDays(start, -1)}T12:00:00Z`, 'callback', true)]);
      const day = addDays(start, at);
      const inForce = day >= addDays(start, change) ? versions[1]! : versions[0]!;
      expect(chargeDay(t, pricesOn(versions)(day), day)).toEqual(chargeDay(t, inForce, day));
    }), { numRuns: 60 });
  });

  it('a month across a price change sums to the old price\'s shares before it and the new one\'s from it, exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 2024, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 28 }), (p1, p2, year, month, from) => {
      const first = `${year}-${String(month).padStart(2, '0')}-01`;
      const n = daysInMonth(first);
      const versions = [withPrice(1, '2000-01-01', p1), withPrice(2, addDays(first, from - 1), p2)];
      const t = tl([product(`${addDays(first, -1)}T12:00:00Z`, 'callback', true)]);
      const total = daysFromTo(first, addDays(first, n - 1)).reduce((s, d) => s - chargeTotal(chargeDay(t, pricesOn(versions)(d), d)), 0);
      // Days 1..from-1 at p1 telescope to floor(p1*(from-1)/n); days from..n at p2 to p2 - floor(p2*(from-1)/n).
      expect(total).toBe(Math.floor((p1 * (from - 1)) / n) + p2 - Math.floor((p2 * (from - 1)) / n));
    }), { numRuns: 60 });
  });
});
