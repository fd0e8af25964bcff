/**
 * The real-time debit of usage events (docs/reliability.md "Usage: accepted once, debited once", rules 1, 4, 5).
 *
 * A stream batch is grouped per project; each project's events are debited in transactions of at
 * most 100 items (domain/usage.ts nextDebitChunk): one mark per event (a put of `debit#<eventId>`,
 * conditioned on its absence: shared/store/debit-marks.ts), one balance update for the chunk's total (conditioned on the project version
 * read) and one ADD per open day whose telecom total the chunk advances. The mark is the exactly-once
 * guarantee: a redelivered or concurrently processed event fails its condition, is dropped from the
 * retry, and moves nothing. Sums make the result independent of order and of how records are split
 * into batches.
 *
 * An event counts on its own day, or on the first day not yet charged when its day is closed. Because
 * the nightly charge moves chargedThrough in a version-conditioned transaction too, a debit that read
 * an older version is cancelled and decided again on the new first open day, so no debit slips into a
 * day already closed.
 *
 * Events (shared/store/events.ts) ride in the same transaction, only those the chunk causes: a block,
 * a balance threshold crossed, a day's spend cap reached; never one per usage event. A project with a
 * spend cap has its open days' running totals read after the project item, so the crossing is decided
 * on the totals the version-conditioned write applies to.
 *
 * Credit grants (shared/domain/credits.ts) pay for each event in the same transaction: the grants
 * left in the project item move with the balance, and what each paid is ADDed to the `draws#<day>`
 * item of the day the event is counted on, so a retried chunk draws exactly as once as it debits.
 * An auto top-up is decided in the same transaction too (./money-move.ts topupFor).
 */
import { mapLimit } from '../concurrency';
import type { BillingDay } from '../domain/billing-days';
import { errorMessage } from '../domain/errors';
import { balanceDrafts, eventRoom, spendCapDrafts, type AlertRules, type DaySpend } from '../domain/events';
import { addDraws, drawCharge, type ActiveGrant, type DrawsByDay } from '../domain/credits';
import { countedDay, nextDebitChunk, type DebitChunk } from '../domain/usage';
import { logger } from '../logger';
import { guard, optimisticCommit } from '../store/commit';
import { nowIso, type StoreContext } from '../store/context';
import { eventWrites } from '../store/events';
import { afterBalanceUpdate, alertRulesOf, balanceUpdate, findProjectItem, type ProjectItem } from '../store/projects';
import { drawsAdds, grantsOf } from '../store/credits';
import { topupFor } from './money-move';
import { kindsCountedOn, readTelecom, telecomAdd } from '../store/telecom';
import { MAX_TRANSACTION_ITEMS } from '../store/transactions';
import { debitMarkPut, debitMarkRef } from '../store/debit-marks';
import type { UsageItem } from '../store/usage';

export type { UsageItem };

/** One stream record's event, with the sequence number Lambda knows it by. */
export interface DebitRecord {
  sequenceNumber: string;
  item: UsageItem;
}

export interface DebitOutcome {
  /** Events whose debit this call committed. */
  debited: number;
  /** Events found already debited (redelivered, or raced by another invocation). */
  alreadyDebited: number;
  /** Projects whose debit failed, with the sequence numbers of their records in this batch. */
  failed: { projectId: string; sequenceNumbers: string[]; error: string }[];
  /** Project events the committed debits wrote (crossings and status changes only). */
  events: number;
}

/** Projects debited at once: independent items, so parallel; bounded to keep a batch's burst modest. */
const PROJECT_CONCURRENCY = 8;

export class DebitFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DebitFailed';
  }
}

async function readProject(ctx: StoreContext, projectId: string): Promise<ProjectItem> {
  const p = await findProjectItem(ctx, projectId);
  if (!p) throw new DebitFailed(`usage for unknown project ${projectId}`);
  return p;
}

/** What one committed chunk did. */
interface ChunkDebited { debited: number; alreadyDebited: number; after: ProjectItem; events: number }

/** The chunk's open days' totals before and after it: read only when the project has a spend cap. */
async function daySpends(ctx: StoreContext, projectId: string, rules: AlertRules, chunk: DebitChunk<UsageItem>): Promise<DaySpend[]> {
  if (rules.dailySpendCap === null) return [];
  return Promise.all([...chunk.perDay].map(async ([day, t]: [BillingDay, { total: number }]) => {
    const before = (await readTelecom(ctx, projectId, day))?.total ?? 0;
    return { day, before, after: before + t.total };
  }));
}

/** The grants' share of a chunk's events, each drawn on its own day and recorded on the day it is counted on. */
export function chunkDraws(grants: readonly ActiveGrant[], events: readonly UsageItem[], chargedThrough: BillingDay): { grants: ActiveGrant[]; byDay: DrawsByDay } {
  const byDay: DrawsByDay = new Map();
  let left = grants as ActiveGrant[];
  for (const e of events) {
    if (left.length === 0) break;
    const counted = countedDay(e.day, chargedThrough);
    const d = drawCharge(left, e.cost, e.day, counted);
    if (d.total === 0) continue;
    left = d.grants;
    addDraws(byDay, counted, d.draws);
  }
  return { grants: left, byDay };
}

/** Debits one project's events exactly once; throws DebitFailed (or the store's error) when it cannot. */
export async function debitProject(ctx: StoreContext, projectId: string, items: readonly UsageItem[]): Promise<Omit<DebitOutcome, 'failed'>> {
  // One item may appear once per transaction; a record delivered twice in one batch is one event.
  const byId = new Map<string, UsageItem>();
  for (const i of items) byId.set(i.eventId, i);
  // Same-day events together, so a chunk spans as few telecom days as possible.
  let pending = [...byId.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const out: Omit<DebitOutcome, 'failed'> = { debited: 0, alreadyDebited: items.length - pending.length, events: 0 };
  let known: ProjectItem | undefined;
  while (pending.length > 0) {
    const done = await optimisticCommit<ChunkDebited>(ctx.doc, `debit of project ${projectId}`, async ({ round, attemptId }) => {
      // The first chunk's project was read just now, a later one is the project its predecessor left.
      const project = round === 0 && known ? known : await readProject(ctx, projectId);
      const rules = alertRulesOf(project);
      // The chunk leaves room for the most events it can cause (with a spend cap, one per day it spans).
      const grants = grantsOf(project);
      // With grants, each counted day may also get its draws item.
      const perDayItems = (rules.dailySpendCap === null ? 1 : 2) + (grants.length > 0 ? 1 : 0);
      // An auto top-up rule may add its event (requested, or the month's limit reached).
      const chunk = nextDebitChunk(pending, project.chargedThrough, MAX_TRANSACTION_ITEMS - eventRoom(rules, 0) - (project.autoTopup ? 1 : 0), perDayItems);
      const debitedAt = nowIso(ctx);
      const drawn = grants.length > 0 ? chunkDraws(grants, chunk.events, project.chargedThrough) : null;
      const drew = drawn !== null && drawn.byDay.size > 0;
      const moved0 = afterBalanceUpdate(project, chunk.delta, drew ? { grants: drawn.grants } : {});
      const topup = topupFor(ctx, project, moved0.balance, moved0.version);
      const moved = topup.set.length > 0 ? { ...moved0, autoTopup: topup.rule } : moved0;
      const cap = spendCapDrafts(await daySpends(ctx, projectId, rules, chunk), rules.dailySpendCap, project.alertState ?? {}, project.chargedThrough);
      const events = eventWrites(ctx, project, [...balanceDrafts(project, moved, rules, moved.version), ...cap.drafts, ...topup.drafts], debitedAt);
      const capChanged = cap.drafts.length > 0;
      const alertState = { ...project.alertState, spendCapDays: cap.spendCapDays };
      const after = { ...moved, eventSeq: events.eventSeq, ...(capChanged ? { alertState } : {}) };
      return {
        items: [
          // A mark that exists is an event someone already debited.
          ...chunk.events.map((e, i) => guard(debitMarkPut(ctx, { eventId: e.eventId, projectId, debitedAt, countedOn: countedDay(e.day, project.chargedThrough) }, i === 0 ? attemptId : undefined), 'already_debited', e.eventId)),
          balanceUpdate(ctx.tables.projects, project, chunk.delta, {
            set: [...(events.events.length > 0 ? ['eventSeq = :eventSeq'] : []), ...(capChanged ? ['alertState = :alertState'] : []), ...(drew ? ['grants = :grants'] : []), ...topup.set],
            values: { ...(events.events.length > 0 ? { ':eventSeq': events.eventSeq } : {}), ...(capChanged ? { ':alertState': alertState } : {}), ...(drew ? { ':grants': drawn.grants } : {}), ...topup.values },
          }),
          ...[...chunk.perDay].map(([day, t]) => telecomAdd(ctx, projectId, day, t.total, t.events, kindsCountedOn(chunk.events, day, project.chargedThrough), chunk.late.get(day))),
          ...(drew ? drawsAdds(ctx, projectId, drawn.byDay) : []),
          ...events.puts,
        ],
        receipt: debitMarkRef(ctx, chunk.events[0]!.eventId),
        result: { debited: chunk.events.length, alreadyDebited: 0, after, events: events.events.length },
        onCancelled: (cancelled) => {
          if (cancelled.fault !== undefined) throw new DebitFailed(`debit of project ${projectId} cancelled: ${cancelled.fault}`, { cause: cancelled.cause });
          // Events someone already debited: drop them, retry the rest.
          const already = new Set(cancelled.tags('already_debited'));
          if (already.size === 0) return undefined;
          pending = pending.filter((e) => !already.has(e.eventId));
          out.alreadyDebited += already.size;
          return pending.length === 0 ? { done: { debited: 0, alreadyDebited: 0, after: project, events: 0 } } : undefined;
        },
      };
    });
    out.debited += done.debited;
    out.events += done.events;
    pending = pending.slice(done.debited);
    known = done.after;
  }
  return out;
}

/**
 * Debits a stream batch: grouped per project, projects in parallel. A project that fails is reported
 * with its records' sequence numbers; the others are committed regardless (a redelivery finds them
 * marked and moves nothing).
 */
export async function debitRecords(ctx: StoreContext, records: readonly DebitRecord[]): Promise<DebitOutcome> {
  const groups = new Map<string, DebitRecord[]>();
  for (const r of records) {
    const g = groups.get(r.item.projectId);
    if (g) g.push(r); else groups.set(r.item.projectId, [r]);
  }
  const outcome: DebitOutcome = { debited: 0, alreadyDebited: 0, failed: [], events: 0 };
  await mapLimit([...groups], PROJECT_CONCURRENCY, async ([projectId, group]) => {
    try {
      const r = await debitProject(ctx, projectId, group.map((g) => g.item));
      outcome.debited += r.debited;
      outcome.alreadyDebited += r.alreadyDebited;
      outcome.events += r.events;
    } catch (e) {
      logger.error('debit failed', { projectId, records: group.length, error: errorMessage(e) });
      outcome.failed.push({ projectId, sequenceNumbers: group.map((g) => g.sequenceNumber), error: errorMessage(e) });
    }
  });
  return outcome;
}
