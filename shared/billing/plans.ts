/**
 * Prices as data (docs/api.md "Plans and versions"): making a plan, publishing its next version,
 * withdrawing a version not yet in force, reading plans, and the seed of a new deployment.
 *
 * What keeps a charged or begun day from ever being repriced: a version of a plan anybody is (or was)
 * on must start after today; the check is made on the plan item read, and the commit is conditioned
 * on that item's revision and, where the rule was relaxed because nobody was on the plan, on that
 * still being so (putting a project on a plan marks it used in the same transaction).
 */
import { addDays, type BillingDay } from '../domain/billing-days';
import { startOfDay } from '../domain/day-bounds';
import { Conflict, NotFound, ValidationFailed } from '../domain/errors';
import { checkSuccession, FIRST_DAY, planOn, PlanVersion, versionOn, type NewPlan, type NewVersion, type VersionRef } from '../domain/plan';
import { quote, type Quote, type QuoteRequest } from '../domain/quote';
import { defaultPlanIn, STANDARD_PLAN_ID } from '../domain/default-plan';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { keys } from '../store/keys';
import { findPlan, listPlanItems, planPut, planRef, planVersionsUpdate, putTariff, versionItemOf, versionPut, type PlanItem } from '../store/plans';
import type { TransactItem } from '../store/transactions';
import { getProjectItem, plansOf, projectsOnPlan } from '../store/projects';
import { readCurrentTimeline } from '../store/timeline';
import { unpricedFrom } from './unpriced';
import { pricesOf, versionOf } from './prices';

/** A billing day that has begun for someone on the plan cannot get new prices. */
export class DayAlreadyStarted extends Conflict {
  constructor(day: BillingDay, today: BillingDay) {
    super('day_already_started', `${day} has already begun (today is ${today}): new prices can only start on a later day`);
  }
}

export interface PlanSummary {
  planId: string;
  name: string;
  currency: string;
  versions: { version: number; effectiveFrom: BillingDay }[];
}

function summaryOf(plan: PlanItem): PlanSummary {
  return {
    planId: plan.planId, name: plan.name, currency: plan.currency,
    versions: plan.versions.filter((v) => !v.deleted).map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom })).sort((a, b) => a.version - b.version),
  };
}

/** Every plan with the days its versions are in force from (`GET /plans`). */
export async function listPlans(ctx: StoreContext): Promise<{ plans: PlanSummary[] }> {
  return { plans: (await listPlanItems(ctx)).map(summaryOf) };
}

/**
 * The version of `planId` in force on `date` (default today). With `projectId` (a project key asking),
 * only a plan the project is, was or will be on; any other is "not found".
 */
export async function planVersionFor(ctx: StoreContext, planId: string, date?: BillingDay, projectId?: string): Promise<PlanVersion> {
  if (projectId !== undefined && !plansOf(await getProjectItem(ctx, projectId)).some((p) => p.planId === planId)) throw new NotFound(`plan ${planId}`);
  return pricesOf(ctx, planId, date ?? todayOf(ctx));
}

/** `GET /catalog`: the `standard` plan's version on `date`, or, for a project, its own plan's then. */
export async function catalogFor(ctx: StoreContext, projectId: string | undefined, date?: BillingDay): Promise<PlanVersion> {
  const day = date ?? todayOf(ctx);
  const planId = projectId !== undefined ? planOn(plansOf(await getProjectItem(ctx, projectId)), day) : STANDARD_PLAN_ID;
  return pricesOf(ctx, planId, day);
}

/**
 * `POST /quote`: a month at the prices of `planId` in force on `date` (default today). The plan
 * defaults to standard; with `projectId` (a project key asking) to the project's plan on that day,
 * and only a plan the project is, was or will be on may be named: another customer's offer is "not
 * found", as on `GET /plans/{planId}`.
 */
export async function quoteOf(ctx: StoreContext, request: QuoteRequest, projectId?: string): Promise<Quote> {
  const day = request.date ?? todayOf(ctx);
  if (projectId === undefined) return quote(await pricesOf(ctx, request.planId ?? STANDARD_PLAN_ID, day), request);
  const plans = plansOf(await getProjectItem(ctx, projectId));
  const planId = request.planId ?? planOn(plans, day);
  if (!plans.some((p) => p.planId === planId)) throw new NotFound(`plan ${planId}`);
  return quote(await pricesOf(ctx, planId, day), request);
}

/**
 * Writes version `version` of a plan: its tariff's parts first (content-addressed, harmless if the
 * commit then fails), then, in one transaction, the version item and the plan item (new, or its
 * version list with the new one, on the revision read).
 */
async function commitVersion(ctx: StoreContext, version: PlanVersion, plan: (attemptId: string) => Promise<{ planItem: TransactItem; result: PlanVersion } | { done: PlanVersion }>): Promise<PlanVersion> {
  const { tariff, ...rest } = version;
  const stored = await putTariff(ctx, tariff);
  return optimisticCommit(ctx.doc, `publishing a version of plan ${version.planId}`, async ({ attemptId }) => {
    const decided = await plan(attemptId);
    if ('done' in decided) return decided;
    const item = versionItemOf({ ...rest, version: decided.result.version, effectiveFrom: decided.result.effectiveFrom }, stored, nowIso(ctx));
    return {
      items: [decided.planItem, versionPut(ctx, { ...item, attemptId })],
      // The version item carries the round: after a lost answer, finding it says the version is ours.
      receipt: { table: ctx.tables.plans, key: keys.planVersion(version.planId, decided.result.version) },
      result: decided.result,
    };
  });
}

/** `POST /plans`: a new plan, with its version 1 in force from 2000-01-01. */
export async function createPlan(ctx: StoreContext, input: NewPlan): Promise<PlanVersion> {
  const version = PlanVersion.parse({ ...input, version: 1, effectiveFrom: FIRST_DAY, vatPercent: input.vatPercent ?? 0 });
  const refuseExisting = async () => {
    if (await findPlan(ctx, input.planId)) throw new Conflict('plan_exists', `plan ${input.planId} exists already`);
  };
  // Checked before the tariff's parts are written too, so a refused request writes nothing.
  await refuseExisting();
  return commitVersion(ctx, version, async (attemptId) => {
    await refuseExisting();
    const plan: PlanItem = { planId: input.planId, name: input.name, currency: input.currency, createdAt: nowIso(ctx), rev: 1, versions: [{ version: 1, effectiveFrom: FIRST_DAY }], attemptId };
    return { planItem: planPut(ctx, plan), result: version };
  });
}

/** The neighbours in time of a version starting on `day`, among the plan's versions. */
function neighbours(versions: readonly VersionRef[], day: BillingDay): { before?: VersionRef; after?: VersionRef } {
  const live = versions.filter((v) => !v.deleted);
  const before = versionOn(live, addDays(day, -1));
  const after = live.filter((v) => v.effectiveFrom > day).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))[0];
  return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

/**
 * `POST /plans/{planId}/versions`: the next version, in force from `effectiveFrom`. Refused: a plan
 * that does not exist (404), a begun day on a plan somebody is on (409 day_already_started), a day
 * another version already starts on (409), a name or currency other than the plan's, or a version
 * that drops a product or number type of the one before it (400).
 */
export async function publishVersion(ctx: StoreContext, planId: string, input: NewVersion): Promise<PlanVersion> {
  const first = await findPlan(ctx, planId);
  if (!first) throw new NotFound(`plan ${planId}`);
  const details = [
    ...(input.name !== undefined && input.name !== first.name ? [{ path: 'name', message: `the plan is named ${first.name}; a version cannot rename it` }] : []),
    ...(input.currency !== undefined && input.currency !== first.currency ? [{ path: 'currency', message: `the plan is priced in ${first.currency}; a version cannot change it` }] : []),
  ];
  if (details.length > 0) throw new ValidationFailed(details.map((d) => d.message).join('; '), details);
  const { effectiveFrom, name: _name, currency: _currency, ...prices } = input;
  const draft = PlanVersion.parse({ planId, name: first.name, currency: first.currency, version: 1, effectiveFrom, ...prices, vatPercent: prices.vatPercent ?? 0 });
  /** The plan as read, once every rule passed on it. */
  const decide = async (): Promise<PlanItem> => {
    const plan = await findPlan(ctx, planId);
    if (!plan) throw new NotFound(`plan ${planId}`);
    const today = todayOf(ctx);
    if (plan.used && effectiveFrom <= today) throw new DayAlreadyStarted(effectiveFrom, today);
    const taken = plan.versions.find((v) => !v.deleted && v.effectiveFrom === effectiveFrom);
    if (taken) throw new Conflict('version_exists', `version ${taken.version} of plan ${planId} is already in force from ${effectiveFrom}`);
    const { before, after } = neighbours(plan.versions, effectiveFrom);
    checkSuccession(before && (await versionOf(ctx, planId, before.version)), draft, after && (await versionOf(ctx, planId, after.version)));
    return plan;
  };
  // Decided before the tariff's parts are written too, so a refused version writes nothing.
  await decide();
  return commitVersion(ctx, draft, async (attemptId) => {
    const plan = await decide();
    const version = Math.max(...plan.versions.map((v) => v.version)) + 1;
    return {
      planItem: planVersionsUpdate(ctx, plan, [...plan.versions, { version, effectiveFrom }], !plan.used, attemptId),
      result: { ...draft, version },
    };
  });
}

/**
 * A withdrawn version's days fall to the version before it, which may lack a product or number type
 * the withdrawn one added. A project on the plan then that has such a product on (or such a number)
 * dated into those days would have days nobody can price: 409 `plan_lacks_product` /
 * `number_type_unpriced`, naming the project, before anything is written. (A change dated into those
 * days between this read and the commit is not seen; the night reports such a day, never charges it wrongly.)
 */
async function refuseUnpricedAfterWithdrawal(ctx: StoreContext, planId: string, withdrawn: VersionRef, remaining: readonly VersionRef[]): Promise<void> {
  const next = remaining.filter((v) => !v.deleted && v.effectiveFrom > withdrawn.effectiveFrom).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))[0];
  const pricesOn = async (day: BillingDay): Promise<PlanVersion> => {
    const ref = versionOn(remaining, day);
    if (!ref) throw new NotFound(`a version of plan ${planId} on ${day}`);
    return versionOf(ctx, planId, ref.version);
  };
  const today = todayOf(ctx);
  for (const { projectId, plans } of await projectsOnPlan(ctx, planId)) {
    // The spans in which the project is on this plan inside the withdrawn version's days.
    const sorted = [...plans].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.seq - b.seq));
    const read = await readCurrentTimeline(ctx, projectId, today);
    for (let i = 0; i < sorted.length; i++) {
      if (sorted[i]!.planId !== planId) continue;
      const spanEnd = sorted.slice(i + 1).find((p) => p.from > sorted[i]!.from)?.from;
      const from = sorted[i]!.from > withdrawn.effectiveFrom ? sorted[i]!.from : withdrawn.effectiveFrom;
      const until = [spanEnd, next?.effectiveFrom].filter((d): d is BillingDay => d !== undefined).sort()[0];
      if (until !== undefined && until <= from) continue;
      // A later assignment on the same day supersedes this one: only the last of a day counts.
      if (sorted.slice(i + 1).some((p) => p.from === sorted[i]!.from)) continue;
      const missing = await unpricedFrom(ctx, planId, read.timeline, startOfDay(from, ctx.zone), until !== undefined ? startOfDay(until, ctx.zone) : Infinity, pricesOn);
      const first = missing[0];
      if (first) {
        const code = first.kind === 'product' ? 'plan_lacks_product' : 'number_type_unpriced';
        throw new Conflict(code, `project ${projectId} holds ${missing.map((m) => `${m.what} on ${m.day}`).join(', ')}, which version ${withdrawn.version} prices and the version before it does not: switch them off first`);
      }
    }
  }
}

/** `DELETE /plans/{planId}/versions/{version}`: withdraws a version while its first day is still ahead. */
export async function deleteVersion(ctx: StoreContext, planId: string, version: number): Promise<void> {
  await optimisticCommit<undefined>(ctx.doc, `deleting version ${version} of plan ${planId}`, async ({ attemptId }) => {
    const plan = await findPlan(ctx, planId);
    const ref = plan?.versions.find((v) => v.version === version && !v.deleted);
    if (!plan || !ref) throw new NotFound(`version ${version} of plan ${planId}`);
    const today = todayOf(ctx);
    if (ref.effectiveFrom <= today) throw new DayAlreadyStarted(ref.effectiveFrom, today);
    const versions = plan.versions.map((v) => (v.version === version ? { ...v, deleted: true } : v));
    await refuseUnpricedAfterWithdrawal(ctx, planId, ref, versions);
    return { items: [planVersionsUpdate(ctx, plan, versions, false, attemptId)], receipt: planRef(ctx, planId), result: undefined };
  });
}

/**
 * The seed of a new deployment (or twin): version 1 of plan `standard` with the default prices in the
 * deployment's currency, written when there is no plan `standard` yet and never overwritten.
 */
export async function seedStandardPlan(ctx: StoreContext, currency: string): Promise<'created' | 'exists'> {
  if (await findPlan(ctx, STANDARD_PLAN_ID)) return 'exists';
  const seed = defaultPlanIn(currency);
  try {
    await createPlan(ctx, { planId: seed.planId, name: seed.name, currency: seed.currency, products: seed.products, numbers: seed.numbers, multiProductDiscounts: seed.multiProductDiscounts, tariff: seed.tariff, ...(seed.vatPercent !== undefined ? { vatPercent: seed.vatPercent } : {}) });
    return 'created';
  } catch (e) {
    // Another instance seeded it first: theirs stays.
    if (e instanceof Conflict && e.code === 'plan_exists') return 'exists';
    throw e;
  }
}
