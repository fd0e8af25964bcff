/**
 * Changing what a project pays for: switching a product or its seats, renting and releasing a number,
 * moving to another plan, recording a day's analytics sessions. Each change is appended to the
 * project's timeline (never overwritten) in one transaction with the project item (shared/store/
 * timeline.ts says why), at its instant: now, or `effectiveAt` (a support correction; the route allows
 * it to admins only) into a day not yet charged. A change is checked against the prices of its day:
 * the product must be in the plan's version then, and the number type priced. A number change also
 * rewrites the number's holdings in that transaction, so a number has one owner at a time
 * (shared/domain/number-holding.ts). Each change's event (product.changed, number.added/removed,
 * plan.changed) is written in that transaction too.
 */
import { addDays, billingDayOf, type BillingDay } from '../domain/billing-days';
import { startOfDay } from '../domain/day-bounds';
import { Conflict, DomainError, NotFound, ValidationFailed } from '../domain/errors';
import { changeDraft } from '../domain/events';
import { heldSpansFrom, reholdNumber } from '../domain/number-holding';
import { isSeatPriced, numberPriceOf, productOf, type NumberType, type PlanAssignment, type PlanVersion, type ProductId } from '../domain/plan';
import { DayAlreadyCharged, isDayCharged } from '../domain/project';
import { stateAt } from '../domain/timeline';
import { utcIso, withChange, type TimelineRead } from '../domain/timeline-snapshot';
import type { DailySessions, TimelineChange } from '../domain/types';
import { optimisticCommit } from '../store/commit';
import { todayOf, type StoreContext } from '../store/context';
import { findPlan, markPlanUsed } from '../store/plans';
import { eventWrites } from '../store/events';
import { numberHoldingPut, readNumberHolding } from '../store/numbers';
import { getProjectItem, plansOf, timelineRevOf, type ProjectItem } from '../store/projects';
import { changePut, readCurrentTimeline, sessionsPuts, timelineBump } from '../store/timeline';
import type { TransactItem } from '../store/transactions';
import { DayAlreadyStarted } from './plans';
import { CurrencyMismatch } from './projects';
import { projectPricesOn } from './prices';
import { unpricedFrom } from './unpriced';

/** A change as decided, before it gets its instant and order. */
export type ChangeInput =
  | { kind: 'product'; productId: ProductId; enabled: boolean; seats?: number }
  | { kind: 'number'; number: string; numberType: NumberType; held: boolean }
  | { kind: 'plan'; planId: string; effectiveFrom: BillingDay };

/** What a change is decided on. */
export interface ChangeContext {
  project: ProjectItem;
  /** The change's instant (UTC ISO) and its billing day. */
  at: string;
  atMs: number;
  day: BillingDay;
  /** The project's whole current timeline (before this change). */
  read: TimelineRead;
}

/** A decided change, and what else its transaction writes. */
export interface Decided {
  change: ChangeInput;
  /** More items of the same transaction (a plan marked used). */
  items?: TransactItem[];
  /** The project's plan assignments after the change, when it moves the plan. */
  plans?: PlanAssignment[];
}

export interface ChangeAppended {
  project: ProjectItem;
  change: TimelineChange;
  at: string;
  /** The timeline with the change appended. */
  read: TimelineRead;
}

export interface ChangeOptions {
  /** When the change takes effect (ISO 8601); @default now */
  effectiveAt?: string;
  /** The API key id that made it, kept on the change item. */
  by?: string;
}

/**
 * Appends one change. `decide` sees the project and its current timeline and returns the change to
 * write, or throws a DomainError (404/409...) to refuse it. The write is conditioned on the day still
 * being open and on nobody having changed the timeline since the read; if somebody did, the whole
 * decision is taken again on the new timeline (a day charged meanwhile is then refused with 409).
 */
export async function appendChange(ctx: StoreContext, projectId: string, opts: ChangeOptions, decide: (c: ChangeContext) => Promise<ChangeInput | Decided> | ChangeInput | Decided): Promise<ChangeAppended> {
  return optimisticCommit(ctx.doc, `changing project ${projectId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const atMs = opts.effectiveAt !== undefined ? Date.parse(opts.effectiveAt) : ctx.now();
    if (!Number.isFinite(atMs)) throw new DomainError('invalid_instant', `${String(opts.effectiveAt)} is not an ISO 8601 instant`);
    const at = utcIso(atMs);
    const day = billingDayOf(atMs, ctx.zone);
    if (isDayCharged(project, day)) throw new DayAlreadyCharged(day, project.chargedThrough);
    const read = await readCurrentTimeline(ctx, projectId, todayOf(ctx));
    const decided = await decide({ project, at, atMs, day, read });
    const { change: input, items = [], plans } = 'change' in decided ? decided : { change: decided };
    const rev = timelineRevOf(project);
    // seq orders changes at the same instant: the one written later wins. The project's timeline
    // revision grows with every write and this write is conditioned on it, so it is unique and in
    // write order even for two writes in the same millisecond.
    const change = { ...input, at, seq: rev + 1 } as TimelineChange;
    const after = withChange(read, change);
    const { put, key } = changePut(ctx, projectId, change, { attemptId, ...(opts.by ? { by: opts.by } : {}) });
    const events = eventWrites(ctx, project, [changeDraft(change)], utcIso(ctx.now()));
    const writes = [put, timelineBump(ctx, project, day, plans, events), ...items, ...events.puts];
    if (change.kind === 'number') {
      // The number's holdings move in the same transaction: one owner at a time, decided on the version read.
      const holding = await readNumberHolding(ctx, change.number);
      const periods = reholdNumber(change.number, holding.periods, projectId, atMs, heldSpansFrom(after.timeline, change.number, atMs), change.held);
      writes.push(numberHoldingPut(ctx, holding, periods, utcIso(ctx.now())));
    }
    return {
      items: writes,
      receipt: { table: ctx.tables.projects, key },
      result: { project: { ...project, version: project.version + 1, timelineRev: rev + 1, eventSeq: events.eventSeq, ...(plans ? { plans } : {}) }, change, at, read: after },
    };
  });
}

/** The prices in force on the change's day, for the plan the project is on then. */
function pricesOfChange(ctx: StoreContext, c: ChangeContext): Promise<PlanVersion> {
  return projectPricesOn(ctx, plansOf(c.project), c.day);
}

/**
 * A product switched on or a number rented stays until it is switched off or released, so it must be
 * priced by every plan the project has already been moved to from a later day (movePlan checked only
 * what the project held when the move was made). Versions of one plan keep every product and number
 * type, so the first day of each later move is enough. 409 plan_lacks_product otherwise.
 */
async function assertPricedByLaterMoves(ctx: StoreContext, c: ChangeContext, what: string, priced: (prices: PlanVersion) => boolean): Promise<void> {
  const plans = plansOf(c.project);
  for (const from of [...new Set(plans.map((p) => p.from))].filter((d) => d > c.day).sort()) {
    const prices = await projectPricesOn(ctx, plans, from);
    if (!priced(prices)) {
      throw new Conflict('plan_lacks_product', `this project moves to plan ${prices.planId} on ${from}, which has no ${what}: move to a plan that has it, or make the change after the move`);
    }
  }
}

/**
 * Switches a product on or off (with seats for a seat-priced one). The product must be in the version
 * in force on the change's day (404 otherwise); one no longer available cannot be switched on (409).
 */
export function changeProduct(ctx: StoreContext, projectId: string, change: { productId: ProductId; enabled: boolean; seats?: number }, opts: ChangeOptions): Promise<ChangeAppended> {
  return appendChange(ctx, projectId, opts, async (c) => {
    const product = productOf(await pricesOfChange(ctx, c), change.productId);
    if (!product) throw new NotFound(`product ${change.productId}`);
    if (change.seats !== undefined && !isSeatPriced(product)) throw new ValidationFailed(`${product.name} is not priced by seats`, [{ path: 'seats', message: `product ${product.productId} has no seats` }]);
    if (change.enabled && product.available === false && !stateAt(c.read.timeline, c.atMs).products.has(change.productId)) {
      throw new Conflict('product_unavailable', `${product.name} can no longer be switched on`);
    }
    if (change.enabled) await assertPricedByLaterMoves(ctx, c, `product ${change.productId}`, (prices) => productOf(prices, change.productId) !== undefined);
    return { kind: 'product', ...change };
  });
}

/**
 * Rents a number from the change's instant: its type must be priced then. A 409 when this project
 * already holds it then (`number_already_held`) or another project holds it during any part of the
 * period it would now be held for (`number_taken`).
 */
export function addNumber(ctx: StoreContext, projectId: string, number: string, numberType: NumberType, opts: ChangeOptions): Promise<ChangeAppended> {
  return appendChange(ctx, projectId, opts, async (c) => {
    const prices = await pricesOfChange(ctx, c);
    if (numberPriceOf(prices, numberType) === undefined) {
      throw new ValidationFailed(`plan ${prices.planId} has no ${numberType} numbers`, [{ path: 'type', message: `one of ${Object.keys(prices.numbers).join(', ')}` }]);
    }
    if (stateAt(c.read.timeline, c.atMs).numbers.has(number)) throw new Conflict('number_already_held', `this project already holds ${number}`);
    await assertPricedByLaterMoves(ctx, c, `${numberType} numbers`, (prices) => numberPriceOf(prices, numberType) !== undefined);
    return { kind: 'number', number, numberType, held: true };
  });
}

/**
 * Releases a number from the change's instant (another project may rent it from that instant on);
 * one the project does not hold then is a 404.
 */
export function removeNumber(ctx: StoreContext, projectId: string, number: string, opts: ChangeOptions): Promise<ChangeAppended> {
  return appendChange(ctx, projectId, opts, ({ read, atMs }) => {
    const numberType = stateAt(read.timeline, atMs).numbers.get(number);
    if (numberType === undefined) throw new NotFound(`number ${number} held by this project`);
    return { kind: 'number', number, numberType, held: false };
  });
}

/**
 * `PUT /projects/{id}/plan`: the project moves to `planId` from `effectiveFrom` (default and earliest:
 * tomorrow; usage of a begun day is already rated). Refused: an unknown plan (404), one in another
 * currency (409), one whose version then lacks a product the project has on or a number type it holds
 * (409), a day that has begun (409).
 */
export async function movePlan(ctx: StoreContext, projectId: string, planId: string, effectiveFrom?: BillingDay): Promise<{ planId: string; effectiveFrom: BillingDay }> {
  const today = todayOf(ctx);
  const from = effectiveFrom ?? addDays(today, 1);
  if (from <= today) throw new DayAlreadyStarted(from, today);
  const plan = await findPlan(ctx, planId);
  if (!plan) throw new NotFound(`plan ${planId}`);
  await appendChange(ctx, projectId, { effectiveAt: utcIso(startOfDay(from, ctx.zone)) }, async (c) => {
    if (c.project.currency !== plan.currency) throw new CurrencyMismatch(planId, plan.currency, c.project.currency);
    const plans = plansOf(c.project);
    // The new plan prices every day from `from` until the project's next move already made (if any):
    // what it holds then, changes already dated ahead into that span included.
    const nextMove = plans.map((p) => p.from).filter((d) => d > from).sort()[0];
    const untilMs = nextMove !== undefined ? startOfDay(nextMove, ctx.zone) : Infinity;
    const missing = await unpricedFrom(ctx, planId, c.read.timeline, c.atMs, untilMs);
    if (missing.length > 0) throw new Conflict('plan_lacks_product', `plan ${planId} has no ${missing.map((m) => `${m.what} (held on ${m.day})`).join(', ')}: switch them off first`);
    return {
      change: { kind: 'plan', planId, effectiveFrom: from },
      items: [markPlanUsed(ctx, planId)],
      plans: [...plans, { from, planId, seq: Math.max(0, ...plans.map((p) => p.seq)) + 1 }],
    };
  });
  return { planId, effectiveFrom: from };
}

/**
 * Records a day's analytics sessions, replacing an earlier count for that day, with a bump of the
 * project item so a nightly charge that read the old count reads again. A day already charged is a
 * 409 like any other change: its analytics line was priced on the count it had then.
 */
export async function recordSessions(ctx: StoreContext, projectId: string, date: BillingDay, count: number): Promise<DailySessions> {
  return optimisticCommit(ctx.doc, `recording sessions for ${projectId}`, async () => {
    const project = await getProjectItem(ctx, projectId);
    if (isDayCharged(project, date)) throw new DayAlreadyCharged(date, project.chargedThrough);
    // Cancelled (the project went, or the day was charged meanwhile): the next round's read says which.
    return { items: sessionsPuts(ctx, projectId, date, count), result: { date, count } };
  });
}
