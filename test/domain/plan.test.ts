/**
 * Plans as data (shared/domain/plan.ts): the version schema, the default plan, which version and
 * which plan are in force on a day, and the succession rule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/billing-days';
import { DEFAULT_PLAN, defaultPlanIn } from '../../shared/domain/default-plan';
import { ValidationFailed } from '../../shared/domain/errors';
import { checkSuccession, NewVersion, planOn, PlanVersion, productOf, versionOn, type VersionRef } from '../../shared/domain/plan';

/** A plain, mutable deep copy of the default version to break in one place. */
function copy(): Record<string, unknown> & { products: Record<string, unknown>[]; tariff: { calls: Record<string, unknown>[]; sms: Record<string, unknown>[] }; numbers: Record<string, unknown> } {
  return structuredClone(DEFAULT_PLAN) as never;
}

const day = fc.integer({ min: 0, max: 4000 }).map((n) => addDays('2020-01-01', n));

describe('the default plan', () => {
  it('is version 1 of standard, from 2000-01-01, in the documented shape', () => {
    expect(PlanVersion.parse(DEFAULT_PLAN)).toEqual(DEFAULT_PLAN);
    expect(DEFAULT_PLAN).toMatchObject({ planId: 'standard', version: 1, effectiveFrom: '2000-01-01', currency: 'UAH' });
    expect(DEFAULT_PLAN.products.map((p) => p.productId)).toEqual(['telephony', 'calltracking', 'callback', 'analytics']);
    expect(productOf(DEFAULT_PLAN, 'telephony')).toMatchObject({ includedSeats: 3, extraSeatMonthlyPrice: 9_900, included: ['3 seats', 'the app for calls and CRM'] });
    expect(productOf(DEFAULT_PLAN, 'analytics')).toMatchObject({ includedSessions: 7000, extraSessionsBlock: 1000, extraSessionsBlockMonthlyPrice: 4_900 });
    expect(DEFAULT_PLAN.numbers).toEqual({ local: 15_000, mobile: 20_000, tollfree: 50_000 });
  });

  it('covers the Ukrainian operators, Kyiv, the 380 fallback and international prefixes, each once', () => {
    const calls = new Set(DEFAULT_PLAN.tariff.calls.map((r) => r.prefix));
    for (const p of ['380', '38044', '38050', '38066', '38095', '38099', '38067', '38068', '38096', '38097', '38098', '38063', '38073', '38093', '1', '44', '48', '49']) expect(calls.has(p), p).toBe(true);
    expect(calls.size).toBe(DEFAULT_PLAN.tariff.calls.length);
    expect([...new Set(DEFAULT_PLAN.tariff.calls.map((r) => `${r.initialSec}/${r.incrementSec}`))].sort()).toEqual(['1/1', '30/6', '60/60']);
  });

  it('is frozen, and relabelled for another deployment currency with the same prices', () => {
    expect(() => { (DEFAULT_PLAN.products[0] as { monthlyPrice: number }).monthlyPrice = 1; }).toThrow(TypeError);
    const usd = defaultPlanIn('USD');
    expect({ ...usd, currency: 'UAH' }).toEqual(DEFAULT_PLAN);
    expect(defaultPlanIn('UAH')).toBe(DEFAULT_PLAN);
    expect(() => defaultPlanIn('usd')).toThrow(ValidationFailed);
  });
});

describe('the version schema', () => {
  it('takes any product, flat, seat-priced, session-priced or both, under any slug', () => {
    const c = copy();
    c.products.push({ productId: 'speech-analytics', name: 'Speech analytics', monthlyPrice: 19_900, includedSeats: 1, extraSeatMonthlyPrice: 5_000, includedSessions: 100, extraSessionsBlock: 50, extraSessionsBlockMonthlyPrice: 1_000, included: ['100 transcribed calls'] });
    c.numbers.international = 99_900;
    expect(PlanVersion.safeParse(c).success).toBe(true);
  });

  it('refuses what docs/api.md refuses', () => {
    const broken: [string, (c: ReturnType<typeof copy>) => void][] = [
      ['a negative price', (c) => { c.products[0]!.monthlyPrice = -1; }],
      ['a float price', (c) => { c.numbers.local = 150.5; }],
      ['an unknown field', (c) => { c.products[1]!.vat = 20; }],
      ['a productId with capitals', (c) => { c.products[1]!.productId = 'CallTracking'; }],
      ['a number type with a space', (c) => { c.numbers['toll free'] = 1; }],
      ['half of the seat pricing', (c) => { delete c.products[0]!.extraSeatMonthlyPrice; }],
      ['two thirds of the session pricing', (c) => { delete c.products[3]!.extraSessionsBlock; }],
      ['a product listed twice', (c) => { c.products.push({ ...c.products[1]! }); }],
      ['a prefix listed twice', (c) => { c.tariff.calls.push({ ...c.tariff.calls[0]! }); }],
      ['more than 20 included lines', (c) => { c.products[2]!.included = Array.from({ length: 21 }, (_, i) => `thing ${i}`); }],
      ['more than 50 products', (c) => { c.products = Array.from({ length: 51 }, (_, i) => ({ productId: `p${i}`, name: `P${i}`, monthlyPrice: 1 })); }],
      ['a non-digit prefix', (c) => { c.tariff.calls[0]!.prefix = '+380'; }],
      ['no products', (c) => { c.products = []; }],
    ];
    for (const [what, breakIt] of broken) {
      const c = copy();
      breakIt(c);
      expect(PlanVersion.safeParse(c).success, what).toBe(false);
    }
    expect(PlanVersion.safeParse(copy()).success).toBe(true);
  });

  it('takes 50,000 call and 20,000 SMS prefixes and no more', () => {
    const calls = (n: number) => Array.from({ length: n }, (_, i) => ({ prefix: String(10_000_000 + i), perMinute: 100, connectFee: 0, initialSec: 1, incrementSec: 1 }));
    const sms = (n: number) => Array.from({ length: n }, (_, i) => ({ prefix: String(10_000_000 + i), perSegment: 100 }));
    const body = (c: number, s: number) => ({ ...copy(), planId: undefined, version: undefined, name: undefined, currency: undefined, effectiveFrom: '2030-01-01', tariff: { calls: calls(c), sms: sms(s) } });
    const strip = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
    expect(NewVersion.safeParse(strip(body(50_000, 20_000))).success).toBe(true);
    expect(NewVersion.safeParse(strip(body(50_001, 1))).success).toBe(false);
    expect(NewVersion.safeParse(strip(body(1, 20_001))).success).toBe(false);
  });
});

describe('which version is in force', () => {
  const versions: VersionRef[] = [
    { version: 1, effectiveFrom: '2000-01-01' },
    { version: 3, effectiveFrom: '2027-03-01' },
    { version: 2, effectiveFrom: '2027-01-01' },
    { version: 4, effectiveFrom: '2027-02-01', deleted: true },
  ];

  it('is the latest one starting on or before the day, whatever order they were made in', () => {
    expect(versionOn(versions, '2026-12-31')?.version).toBe(1);
    expect(versionOn(versions, '2027-01-01')?.version).toBe(2);
    expect(versionOn(versions, '2027-02-15')?.version).toBe(2); // 4 was withdrawn
    expect(versionOn(versions, '2027-03-01')?.version).toBe(3);
    expect(versionOn(versions, '1999-12-31')).toBeUndefined();
  });

  it('for any versions and any day: in force from its first day, and never before it', () => {
    fc.assert(fc.property(fc.uniqueArray(day, { minLength: 1, maxLength: 6 }), day, (starts, d) => {
      const refs = starts.map((effectiveFrom, i) => ({ version: i + 1, effectiveFrom }));
      const chosen = versionOn(refs, d);
      const started = refs.filter((r) => r.effectiveFrom <= d);
      if (started.length === 0) { expect(chosen).toBeUndefined(); return; }
      expect(chosen!.effectiveFrom <= d).toBe(true);
      // No other version started later than the chosen one and still on or before the day.
      expect(started.every((r) => r.effectiveFrom <= chosen!.effectiveFrom)).toBe(true);
    }));
  });
});

describe('which plan a project is on', () => {
  it('is the latest move on or before the day; the later-written wins on the same day', () => {
    const plans = [{ from: '2026-01-01', planId: 'standard', seq: 1 }, { from: '2026-02-01', planId: 'offer', seq: 2 }, { from: '2026-02-01', planId: 'vip', seq: 3 }];
    expect(planOn(plans, '2026-01-31')).toBe('standard');
    expect(planOn(plans, '2026-02-01')).toBe('vip');
    expect(planOn(plans, '2025-12-01')).toBe('standard'); // before any: the first
  });

  it('a move takes effect on its day and never earlier', () => {
    fc.assert(fc.property(day, day, (move, d) => {
      const plans = [{ from: '2020-01-01', planId: 'a', seq: 1 }, { from: move, planId: 'b', seq: 2 }];
      expect(planOn(plans, d)).toBe(d >= move ? 'b' : 'a');
    }));
  });
});

describe('the succession rule', () => {
  const v = (version: number, products: string[], numbers: string[]) => ({
    version,
    products: products.map((productId) => ({ productId, name: productId, monthlyPrice: 1 })),
    numbers: Object.fromEntries(numbers.map((t) => [t, 1])),
  });

  it('refuses a version that drops a product or number type of the one before it', () => {
    expect(() => checkSuccession(v(1, ['a', 'b'], ['local']), v(2, ['a'], ['local']))).toThrow(/product b of version 1 is missing/);
    expect(() => checkSuccession(v(1, ['a'], ['local', 'mobile']), v(2, ['a'], ['local']))).toThrow(/number type mobile/);
    expect(() => checkSuccession(v(1, ['a'], ['local']), v(2, ['a', 'c'], ['local', 'mobile']))).not.toThrow();
  });

  it('refuses one slipped before a version that would then drop what it adds', () => {
    expect(() => checkSuccession(v(1, ['a'], ['local']), v(3, ['a', 'x'], ['local']), v(2, ['a'], ['local']))).toThrow(/product x is not in version 2/);
    expect(() => checkSuccession(undefined, v(3, ['a'], ['local']), v(2, ['a', 'b'], ['local']))).not.toThrow();
  });
});

describe('vatPercent (issue 21)', () => {
  it('is optional, a whole percent from 0 to 50; standard includes 20', () => {
    expect(DEFAULT_PLAN.vatPercent).toBe(20);
    expect(PlanVersion.safeParse({ ...DEFAULT_PLAN, vatPercent: 0 }).success).toBe(true);
    expect(PlanVersion.safeParse({ ...DEFAULT_PLAN, vatPercent: 50 }).success).toBe(true);
    expect(PlanVersion.safeParse({ ...DEFAULT_PLAN, vatPercent: 51 }).success).toBe(false);
    expect(PlanVersion.safeParse({ ...DEFAULT_PLAN, vatPercent: -1 }).success).toBe(false);
    expect(PlanVersion.safeParse({ ...DEFAULT_PLAN, vatPercent: 7.5 }).success).toBe(false);
    const { vatPercent: _v, ...without } = DEFAULT_PLAN;
    expect(PlanVersion.safeParse(without).success).toBe(true);
  });
});
