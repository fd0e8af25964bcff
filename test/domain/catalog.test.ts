import { describe, expect, it } from 'vitest';
import { Catalog, PRODUCT_IDS, productOf } from '../../shared/domain/catalog';
import { ValidationFailed } from '../../shared/domain/errors';
import { DEFAULT_CATALOG, catalogFor } from '../../shared/domain/default-catalog';

/** A plain, mutable deep copy of the default catalog to break in one place. */
function copy(): Record<string, unknown> & { products: Record<string, unknown>[]; tariff: { calls: Record<string, unknown>[]; sms: Record<string, unknown>[] }; numbers: Record<string, unknown> } {
  return structuredClone(DEFAULT_CATALOG) as never;
}

describe('default catalog', () => {
  it('parses with the operator schema and has the docs/api.md shape', () => {
    expect(Catalog.parse(DEFAULT_CATALOG)).toEqual(DEFAULT_CATALOG);
    expect(DEFAULT_CATALOG.currency).toBe('UAH');
    expect(DEFAULT_CATALOG.products.map((p) => p.productId)).toEqual(PRODUCT_IDS);
    const telephony = productOf(DEFAULT_CATALOG, 'telephony');
    expect(telephony).toMatchObject({ includedSeats: 3 });
    expect(productOf(DEFAULT_CATALOG, 'analytics')).toMatchObject({ includedSessions: 7000, extraSessionsBlock: 1000 });
    expect(DEFAULT_CATALOG.multiProductDiscounts).toEqual([{ minProducts: 2, percent: 5 }, { minProducts: 3, percent: 10 }]);
  });

  it('covers the Ukrainian operators, Kyiv, the 380 fallback and international prefixes', () => {
    const calls = new Set(DEFAULT_CATALOG.tariff.calls.map((r) => r.prefix));
    for (const p of ['380', '38044', '38050', '38066', '38095', '38099', '38067', '38068', '38096', '38097', '38098', '38063', '38073', '38093', '1', '44', '48', '49']) {
      expect(calls.has(p), p).toBe(true);
    }
    expect(calls.size).toBe(DEFAULT_CATALOG.tariff.calls.length); // no repeated prefix
    const sms = new Set(DEFAULT_CATALOG.tariff.sms.map((r) => r.prefix));
    expect(sms.has('380') && sms.has('44')).toBe(true);
    expect(sms.size).toBe(DEFAULT_CATALOG.tariff.sms.length);
    // The billing modes docs/api.md mentions all occur: per minute, per second, 30/6, and a connect fee.
    const modes = new Set(DEFAULT_CATALOG.tariff.calls.map((r) => `${r.initialSec}/${r.incrementSec}`));
    expect([...modes].sort()).toEqual(['1/1', '30/6', '60/60']);
    expect(DEFAULT_CATALOG.tariff.calls.some((r) => r.connectFee > 0)).toBe(true);
  });

  it('is frozen so a handler cannot change prices for the next request', () => {
    expect(() => { (DEFAULT_CATALOG.products[0] as { monthlyPrice: number }).monthlyPrice = 1; }).toThrow(TypeError);
    expect(() => { (DEFAULT_CATALOG.tariff.calls as unknown[]).push({}); }).toThrow(TypeError);
  });

  it('catalogFor relabels the currency and keeps prices and the tariff object', () => {
    const usd = catalogFor('USD');
    expect(usd.currency).toBe('USD');
    expect({ ...usd, currency: 'UAH' }).toEqual(DEFAULT_CATALOG);
    expect(usd.tariff).toBe(DEFAULT_CATALOG.tariff);
    expect(catalogFor('USD')).toBe(usd);
    expect(catalogFor('UAH')).toBe(DEFAULT_CATALOG);
    expect(() => catalogFor('usd')).toThrow(ValidationFailed);
    expect(() => catalogFor('EURO')).toThrow(ValidationFailed);
  });
});

describe('Catalog schema rejects bad catalogs', () => {
  it('a negative price', () => {
    const c = copy();
    c.products[0]!.monthlyPrice = -1;
    expect(Catalog.safeParse(c).success).toBe(false);
  });

  it('a float price', () => {
    const c = copy();
    c.numbers.local = 150.5;
    expect(Catalog.safeParse(c).success).toBe(false);
    const d = copy();
    d.tariff.calls[0]!.perMinute = 1.8;
    expect(Catalog.safeParse(d).success).toBe(false);
  });

  it('an unknown field, at the top or nested', () => {
    expect(Catalog.safeParse({ ...copy(), vat: 20 }).success).toBe(false);
    const c = copy();
    c.tariff.sms[0]!.perMessage = 1;
    expect(Catalog.safeParse(c).success).toBe(false);
  });

  it('a non-digit prefix, a zero increment, a lowercase currency', () => {
    const a = copy(); a.tariff.calls[0]!.prefix = '+380';
    const b = copy(); b.tariff.calls[0]!.incrementSec = 0;
    const c = { ...copy(), currency: 'uah' };
    for (const bad of [a, b, c]) expect(Catalog.safeParse(bad).success).toBe(false);
  });

  it('the copy itself still parses (the breakages above are what fail)', () => {
    expect(Catalog.safeParse(copy()).success).toBe(true);
  });
});
