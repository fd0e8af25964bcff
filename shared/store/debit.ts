/**
 * The real-time debit of usage events (DESIGN.md "Exactly once", RELIABILITY.md rules 1, 4, 5).
 *
 * Per project, events are debited in transactions of at most 100 items: one mark per event (SET
 * debitedAt, conditioned on it not being set yet), one balanceUpdate for the chunk's total
 * (conditioned on the project version read) and one ADD per open day whose telecom total the chunk
 * advances. The mark is the exactly-once guarantee: a redelivered or concurrently processed event
 * fails its condition, is dropped from the retry, and moves nothing. Sums make the result independent
 * of order and of how records are split into batches.
 *
 * An event counts on its own day, or on the first day not yet charged when its day is closed:
 * max(day, chargedThrough + 1). Because the nightly charge moves chargedThrough in a version-
 * conditioned transaction too, a debit that read an older version is cancelled and retried on the new
 * first open day, so no debit slips into a day already closed.
 */
import { addDays, type BillingDay } from '../domain/billing-days';
import { errorMessage } from '../domain/errors';
import { sum, type Money } from '../domain/money';
import type { PaygoEvent } from '../runtime';
import { logger } from '../logger';
import { nowIso, type StoreContext } from './context';
import { balanceEvents } from './events';
import { keys } from './keys';
import { balanceUpdate, findProjectItem, statusFor, type ProjectItem } from './project-item';
import { MAX_TRANSACTION_ITEMS, transact, withRetries, type TransactItem } from './transactions';
import { mapLimit, type UsageItem } from './usage';

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
  /** Domain events published for the committed changes. */
  events: PaygoEvent[];
}

/** Projects debited at once: independent items, so parallel; bounded to keep a batch's burst modest. */
const PROJECT_CONCURRENCY = 8;
/** Lost optimistic-concurrency rounds before a project is reported failed (each means someone else committed). */
const MAX_ROUNDS = 50;
/** Cancellation reasons that are contention or capacity, worth a backoff and another round. */
const TRANSIENT_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

export class DebitFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DebitFailed';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The day an event is counted on when the project has charged through `chargedThrough`. */
export function countedDay(eventDay: BillingDay, chargedThrough: BillingDay): BillingDay {
  const firstOpen = addDays(chargedThrough, 1);
  return eventDay > firstOpen ? eventDay : firstOpen;
}

interface Chunk {
  events: UsageItem[];
  items: TransactItem[];
  delta: Money;
}

/**
 * The next transaction for `pending` (a prefix of it): marks first (so reasons[i] is event i), then the
 * balance update, then the telecom day totals, at most MAX_TRANSACTION_ITEMS in all.
 */
function nextChunk(ctx: StoreContext, project: ProjectItem, pending: readonly UsageItem[], debitedAt: string): Chunk {
  const perDay = new Map<BillingDay, { total: Money; events: number }>();
  const events: UsageItem[] = [];
  for (const e of pending) {
    const day = countedDay(e.day, project.chargedThrough);
    const newDay = perDay.has(day) ? 0 : 1;
    // marks + this mark + day totals + a new one + the balance update
    if (events.length + 1 + perDay.size + newDay + 1 > MAX_TRANSACTION_ITEMS) break;
    events.push(e);
    const t = perDay.get(day) ?? { total: 0, events: 0 };
    perDay.set(day, { total: t.total + e.cost, events: t.events + 1 });
  }
  const delta = -sum(events.map((e) => e.cost));
  const marks: TransactItem[] = events.map((e) => ({
    Update: {
      TableName: ctx.tables.usage,
      Key: keys.usage(e.eventId),
      UpdateExpression: 'SET debitedAt = :at, countedOn = :day',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(debitedAt)',
      ExpressionAttributeValues: { ':at': debitedAt, ':day': countedDay(e.day, project.chargedThrough) },
    },
  }));
  const totals: TransactItem[] = [...perDay].map(([day, t]) => ({
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.telecom(project.projectId, day),
      UpdateExpression: 'ADD #total :total, #events :events',
      ExpressionAttributeNames: { '#total': 'total', '#events': 'events' },
      ExpressionAttributeValues: { ':total': t.total, ':events': t.events },
    },
  }));
  return { events, delta, items: [...marks, { Update: balanceUpdate(ctx.tables.projects, project, delta) }, ...totals] };
}

async function readProject(ctx: StoreContext, projectId: string): Promise<ProjectItem> {
  const p = await findProjectItem(ctx.doc, ctx.tables.projects, projectId);
  if (!p) throw new DebitFailed(`usage for unknown project ${projectId}`);
  return p;
}

/** Debits one project's events exactly once; throws DebitFailed (or the store's error) when it cannot. */
export async function debitProject(ctx: StoreContext, projectId: string, items: readonly UsageItem[]): Promise<Omit<DebitOutcome, 'failed'>> {
  // One item may appear once per transaction; a record delivered twice in one batch is one event.
  const byId = new Map<string, UsageItem>();
  for (const i of items) if (!i.debitedAt) byId.set(i.eventId, i);
  // Same-day events together, so a chunk spans as few telecom days as possible.
  let pending = [...byId.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const out: Omit<DebitOutcome, 'failed'> = { debited: 0, alreadyDebited: items.length - pending.length, events: [] };
  let project = await readProject(ctx, projectId);
  let lost = 0;
  while (pending.length > 0) {
    const chunk = nextChunk(ctx, project, pending, nowIso(ctx));
    const result = await withRetries(() => transact(ctx.doc, chunk.items));
    if (result.committed) {
      const balance = project.balance + chunk.delta;
      const after = { balance, status: statusFor(balance, project.creditLimit) };
      out.events.push(...balanceEvents(project, after));
      out.debited += chunk.events.length;
      project = { ...project, ...after, version: project.version + 1 };
      pending = pending.slice(chunk.events.length);
      continue;
    }
    const unexpected = result.reasons.filter((r) => r !== 'None' && r !== 'ConditionalCheckFailed' && !TRANSIENT_REASONS.has(r));
    if (unexpected.length > 0) throw new DebitFailed(`debit of project ${projectId} cancelled: ${unexpected.join(', ')}`, { cause: result.cause });
    if (++lost > MAX_ROUNDS) throw new DebitFailed(`debit of project ${projectId}: gave up after ${MAX_ROUNDS} lost rounds`, { cause: result.cause });
    // Marks that failed their condition are events someone already debited: drop them, retry the rest.
    const done = new Set(chunk.events.filter((_, i) => result.reasons[i] === 'ConditionalCheckFailed').map((e) => e.eventId));
    if (done.size > 0) {
      pending = pending.filter((e) => !done.has(e.eventId));
      out.alreadyDebited += done.size;
    }
    // Contention: back off with jitter so racing writers stop colliding in step.
    if (result.reasons.some((r) => TRANSIENT_REASONS.has(r)) || done.size === 0) await sleep(Math.min(200, 5 * 2 ** Math.min(lost, 6)) * Math.random());
    project = await readProject(ctx, projectId);
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
  const outcome: DebitOutcome = { debited: 0, alreadyDebited: 0, failed: [], events: [] };
  await mapLimit([...groups], PROJECT_CONCURRENCY, async ([projectId, group]) => {
    try {
      const r = await debitProject(ctx, projectId, group.map((g) => g.item));
      outcome.debited += r.debited;
      outcome.alreadyDebited += r.alreadyDebited;
      outcome.events.push(...r.events);
    } catch (e) {
      logger.error('debit failed', { projectId, records: group.length, error: errorMessage(e) });
      outcome.failed.push({ projectId, sequenceNumbers: group.map((g) => g.sequenceNumber), error: errorMessage(e) });
    }
  });
  return outcome;
}
