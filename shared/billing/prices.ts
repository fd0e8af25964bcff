/**
 * The prices of a day: the version in force on it of a plan, read from the Plans table and kept per
 * warm function, so rating an event or charging a day does not read the table each time.
 *
 * What is cached, and why it stays right:
 * - versions, by plan and number, and tariffs (with their rating index, domain/rating.ts raterFor),
 *   by content: both are never edited, so they never go stale;
 * - a plan's list of versions, with the billing day it was read on. It answers only for days up to
 *   that day: a version published later is in force from a later day (a plan anybody is on refuses
 *   one for a begun day), and one deleted later was in force from a later day too, so up to the day
 *   it was read the list is what it was. A later day (past midnight, or the forecast's future) reads
 *   the list again. A plan nobody is on yet may still get a version for any day: it is not cached.
 */
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import { NotFound } from '../domain/errors';
import { planOn, versionOn, type PlanAssignment, type PlanVersion, type Tariff } from '../domain/plan';
import { raterFor, type Rater } from '../domain/rating';
import type { StoreContext } from '../store/context';
import { findPlan, readTariff, readVersionItem, type PlanItem } from '../store/plans';

interface CachedPlan { plan: PlanItem; readOn: BillingDay }

const plans = new Map<string, CachedPlan>();
const versions = new Map<string, Promise<PlanVersion>>();
const tariffs = new Map<string, Promise<Tariff>>();
/** Versions and tariffs kept at most: a warm function rarely needs more than the few plans in use. */
const MAX_KEPT = 64;

function keep<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MAX_KEPT) map.delete(map.keys().next().value as K);
  map.set(key, value);
  return value;
}

/** Forgets everything cached (tests that rewrite the tables under the same names). */
export function forgetPrices(): void {
  plans.clear();
  versions.clear();
  tariffs.clear();
}

/** The plan item, from the cache when it may answer for `day`. NotFound when there is no such plan. */
export async function planFor(ctx: StoreContext, planId: string, day: BillingDay): Promise<PlanItem> {
  // Keyed by table too: one process may serve several deployments' tables (the tests, the bench).
  const key = `${ctx.tables.plans}|${planId}`;
  const cached = plans.get(key);
  if (cached && day <= cached.readOn) return cached.plan;
  const readOn = billingDayOf(ctx.now(), ctx.zone);
  const plan = await findPlan(ctx, planId);
  if (!plan) throw new NotFound(`plan ${planId}`);
  if (plan.used) keep(plans, key, { plan, readOn });
  return plan;
}

/** Version `version` of `planId`, whole (tariff included). */
export function versionOf(ctx: StoreContext, planId: string, version: number): Promise<PlanVersion> {
  const key = `${ctx.tables.plans}|${planId}@${version}`;
  const hit = versions.get(key);
  if (hit) return hit;
  const loading = (async () => {
    const item = await readVersionItem(ctx, planId, version);
    if (!item) throw new NotFound(`version ${version} of plan ${planId}`);
    const { tariffId, tariffParts } = item;
    let tariff = tariffs.get(tariffId);
    if (!tariff) {
      // Content-addressed: the same id is the same deck whichever table it was read from.
      tariff = keep(tariffs, tariffId, readTariff(ctx, tariffId, tariffParts));
      tariff.catch(() => tariffs.delete(tariffId));
    }
    // In the order of the version's shape, whatever order the item's attributes came back in.
    return {
      planId: item.planId, name: item.name, version: item.version, effectiveFrom: item.effectiveFrom, currency: item.currency,
      products: item.products, numbers: item.numbers, multiProductDiscounts: item.multiProductDiscounts, tariff: await tariff,
      // A version stored before VAT was kept includes none.
      vatPercent: item.vatPercent ?? 0,
    };
  })();
  loading.catch(() => versions.delete(key));
  return keep(versions, key, loading);
}

/** The version of `planId` in force on `day`. */
export async function pricesOf(ctx: StoreContext, planId: string, day: BillingDay): Promise<PlanVersion> {
  const plan = await planFor(ctx, planId, day);
  const ref = versionOn(plan.versions, day);
  if (!ref) throw new NotFound(`a version of plan ${planId} in force on ${day}`);
  return versionOf(ctx, planId, ref.version);
}

/** The prices of `day` for a project on `plans` (its plan assignments). */
export function projectPricesOn(ctx: StoreContext, plans: readonly PlanAssignment[], day: BillingDay): Promise<PlanVersion> {
  return pricesOf(ctx, planOn(plans, day), day);
}

/** The rater of a day's prices: the tariff indexed once per warm function. */
export async function raterOn(ctx: StoreContext, plans: readonly PlanAssignment[], day: BillingDay): Promise<Rater> {
  return raterFor((await projectPricesOn(ctx, plans, day)).tariff);
}

/**
 * The prices of every day from `from` to `to` for a project on `assignments`, read up front so the
 * domain can price a range of days without I/O (the forecast, the products page's upcoming changes):
 * a lookup, and the days on which the prices change after `from` (a plan move, a new version).
 */
export async function priceSchedule(ctx: StoreContext, assignments: readonly PlanAssignment[], from: BillingDay, to: BillingDay): Promise<{ pricesOn: (day: BillingDay) => PlanVersion; changes: { from: BillingDay; version: PlanVersion }[] }> {
  const starts = new Set<BillingDay>([from]);
  for (const a of assignments) if (a.from > from && a.from <= to) starts.add(a.from);
  const planIds = new Set([...starts].map((d) => planOn(assignments, d)));
  for (const planId of planIds) {
    const plan = await planFor(ctx, planId, to);
    for (const v of plan.versions) if (!v.deleted && v.effectiveFrom > from && v.effectiveFrom <= to) starts.add(v.effectiveFrom);
  }
  const schedule: { from: BillingDay; version: PlanVersion }[] = [];
  for (const day of [...starts].sort()) {
    const version = await projectPricesOn(ctx, assignments, day);
    const last = schedule[schedule.length - 1];
    if (!last || last.version !== version) schedule.push({ from: day, version });
  }
  const pricesOn = (day: BillingDay): PlanVersion => {
    let found = schedule[0]!;
    for (const s of schedule) if (s.from <= day) found = s;
    return found.version;
  };
  return { pricesOn, changes: schedule.slice(1) };
}
