import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dayShare } from '../../shared/domain/proration';
import { InvalidDate } from '../../shared/domain/billing-days';
import { NotMinorUnits } from '../../shared/domain/money';

const pad = (n: number) => String(n).padStart(2, '0');
const monthDays = (year: number, month: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${year}-${pad(month)}-${pad(i + 1)}`);
// Gregorian length of a month, computed independently of the module under test.
const lengthOf = (year: number, month: number) =>
  month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

describe('dayShare', () => {
  it('hand examples', () => {
    // P = 100, N = 30 (April): day 1 = floor(100/30) - 0 = 3; day 3 = floor(300/30) - floor(200/30) = 10 - 6 = 4;
    // day 30 = 100 - floor(2900/30) = 100 - 96 = 4
    expect(dayShare(100, '2026-04-01')).toBe(3);
    expect(dayShare(100, '2026-04-03')).toBe(4);
    expect(dayShare(100, '2026-04-30')).toBe(4);
    // P = 49900, N = 31 (January): day 1 = floor(49900/31) = 1609 (1609.67);
    // day 2 = floor(99800/31) - 1609 = 3219 - 1609 = 1610
    expect(dayShare(49_900, '2026-01-01')).toBe(1609);
    expect(dayShare(49_900, '2026-01-02')).toBe(1610);
    // Leap February 2024, N = 29, P = 29: exactly 1 a day; non-leap 2026, N = 28, P = 28: 1 a day
    expect(dayShare(29, '2024-02-29')).toBe(1);
    expect(dayShare(28, '2026-02-28')).toBe(1);
    // P = 1, N = 31: the single kopeck lands on the last day: floor(31/31) - floor(30/31) = 1
    expect(dayShare(1, '2026-01-30')).toBe(0);
    expect(dayShare(1, '2026-01-31')).toBe(1);
    expect(dayShare(0, '2026-01-15')).toBe(0);
  });

  it('a month of day shares sums to the price, each within 1 of price/days (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 10 ** 12 }),
      fc.integer({ min: 2000, max: 2100 }),
      fc.integer({ min: 1, max: 12 }),
      (price, year, month) => {
        const n = lengthOf(year, month);
        const shares = monthDays(year, month, n).map((d) => dayShare(price, d));
        const P = BigInt(price);
        const N = BigInt(n);
        let total = 0n;
        for (const s of shares) {
          expect(Number.isSafeInteger(s)).toBe(true);
          const S = BigInt(s);
          total += S;
          // |share - P/N| < 1  <=>  |share*N - P| < N, in exact integers
          const diff = S * N - P;
          expect(diff < N && -diff < N).toBe(true);
        }
        expect(total).toBe(P);
      },
    ));
  });

  it('covers leap Februaries in the property range, 2000 included and 2100 excluded', () => {
    fc.assert(fc.property(fc.constantFrom(2000, 2024, 2028, 2096), fc.integer({ min: 0, max: 10 ** 12 }), (year, price) => {
      const shares = monthDays(year, 2, 29).map((d) => dayShare(price, d));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(price);
    }), { numRuns: 20 });
    expect(() => dayShare(100, '2100-02-29')).toThrow(InvalidDate);
  });

  it('refuses a float price', () => {
    expect(() => dayShare(100.5, '2026-01-01')).toThrow(NotMinorUnits);
  });
});
