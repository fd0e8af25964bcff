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
 *
 * Every accepted event is debited (docs/api.md "What no input may do"): a cost the balance cannot
 * hold (it stops at MIN_BALANCE, where exact integers end) is debited as far as it goes, never set
 * aside. What was debited is what the event's mark records (`debited`, when less than its cost), what
 * the grants draw on, and what the day's telecom total and per-kind counters add, so the night's
 * `telecom_daily` line, the statement and the ledger tie out with the balance; the rest is reported
 * in the same transaction (`usage.underpaid`, the write's own event, in the room every write keeps
 * for one) and to the operator (a log line and the UsageUnpaid metric).
 */
import { mapLimit } from '../concurrency';
import type { BillingDay } from '../domain/billing-days';
import { errorMessage } from '../domain/errors';
import { balanceDrafts, draft, eventRoom, spendCapDrafts, type AlertRules, type DaySpend, type EventDraft } from '../domain/events';
import { addDraws, drawCharge, type ActiveGrant, type DrawsByDay } from '../domain/credits';
import { chargedEvents, countedDay, nextDebitChunk, type DebitChunk, type Shortfall } from '../domain/usage';
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
  /** Project events the committed debits wrote (crossings, status changes and underpaid usage). */
  events: number;
  /** Events the balance could not pay in full, and what was left unpaid of them (0 and 0 in every ordinary batch). */
  underpaid: { events: number; unpaid: number };
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
interface ChunkDebited { debited: number; alreadyDebited: number; after: ProjectItem; events: number; shortfalls: Shortfall[] }

/** The event of a chunk's underpaid usage, or none. */
function underpaidDrafts(shortfalls: readonly Shortfall[], balance: number, version: number): EventDraft[] {
  if (shortfalls.length === 0) return [];
  const unpaid = shortfalls.reduce((s, f) => s + (f.cost - f.debited), 0);
  // Unique per write: the version the debit gives the project.
  return [draft('usage.underpaid', { events: shortfalls.map((f) => ({ eventId: f.eventId, cost: f.cost, debited: f.debited })), unpaid, balance }, `v${version}#usage.underpaid`)];
}

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
  const out: Omit<DebitOutcome, 'failed'> = { debited: 0, alreadyDebited: items.length - pending.length, events: 0, underpaid: { events: 0, unpaid: 0 } };
  let known: ProjectItem | undefined;
  // Running totals of days a write found near the end of exact integers (read only then: rare).
  const dayTotals = new Map<BillingDay, number>();
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
      // eventRoom counts the write's own event: the debit's is usage.underpaid.
      const chunk = nextDebitChunk(pending, project.chargedThrough, MAX_TRANSACTION_ITEMS - eventRoom(rules, 0) - (project.autoTopup ? 1 : 0), perDayItems, project.balance, dayTotals);
      const charged = chargedEvents(chunk);
      const shortfalls = [...chunk.shortfalls.values()];
      const debitedAt = nowIso(ctx);
      const drawn = grants.length > 0 ? chunkDraws(grants, charged, project.chargedThrough) : null;
      const drew = drawn !== null && drawn.byDay.size > 0;
      const moved0 = afterBalanceUpdate(project, chunk.delta, drew ? { grants: drawn.grants } : {});
      const topup = topupFor(ctx, project, moved0.balance, moved0.version);
      const moved = topup.set.length > 0 ? { ...moved0, autoTopup: topup.rule } : moved0;
      const cap = spendCapDrafts(await daySpends(ctx, projectId, rules, chunk), rules.dailySpendCap, project.alertState ?? {}, project.chargedThrough);
      const events = eventWrites(ctx, project, [...underpaidDrafts(shortfalls, moved.balance, moved.version), ...balanceDrafts(project, moved, rules, moved.version), ...cap.drafts, ...topup.drafts], debitedAt);
      const capChanged = cap.drafts.length > 0;
      const alertState = { ...project.alertState, spendCapDays: cap.spendCapDays };
      const after = { ...moved, eventSeq: events.eventSeq, ...(capChanged ? { alertState } : {}) };
      return {
        items: [
          // A mark that exists is an event someone already debited.
          ...chunk.events.map((e, i) => guard(debitMarkPut(ctx, {
            eventId: e.eventId, projectId, debitedAt, countedOn: countedDay(e.day, project.chargedThrough),
            ...(chunk.shortfalls.has(e.eventId) ? { debited: chunk.shortfalls.get(e.eventId)!.debited } : {}),
          }, i === 0 ? attemptId : undefined), 'already_debited', e.eventId)),
          balanceUpdate(ctx.tables.projects, project, chunk.delta, {
            set: [...(events.events.length > 0 ? ['eventSeq = :eventSeq'] : []), ...(capChanged ? ['alertState = :alertState'] : []), ...(drew ? ['grants = :grants'] : []), ...topup.set],
            values: { ...(events.events.length > 0 ? { ':eventSeq': events.eventSeq } : {}), ...(capChanged ? { ':alertState': alertState } : {}), ...(drew ? { ':grants': drawn.grants } : {}), ...topup.values },
          }),
          ...[...chunk.perDay].map(([day, t]) => guard(telecomAdd(ctx, projectId, day, t.total, t.events, kindsCountedOn(charged, day, project.chargedThrough), chunk.late.get(day), { exact: true }), 'day_total_full', day)),
          ...(drew ? drawsAdds(ctx, projectId, drawn.byDay) : []),
          ...events.puts,
        ],
        receipt: debitMarkRef(ctx, chunk.events[0]!.eventId),
        result: { debited: chunk.events.length, alreadyDebited: 0, after, events: events.events.length, shortfalls },
        onCancelled: async (cancelled) => {
          if (cancelled.fault !== undefined) throw new DebitFailed(`debit of project ${projectId} cancelled: ${cancelled.fault}`, { cause: cancelled.cause });
          // A day whose total this chunk would take past exact integers: decide again knowing its total.
          const full = cancelled.tags('day_total_full');
          for (const day of full) dayTotals.set(day, (await readTelecom(ctx, projectId, day))?.total ?? 0);
          // Events someone already debited: drop them, retry the rest.
          const already = new Set(cancelled.tags('already_debited'));
          if (already.size === 0) return full.length > 0 ? 'again' : undefined;
          pending = pending.filter((e) => !already.has(e.eventId));
          out.alreadyDebited += already.size;
          return pending.length === 0 ? { done: { debited: 0, alreadyDebited: 0, after: project, events: 0, shortfalls: [] } } : undefined;
        },
      };
    });
    out.debited += done.debited;
    out.events += done.events;
    if (done.shortfalls.length > 0) {
      const unpaid = done.shortfalls.reduce((s, f) => s + (f.cost - f.debited), 0);
      out.underpaid = { events: out.underpaid.events + done.shortfalls.length, unpaid: out.underpaid.unpaid + unpaid };
      logger.error('usage underpaid: the balance cannot hold its cost', { projectId, balance: done.after.balance, unpaid, events: done.shortfalls });
    }
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
  const outcome: DebitOutcome = { debited: 0, alreadyDebited: 0, failed: [], events: 0, underpaid: { events: 0, unpaid: 0 } };
  await mapLimit([...groups], PROJECT_CONCURRENCY, async ([projectId, group]) => {
    try {
      const r = await debitProject(ctx, projectId, group.map((g) => g.item));
      outcome.debited += r.debited;
      outcome.alreadyDebited += r.alreadyDebited;
      outcome.events += r.events;
      outcome.underpaid = { events: outcome.underpaid.events + r.underpaid.events, unpaid: outcome.underpaid.unpaid + r.underpaid.unpaid };
    } catch (e) {
      logger.error('debit failed', { projectId, records: group.length, error: errorMessage(e) });
      outcome.failed.push({ projectId, sequenceNumbers: group.map((g) => g.sequenceNumber), error: errorMessage(e) });
    }
  });
  return outcome;
}
