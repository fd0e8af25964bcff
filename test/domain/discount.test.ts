import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PlanVersion } from '../../shared/domain/plan';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { discountAmount, discountPercent } from '../../shared/domain/discount';

describe('discountPercent', () => {
  it('takes the largest percent whose minProducts is reached', () => {
    // default: 2 products → 5 %, 3 or more → 10 %
    expect([0, 1, 2, 3, 4].map((k) => discountPercent(DEFAULT_PLAN, k))).toEqual([0, 0, 5, 10, 10]);
  });
  it('does not rely on the tiers being listed in order', () => {
    const c = PlanVersion.parse({ ...DEFAULT_PLAN, multiProductDiscounts: [{ minProducts: 3, percent: 12 }, { minProducts: 2, percent: 7 }, { minProducts: 4, percent: 11 }] });
    // 4 products reach all three tiers: the largest percent (12) wins even though its tier is lower
    expect([1, 2, 3, 4].map((k) => discountPercent(c, k))).toEqual([0, 7, 12, 12]);
  });
});

describe('discountAmount', () => {
  it('rounds half up', () => {
    expect(discountAmount(10, 5)).toBe(1); //  10*5/100 = 0.5  → 1
    expect(discountAmount(30, 5)).toBe(2); //  30*5/100 = 1.5  → 2
    expect(discountAmount(29, 5)).toBe(1); //  29*5/100 = 1.45 → 1
    expect(discountAmount(2574, 5)).toBe(129); // 128.7 → 129
    expect(discountAmount(5152, 10)).toBe(515); // 515.2 → 515
    expect(discountAmount(1234, 0)).toBe(0);
  });
  it('never exceeds the subtotal and is never negative', () => {
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat()), fc.integer({ min: 0, max: 100 }), (s, p) => {
      const d = discountAmount(s, p);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(s);
      // within half a minor unit of the exact value: |100d - s*p| <= 50
      expect(Math.abs(Number(BigInt(d) * 100n - BigInt(s) * BigInt(p)))).toBeLessThanOrEqual(50);
    }));
  });
  it('refuses a negative sum or an impossible percent', () => {
    expect(() => discountAmount(-1, 5)).toThrow();
    expect(() => discountAmount(100, 101)).toThrow();
    expect(() => discountAmount(100, 2.5)).toThrow();
  });
});
