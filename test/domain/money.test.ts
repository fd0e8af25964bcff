import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ceilDiv, mulDivFloor, mulDivRoundHalfUp, assertMoney } from '../../shared/domain/money';

describe('money', () => {
  it('rounds halves up', () => {
    // 5*1/2 = 2.5 -> 3; 7*1/2 = 3.5 -> 4; 2.49 -> 2
    expect(mulDivRoundHalfUp(5, 1, 2)).toBe(3);
    expect(mulDivRoundHalfUp(7, 1, 2)).toBe(4);
    expect(mulDivRoundHalfUp(249, 1, 100)).toBe(2);
    // -2.5 -> -2 (half towards +infinity)
    expect(mulDivRoundHalfUp(-5, 1, 2)).toBe(-2);
  });
  it('floors negatives toward -infinity', () => {
    expect(mulDivFloor(-7, 1, 2)).toBe(-4);
    expect(ceilDiv(7, 2)).toBe(4);
    expect(ceilDiv(-7, 2)).toBe(-3);
  });
  it('refuses floats and unsafe integers', () => {
    expect(() => assertMoney(1.5)).toThrow(/integer/);
    expect(() => assertMoney(2 ** 53)).toThrow();
    expect(() => mulDivFloor(0.1, 3, 1)).toThrow();
  });
  it('is exact beyond 2^53 in the intermediate product', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 1, max: 10 ** 6 }), fc.integer({ min: 0, max: 10 ** 6 }), (a, b, extra) => {
      const c = b + extra; // quotient stays within the safe range, the product does not
      const exact = (BigInt(a) * BigInt(b)) / BigInt(c);
      expect(mulDivFloor(a, b, c)).toBe(Number(exact));
    }));
  });
});
