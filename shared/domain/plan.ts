/**
 * Prices as data (docs/api.md "Plans and versions"). A plan is a named price list; a version of
 * it is in force from its `effectiveFrom` billing day until the next version's. A version holds the
 * products (an open list: any product may be flat, priced by seats, by sessions, or both), the
 * monthly price of each number type (an open map), the multi-product discounts and the telecom tariff.
 * Everything about billing day D is priced by the version in force on D of the plan the project is on
 * during D. Nothing in the code branches on a product's id.
 */
import * as z from 'zod';
import type { BillingDay } from './billing-days';
import { ValidationFailed } from './errors';
import { hasOwnName, isLanguageName } from './names';
import { displayText } from './text';
import { Currency, Day } from './values';

const money = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const prefix = z.string().regex(/^\d{1,15}$/, 'a prefix is 1 to 15 digits');

/** Plans, products and number types are named by slugs: stable across versions, safe in keys and paths. */
const notLanguageName = (name: string): boolean => !isLanguageName(name);
const LANGUAGE_NAME = 'a name the language provides on every object (constructor, valueOf...) is not an id';
export const ProductId = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a lowercase letter, then up to 39 lowercase letters, digits, _ or -').refine(notLanguageName, LANGUAGE_NAME);
export type ProductId = z.infer<typeof ProductId>;
export const PlanId = ProductId;
export const NumberType = z.string().regex(/^[a-z][a-z0-9_-]{0,19}$/, 'a lowercase letter, then up to 19 lowercase letters, digits, _ or -').refine(notLanguageName, LANGUAGE_NAME);
export type NumberType = z.infer<typeof NumberType>;

export const MAX_PRODUCTS = 50;
/** Number types a version prices at most: a day's number lines grouped by type always fit one write. */
export const MAX_NUMBER_TYPES = 20;
export const MAX_CALL_PREFIXES = 50_000;
export const MAX_SMS_PREFIXES = 20_000;

export const CallRate = z.strictObject({
  prefix,
  perMinute: money,
  connectFee: money,
  initialSec: z.number().int().positive().max(3600),
  incrementSec: z.number().int().positive().max(3600),
});
export type CallRate = z.infer<typeof CallRate>;

export const SmsRate = z.strictObject({ prefix, perSegment: money });
export type SmsRate = z.infer<typeof SmsRate>;

function uniquePrefixes(rates: readonly { prefix: string }[], ctx: z.RefinementCtx, what: string): void {
  const seen = new Set<string>();
  for (let i = 0; i < rates.length; i++) {
    const p = rates[i]!.prefix;
    if (seen.has(p)) ctx.addIssue({ code: 'custom', path: [what, i, 'prefix'], message: `prefix ${p} is listed twice` });
    seen.add(p);
  }
}

export const Tariff = z.strictObject({
  calls: z.array(CallRate).min(1).max(MAX_CALL_PREFIXES),
  sms: z.array(SmsRate).min(1).max(MAX_SMS_PREFIXES),
}).superRefine((t, ctx) => {
  uniquePrefixes(t.calls, ctx, 'calls');
  uniquePrefixes(t.sms, ctx, 'sms');
});
export type Tariff = z.infer<typeof Tariff>;

export const Product = z.strictObject({
  productId: ProductId,
  name: displayText(200),
  monthlyPrice: money,
  /** What the price includes, in words, shown as it is on the products page. */
  included: z.array(displayText(200)).max(20).optional(),
  /** false: can no longer be switched on; where it is on, it keeps being charged. */
  available: z.boolean().optional(),
  includedSeats: z.number().int().min(0).max(1_000_000).optional(),
  extraSeatMonthlyPrice: money.optional(),
  includedSessions: z.number().int().min(0).max(1_000_000_000).optional(),
  extraSessionsBlock: z.number().int().positive().max(1_000_000_000).optional(),
  extraSessionsBlockMonthlyPrice: money.optional(),
}).superRefine((p, ctx) => {
  const seats = [p.includedSeats, p.extraSeatMonthlyPrice].filter((v) => v !== undefined).length;
  if (seats === 1) ctx.addIssue({ code: 'custom', path: ['includedSeats'], message: 'a seat-priced product has both includedSeats and extraSeatMonthlyPrice' });
  const sessions = [p.includedSessions, p.extraSessionsBlock, p.extraSessionsBlockMonthlyPrice].filter((v) => v !== undefined).length;
  if (sessions > 0 && sessions < 3) {
    ctx.addIssue({ code: 'custom', path: ['includedSessions'], message: 'a session-priced product has includedSessions, extraSessionsBlock and extraSessionsBlockMonthlyPrice' });
  }
}).meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

const Discount = z.strictObject({ minProducts: z.number().int().min(1).max(MAX_PRODUCTS), percent: z.number().int().min(0).max(100) });

/** What every version carries, whichever way it arrives. */
const PriceListFields = {
  products: z.array(Product).min(1).max(MAX_PRODUCTS),
  numbers: z.record(NumberType, money).refine((n) => Object.keys(n).length <= MAX_NUMBER_TYPES, `at most ${MAX_NUMBER_TYPES} number types`),
  multiProductDiscounts: z.array(Discount).max(MAX_PRODUCTS),
  tariff: Tariff,
};

function uniqueProducts(products: readonly Product[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  products.forEach((p, i) => {
    if (seen.has(p.productId)) ctx.addIssue({ code: 'custom', path: ['products', i, 'productId'], message: `product ${p.productId} is listed twice` });
    seen.add(p.productId);
  });
}

/** A plan version as stored and shown (docs/api.md "Plans and versions"). */
export const PlanVersion = z.strictObject({
  planId: PlanId,
  name: displayText(200),
  version: z.number().int().positive(),
  effectiveFrom: Day,
  currency: Currency,
  ...PriceListFields,
}).superRefine((v, ctx) => uniqueProducts(v.products, ctx)).meta({ id: 'PlanVersion' });
export type PlanVersion = z.infer<typeof PlanVersion>;

/** `POST /plans`: a new plan and its version 1 (in force from 2000-01-01). */
export const NewPlan = z.strictObject({
  planId: PlanId,
  name: displayText(200),
  currency: Currency,
  ...PriceListFields,
}).superRefine((v, ctx) => uniqueProducts(v.products, ctx));
export type NewPlan = z.infer<typeof NewPlan>;

/** `POST /plans/{planId}/versions`: the next version; `name` and `currency` may be repeated, never changed. */
export const NewVersion = z.strictObject({
  effectiveFrom: Day,
  name: displayText(200).optional(),
  currency: Currency.optional(),
  ...PriceListFields,
}).superRefine((v, ctx) => uniqueProducts(v.products, ctx));
export type NewVersion = z.infer<typeof NewVersion>;

/** The day version 1 of every plan is in force from. */
export const FIRST_DAY: BillingDay = '2000-01-01';

/** A version's place in its plan: what picking the version of a day needs. */
export interface VersionRef {
  version: number;
  effectiveFrom: BillingDay;
  deleted?: boolean;
}

/** The version in force on `day`: the latest `effectiveFrom` on or before it among the versions not deleted. */
export function versionOn(versions: readonly VersionRef[], day: BillingDay): VersionRef | undefined {
  let best: VersionRef | undefined;
  for (const v of versions) {
    if (v.deleted || v.effectiveFrom > day) continue;
    if (!best || v.effectiveFrom > best.effectiveFrom) best = v;
  }
  return best;
}

/** A project's plan from a day on (docs/api.md `PUT /projects/{id}/plan`); `seq` orders two for the same day. */
export interface PlanAssignment {
  from: BillingDay;
  planId: string;
  seq: number;
}

/** The plan a project is on during `day`: the latest assignment from that day or before (the first one before any). */
export function planOn(plans: readonly PlanAssignment[], day: BillingDay): string {
  let best: PlanAssignment | undefined;
  let first: PlanAssignment | undefined;
  for (const p of plans) {
    if (!first || p.from < first.from || (p.from === first.from && p.seq < first.seq)) first = p;
    if (p.from > day) continue;
    if (!best || p.from > best.from || (p.from === best.from && p.seq > best.seq)) best = p;
  }
  const chosen = best ?? first;
  if (!chosen) throw new ValidationFailed('the project is on no plan');
  return chosen.planId;
}

/**
 * The succession rule (docs/api.md "Plans and versions"): a version keeps every productId and number type of the version
 * before it. `before` and `after` are its neighbours in time (either may be absent); a version is
 * refused when it drops what `before` had, or has what `after` then would drop.
 */
export function checkSuccession(before: Pick<PlanVersion, 'products' | 'numbers' | 'version'> | undefined, next: Pick<PlanVersion, 'products' | 'numbers'>, after?: Pick<PlanVersion, 'products' | 'numbers' | 'version'>): void {
  const details: { path: string; message: string }[] = [];
  const products = (v: Pick<PlanVersion, 'products'>) => new Set(v.products.map((p) => p.productId));
  const types = (v: Pick<PlanVersion, 'numbers'>) => new Set(Object.keys(v.numbers));
  if (before) {
    for (const id of products(before)) if (!products(next).has(id)) details.push({ path: 'products', message: `product ${id} of version ${before.version} is missing` });
    for (const t of types(before)) if (!types(next).has(t)) details.push({ path: 'numbers', message: `number type ${t} of version ${before.version} is missing` });
  }
  if (after) {
    for (const id of products(next)) if (!products(after).has(id)) details.push({ path: 'products', message: `product ${id} is not in version ${after.version}, which follows this one` });
    for (const t of types(next)) if (!types(after).has(t)) details.push({ path: 'numbers', message: `number type ${t} is not in version ${after.version}, which follows this one` });
  }
  if (details.length > 0) throw new ValidationFailed(`a version keeps every product and number type of the one before it: ${details.map((d) => d.message).join('; ')}`, details);
}

/** The product `productId` of a version, or undefined. */
export function productOf(version: Pick<PlanVersion, 'products'>, productId: string): Product | undefined {
  return version.products.find((p) => p.productId === productId);
}

/** Seats a product has when switched on without a count: its included seats (0 for a product not priced by seats). */
export function defaultSeatsOf(version: Pick<PlanVersion, 'products'>): (productId: string) => number {
  return (productId) => productOf(version, productId)?.includedSeats ?? 0;
}

export const isSeatPriced = (p: Product): boolean => p.includedSeats !== undefined;
export const isSessionPriced = (p: Product): boolean => p.includedSessions !== undefined;

/** The monthly price of number type `type` in `version`, or undefined (an own key only: names are data). */
export function numberPriceOf(version: Pick<PlanVersion, 'numbers'>, type: string): number | undefined {
  return hasOwnName(version.numbers, type) ? version.numbers[type] : undefined;
}
