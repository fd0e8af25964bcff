/** The order of drawing credit grants (docs/api.md "Order of drawing"), as properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/billing-days';
import { creditBalanceOf, drawCharge, drawOrder, expiredBy, paysFor, type ActiveGrant } from '../../shared/domain/credits';

const BASE = '2026-03-01';
const day = fc.integer({ min: 0, max: 40 }).map((n) => addDays(BASE, n));

const grantsArb = fc.array(fc.record({
  amount: fc.integer({ min: 1, max: 10_000 }),
  used: fc.integer({ min: 0, max: 100 }),
  from: fc.integer({ min: 0, max: 30 }),
  len: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
}), { maxLength: 8 }).map((rows) => rows.map((r, i): ActiveGrant => ({
  grantId: `g${i}`,
  amount: r.amount,
  remaining: Math.max(1, r.amount - Math.floor((r.amount * r.used) / 100)),
  effectiveOn: addDays(BASE, r.from),
  expiresOn: r.len === null ? null : addDays(BASE, r.from + r.len),
  description: '',
  seq: i + 1,
})));

describe('drawCharge', () => {
  it('pays min(cost, what the grants of the day have) and the rest stays paid money; nothing is made or lost', () => {
    fc.assert(fc.property(grantsArb, fc.integer({ min: 0, max: 50_000 }), day, (grants, cost, d) => {
      const out = drawCharge(grants, cost, d);
      const eligible = grants.filter((g) => paysFor(g, d)).reduce((s, g) => s + g.remaining, 0);
      expect(out.total).toBe(Math.min(cost, eligible));
      expect([...out.draws.values()].reduce((s, a) => s + a, 0)).toBe(out.total);
      expect(creditBalanceOf(grants) - creditBalanceOf(out.grants)).toBe(out.total);
      for (const g of out.grants) expect(g.remaining).toBeGreaterThan(0);
    }));
  });

  it('draws only from grants whose days hold the charge, never more than a grant has', () => {
    fc.assert(fc.property(grantsArb, fc.integer({ min: 0, max: 50_000 }), day, (grants, cost, d) => {
      const out = drawCharge(grants, cost, d);
      const byId = new Map(grants.map((g) => [g.grantId, g]));
      for (const [id, amount] of out.draws) {
        const g = byId.get(id)!;
        expect(paysFor(g, d)).toBe(true);
        expect(amount).toBeGreaterThan(0);
        expect(amount).toBeLessThanOrEqual(g.remaining);
      }
    }));
  });

  it('takes from a grant only once every grant before it in the order (that may pay) is empty', () => {
    fc.assert(fc.property(grantsArb, fc.integer({ min: 0, max: 50_000 }), day, (grants, cost, d) => {
      const out = drawCharge(grants, cost, d);
      const eligible = grants.filter((g) => paysFor(g, d)).sort(drawOrder);
      let exhausted = true;
      for (const g of eligible) {
        const took = out.draws.get(g.grantId) ?? 0;
        if (took > 0) expect(exhausted).toBe(true);
        exhausted = took === g.remaining;
      }
    }));
  });

  it('is the same drawn whole or in any split of the charge (sums, never order of arrival)', () => {
    fc.assert(fc.property(grantsArb, fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 10 }), day, (grants, parts, d) => {
      const whole = drawCharge(grants, parts.reduce((s, p) => s + p, 0), d);
      let left = grants;
      const took = new Map<string, number>();
      for (const p of parts) {
        const step = drawCharge(left, p, d);
        left = step.grants;
        for (const [id, a] of step.draws) took.set(id, (took.get(id) ?? 0) + a);
      }
      expect(took).toEqual(whole.draws);
      expect(creditBalanceOf(left)).toBe(creditBalanceOf(whole.grants));
    }));
  });
});

describe('drawOrder', () => {
  it('soonest expiry first, open-ended last, then the one granted first', () => {
    const g = (grantId: string, expiresOn: string | null, seq: number): ActiveGrant => ({ grantId, amount: 100, remaining: 100, effectiveOn: BASE, expiresOn, description: '', seq });
    const sorted = [g('open1', null, 1), g('late', '2026-03-20', 2), g('soon-b', '2026-03-05', 4), g('soon-a', '2026-03-05', 3), g('open0', null, 0)].sort(drawOrder);
    expect(sorted.map((x) => x.grantId)).toEqual(['soon-a', 'soon-b', 'late', 'open0', 'open1']);
    const out = drawCharge(sorted, 250, '2026-03-04');
    expect([...out.draws]).toEqual([['soon-a', 100], ['soon-b', 100], ['late', 50]]);
  });

  it('a grant does not pay before effectiveOn or after expiresOn; expiredBy names the grants whose last day is closed', () => {
    const g: ActiveGrant = { grantId: 'g', amount: 100, remaining: 100, effectiveOn: '2026-03-05', expiresOn: '2026-03-07', description: '', seq: 1 };
    expect(drawCharge([g], 10, '2026-03-04').total).toBe(0);
    expect(drawCharge([g], 10, '2026-03-08').total).toBe(0);
    expect(drawCharge([g], 10, '2026-03-07').total).toBe(10);
    expect(expiredBy([g], '2026-03-06')).toEqual([]);
    expect(expiredBy([g], '2026-03-07')).toEqual([g]);
  });
});
