/**
 * Names are data (issue 19 §1): a name the language provides is never found in a price list, and the
 * id schemas refuse it, so no stored record can carry one as a key.
 */
import { describe, expect, it } from 'vitest';
import { numberPrice } from '../../shared/domain/charge-day';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { isLanguageName, ownValue } from '../../shared/domain/names';
import { NumberType, numberPriceOf, PlanId, ProductId } from '../../shared/domain/plan';
import { quote } from '../../shared/domain/quote';
import { seatsOf } from '../../shared/domain/timeline-snapshot';
import { Currency } from '../../shared/domain/values';

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('names of Object.prototype', () => {
  it('are refused as product ids, plan ids and number types', () => {
    for (const n of NAMES) {
      expect(isLanguageName(n)).toBe(true);
      for (const schema of [ProductId, PlanId, NumberType]) expect(schema.safeParse(n).success, `${n}`).toBe(false);
    }
    expect(NumberType.safeParse('local').success).toBe(true);
  });

  it('are never found in a price list: no price, a 409 number_type_unpriced, never a function', () => {
    for (const n of NAMES) {
      expect(numberPriceOf(DEFAULT_PLAN, n)).toBeUndefined();
      expect(() => numberPrice(DEFAULT_PLAN, n)).toThrow(expect.objectContaining({ code: 'number_type_unpriced' }));
      expect(ownValue({ a: 1 } as Record<string, number>, n)).toBeUndefined();
    }
    expect(numberPriceOf(DEFAULT_PLAN, 'local')).toBe(DEFAULT_PLAN.numbers.local);
  });

  it('are unknown number types to a quote (400), and unknown seats to a snapshot', () => {
    expect(() => quote(DEFAULT_PLAN, { products: ['telephony'], numbers: { constructor: 1 } })).toThrow(/no constructor numbers/);
    expect(seatsOf({ products: {}, numbers: {} }, 'constructor', () => 7)).toBe(7);
  });
});

describe('currency', () => {
  it('is an ISO 4217 code the runtime knows: UAH, EUR yes; ZZZ, XXX no', () => {
    expect(Currency.safeParse('UAH').success).toBe(true);
    expect(Currency.safeParse('EUR').success).toBe(true);
    expect(Currency.safeParse('ZZZ').success).toBe(false);
    expect(Currency.safeParse('XXX').success).toBe(false);
  });
});
