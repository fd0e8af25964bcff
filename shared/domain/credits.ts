/**
 * Credit grants (docs/api.md "Credits, corrections and top-ups"): promotional or goodwill credit that
 * pays for charges of its days and leaves the balance when it expires or is voided.
 *
 * The active grants live inside the project item (at most MAX_ACTIVE_GRANTS), so the one transaction
 * that moves the balance also moves what each grant has left: a retried, duplicated or crashed charge
 * can never draw twice or lose a draw. This module is the pure part: which grants may pay for a day,
 * in which order, and how much each pays.
 */
import * as z from 'zod';
import type { BillingDay } from './billing-days';
import { Money, PositiveMoney } from './money';
import { displayText } from './text';
import { Day, Id } from './values';

export const MAX_ACTIVE_GRANTS = 50;

export const GrantStatus = z.enum(['active', 'used', 'expired', 'voided']);
export type GrantStatus = z.infer<typeof GrantStatus>;

export const Grant = z.object({
  grantId: z.string(),
  amount: PositiveMoney,
  remaining: Money,
  effectiveOn: Day,
  expiresOn: Day.nullable(),
  description: z.string(),
  status: GrantStatus,
}).meta({ id: 'Grant' });
export type Grant = z.infer<typeof Grant>;

export const GrantInput = z.strictObject({
  grantId: Id,
  amount: PositiveMoney,
  effectiveOn: Day.optional(),
  expiresOn: Day.optional(),
  description: displayText(500),
});
export type GrantInput = z.infer<typeof GrantInput>;

/** A grant that still pays, as kept in the project item. */
export interface ActiveGrant {
  grantId: string;
  amount: Money;
  remaining: Money;
  effectiveOn: BillingDay;
  expiresOn: BillingDay | null;
  description: string;
  /** Grant order among the project's grants: "then the one granted first". */
  seq: number;
}

/** True when `g` may pay for a charge of `day` (its days: effectiveOn through expiresOn). */
export function paysFor(g: Pick<ActiveGrant, 'effectiveOn' | 'expiresOn'>, day: BillingDay): boolean {
  return g.effectiveOn <= day && (g.expiresOn === null || day <= g.expiresOn);
}

/** The order of drawing: the grant that expires first, open-ended grants last, then the one granted first. */
export function drawOrder(a: Pick<ActiveGrant, 'expiresOn' | 'seq'>, b: Pick<ActiveGrant, 'expiresOn' | 'seq'>): number {
  if (a.expiresOn !== b.expiresOn) {
    if (a.expiresOn === null) return 1;
    if (b.expiresOn === null) return -1;
    return a.expiresOn < b.expiresOn ? -1 : 1;
  }
  return a.seq - b.seq;
}

export interface Drawn {
  /** The active grants after the draw, in draw order; a grant drawn to 0 is left out (it is `used`). */
  grants: ActiveGrant[];
  /** What each grant paid, in draw order. */
  draws: Map<string, Money>;
  /** Σ draws: the part of the charge the grants paid. */
  total: Money;
}

/**
 * Pays `cost` (>= 0) of a charge of `day` from `grants`, in draw order, each at most what it has left;
 * the rest is paid money. Grants that may not pay for `day` are left as they are. `countedOn`, for a
 * usage event counted on a later day than its own (its day was closed), must be one of the grant's
 * days too: what a grant pays is recorded on the day the charge is counted on, never outside its days.
 */
export function drawCharge(grants: readonly ActiveGrant[], cost: Money, day: BillingDay, countedOn: BillingDay = day): Drawn {
  const ordered = [...grants].sort(drawOrder);
  const draws = new Map<string, Money>();
  let rest = cost > 0 ? cost : 0;
  const out: ActiveGrant[] = [];
  for (const g of ordered) {
    if (rest > 0 && g.remaining > 0 && paysFor(g, day) && (countedOn === day || paysFor(g, countedOn))) {
      const take = Math.min(g.remaining, rest);
      rest -= take;
      draws.set(g.grantId, take);
      if (g.remaining - take > 0) out.push({ ...g, remaining: g.remaining - take });
      continue;
    }
    out.push(g);
  }
  return { grants: out, draws, total: Math.max(cost, 0) - rest };
}

/** What grants paid, per billing day, per grant. */
export type DrawsByDay = Map<BillingDay, Map<string, Money>>;

/** Adds `draws` made for charges counted on `day` into `into`. */
export function addDraws(into: DrawsByDay, day: BillingDay, draws: ReadonlyMap<string, Money>): void {
  if (draws.size === 0) return;
  const m = into.get(day) ?? new Map<string, Money>();
  for (const [g, a] of draws) m.set(g, (m.get(g) ?? 0) + a);
  into.set(day, m);
}

/** What the active grants have left: the project's creditBalance. */
export function creditBalanceOf(grants: readonly Pick<ActiveGrant, 'remaining'>[] | undefined): Money {
  let s = 0;
  for (const g of grants ?? []) s += g.remaining;
  return s;
}

/** The grants whose last day is `day` or earlier: they leave the balance once that day is closed. */
export function expiredBy(grants: readonly ActiveGrant[], chargedThrough: BillingDay): ActiveGrant[] {
  return grants.filter((g) => g.expiresOn !== null && g.expiresOn <= chargedThrough);
}
