/**
 * Changing what a project pays for: switching a product or its seats, renting and releasing a number,
 * recording a day's analytics sessions. Each change is appended to the project's timeline (never
 * overwritten) in one transaction with the project item (shared/store/timeline.ts says why), at its
 * instant: now, or `effectiveAt` (a support correction; the route allows it to admins only) into a day
 * not yet charged. A number change also rewrites the number's holdings in that transaction, so a
 * number has one owner at a time (shared/domain/number-holding.ts).
 */
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import type { NumberType, ProductId } from '../domain/catalog';
import { Conflict, DomainError, NotFound } from '../domain/errors';
import { heldSpansFrom, reholdNumber } from '../domain/number-holding';
import { DayAlreadyCharged, isDayCharged } from '../domain/project';
import { stateAt } from '../domain/timeline';
import { utcIso, withChange, type TimelineRead } from '../domain/timeline-snapshot';
import type { DailySessions, TimelineChange } from '../domain/types';
import { optimisticCommit } from '../store/commit';
import { todayOf, type StoreContext } from '../store/context';
import { numberHoldingPut, readNumberHolding } from '../store/numbers';
import { getProjectItem, timelineRevOf, type ProjectItem } from '../store/projects';
import { changePut, readCurrentTimeline, sessionsPuts, timelineBump } from '../store/timeline';

/** A change as decided, before it gets its instant and order. */
export type ChangeInput =
  | { kind: 'product'; productId: ProductId; enabled: boolean; seats?: number }
  | { kind: 'number'; number: string; numberType: NumberType; held: boolean };

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
export async function appendChange(ctx: StoreContext, projectId: string, opts: ChangeOptions, decide: (c: ChangeContext) => ChangeInput): Promise<ChangeAppended> {
  return optimisticCommit(ctx.doc, `changing project ${projectId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const atMs = opts.effectiveAt !== undefined ? Date.parse(opts.effectiveAt) : ctx.now();
    if (!Number.isFinite(atMs)) throw new DomainError('invalid_instant', `${String(opts.effectiveAt)} is not an ISO 8601 instant`);
    const at = utcIso(atMs);
    const day = billingDayOf(atMs, ctx.zone);
    if (isDayCharged(project, day)) throw new DayAlreadyCharged(day, project.chargedThrough);
    const read = await readCurrentTimeline(ctx, projectId, todayOf(ctx));
    const rev = timelineRevOf(project);
    // seq orders changes at the same instant: the one written later wins. The project's timeline
    // revision grows with every write and this write is conditioned on it, so it is unique and in
    // write order even for two writes in the same millisecond.
    const change = { ...decide({ project, at, atMs, day, read }), at, seq: rev + 1 } as TimelineChange;
    const after = withChange(read, change);
    const { put, key } = changePut(ctx, projectId, change, { attemptId, ...(opts.by ? { by: opts.by } : {}) });
    const items = [put, timelineBump(ctx, project, day)];
    if (change.kind === 'number') {
      // The number's holdings move in the same transaction: one owner at a time, decided on the version read.
      const holding = await readNumberHolding(ctx, change.number);
      const periods = reholdNumber(change.number, holding.periods, projectId, atMs, heldSpansFrom(after.timeline, change.number, atMs), change.held);
      items.push(numberHoldingPut(ctx, holding, periods, utcIso(ctx.now())));
    }
    return {
      items,
      receipt: { table: ctx.tables.projects, key },
      result: { project: { ...project, version: project.version + 1, timelineRev: rev + 1 }, change, at, read: after },
    };
  });
}

/** Switches a product on or off (with seats for telephony). */
export function changeProduct(ctx: StoreContext, projectId: string, change: { productId: ProductId; enabled: boolean; seats?: number }, opts: ChangeOptions): Promise<ChangeAppended> {
  return appendChange(ctx, projectId, opts, () => ({ kind: 'product', ...change }));
}

/**
 * Rents a number from the change's instant: a 409 when this project already holds it then
 * (`number_already_held`) or another project holds it during any part of the period it would now be
 * held for (`number_taken`).
 */
export function addNumber(ctx: StoreContext, projectId: string, number: string, numberType: NumberType, opts: ChangeOptions): Promise<ChangeAppended> {
  return appendChange(ctx, projectId, opts, ({ read, atMs }) => {
    if (stateAt(read.timeline, atMs).numbers.has(number)) throw new Conflict('number_already_held', `this project already holds ${number}`);
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
