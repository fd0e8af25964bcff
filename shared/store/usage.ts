/**
 * Usage items (Usage table, `usage#<eventId>`): one item per eventId, each written with a condition
 * that it does not exist yet (alone or in a transaction of such puts), so a duplicate is refused at
 * the write, never stored or debited twice. Their stream drives the
 * real-time debit, which marks each event debited (shared/store/debit-marks.ts) in the transaction that
 * moves the balance. An item is never written again after its insert.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../concurrency';
import { billingDayOf, isBillingDay, type BillingDay } from '../domain/billing-days';
import { Busy, DomainError, ValidationFailed } from '../domain/errors';
import { utcIso } from '../domain/timeline-snapshot';
import { tagEntries, type RatedUsageEvent, type Tags } from '../domain/usage';
import { guard, optimisticCommit, receiptIsOurs } from './commit';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll } from './pager';
import { isConditionFailed, MAX_TRANSACTION_ITEMS, withRetries, type TransactItem } from './transactions';

/**
 * A rated event as stored, keyed by its eventId. Its tags are stored as `[key, value]` pairs, never
 * as a map: the marshaller reads `value.constructor` of a map, so a tag named `constructor` would
 * break the write (and client-chosen names are never plain-object keys here).
 */
export interface UsageItem extends Omit<RatedUsageEvent, 'tags'> {
  tagPairs?: [string, string][];
  pk: string;
  /** The billing day of occurredAt. */
  day: BillingDay;
  projectDay: string;
  /** `<occurredAt as fixed-width UTC>#<eventId>`: the sort key of a day's listing (byProjectDayTime). */
  timeKey: string;
  receivedAt: string;
  /** The tariff prefix that rated it (absent on events stored before it was kept). */
  prefix?: string;
  /** ISO 3166-1 alpha-2 of the destination, or "ZZ" (domain/country.ts; absent on events stored before it was kept). */
  country?: string;
  /** The ingest round that stored the item (shared/store/commit.ts receipts). */
  attemptId?: string;
}

/** A day's events by instant then eventId, whatever offset each was sent with. */
export const USAGE_TIME_INDEX = 'byProjectDayTime';

export const DEFAULT_USAGE_LIMIT = 1000;
export const MAX_USAGE_LIMIT = 1000;

/** `<UTC ISO, 24 characters>#<eventId>`: sorts as the instants do, then by id. */
export function timeKeyOf(occurredAt: string, eventId: string): string {
  return `${utcIso(Date.parse(occurredAt))}#${eventId}`;
}

export function usageItemOf(zone: string, event: RatedUsageEvent & { prefix?: string; country?: string }, receivedAt: string, attemptId?: string): UsageItem {
  const day = billingDayOf(event.occurredAt, zone);
  return {
    ...keys.usage(event.eventId),
    ...withoutTags(toRatedEvent(event)),
    ...(event.tags !== undefined ? { tagPairs: tagEntries(event.tags) } : {}),
    ...(event.prefix !== undefined ? { prefix: event.prefix } : {}),
    ...(event.country !== undefined ? { country: event.country } : {}),
    day,
    projectDay: keys.projectDay(event.projectId, day),
    timeKey: timeKeyOf(event.occurredAt, event.eventId),
    receivedAt,
    ...(attemptId !== undefined ? { attemptId } : {}),
  };
}

/** The item's table and key: the receipt of the put that stores it. */
export function usageRef(ctx: StoreContext, eventId: string): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.usage, key: keys.usage(eventId) };
}

/**
 * Puts the item unless its eventId is stored already: 'stored'; 'exists' when the first send was
 * refused (so the stored item is somebody else's); 'exists-after-resend' when a resend was refused,
 * after which the stored item may be this put's own (an earlier send committed, its answer lost).
 */
export async function putUsageItem(ctx: StoreContext, item: UsageItem): Promise<'stored' | 'exists' | 'exists-after-resend'> {
  let sends = 0;
  try {
    await withRetries(() => { sends++; return ctx.doc.send(new PutCommand({ TableName: ctx.tables.usage, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })); });
    return 'stored';
  } catch (e) {
    if (isConditionFailed(e)) return sends > 1 ? 'exists-after-resend' : 'exists';
    throw e;
  }
}

/**
 * How the items of one `POST /usage` are written. Both store each eventId at most once and tell, per
 * item, whether this call stored it; they differ in cost (README "Ingestion that keeps up"):
 * - `transactions`: TransactWriteItems of up to 100 conditional puts. DynamoDB Local pays a few ms
 *   per request (far more with a data directory) and under 1 ms per item in a transaction, so this
 *   is several times faster there (bench ingest); DynamoDB bills a transactional write twice, so
 *   on AWS it would cost more for no gain that matters;
 * - `per-event`: one conditional put per event, 25 in flight. What DynamoDB bills least (one write
 *   unit per event on the table), and the baseline the bench compares the transactions with.
 */
export type UsageWrites = 'transactions' | 'per-event';

/** Conditional puts in flight at once on the per-event path. */
export const PER_EVENT_CONCURRENCY = 25;

/** Transactions of one call in flight at once: a request of up to 500 events is 5 of them. */
export const TRANSACTIONS_IN_FLIGHT = 5;

/**
 * Rounds a transaction may be cancelled by contention alone (no item settled) before the call gives
 * up, and the longest wait between them: the other writer of the same events commits within a round
 * or two, so 10 rounds (at most about 2.6 s of waits) mean something is wrong.
 */
export const MAX_CONTENDED_ROUNDS = 10;
const MAX_CONTENDED_BACKOFF_MS = 500;

/**
 * The same eventIds written concurrently, again and again, so that a transaction could not get
 * through in time. Unlike a commit's Busy, part of the request may be stored already: sending the
 * same request again is safe, those events count as duplicates then.
 */
export class IngestBusy extends Busy {
  constructor() {
    super('usage ingestion');
    this.message = 'usage ingestion: too many concurrent writes of the same events; some may be stored already: send the same request again (they count as duplicates)';
  }
}

/**
 * Stores `items` (distinct eventIds), each unless its eventId is stored already, and answers, in
 * order, whether this call stored each one. An item refused because it exists is this call's when it
 * carries this call's `attemptId` (per event) or its round's (in transactions: insertInTransaction):
 * its write committed and only the answer was lost.
 */
export async function insertUsageItems(ctx: StoreContext, items: readonly UsageItem[], attemptId: string, writes: UsageWrites): Promise<boolean[]> {
  if (writes === 'per-event') {
    return mapLimit(items, PER_EVENT_CONCURRENCY, async (item) => {
      const put = await putUsageItem(ctx, item);
      // A duplicate refused at the first send costs no read.
      return put === 'stored' || (put === 'exists-after-resend' && receiptIsOurs(ctx.doc, usageRef(ctx, item.eventId), attemptId));
    });
  }
  const chunks: UsageItem[][] = [];
  for (let i = 0; i < items.length; i += MAX_TRANSACTION_ITEMS) chunks.push(items.slice(i, i + MAX_TRANSACTION_ITEMS));
  return (await mapLimit(chunks, TRANSACTIONS_IN_FLIGHT, (chunk) => insertInTransaction(ctx, chunk))).flat();
}

/**
 * Conditional puts in one transaction, through the one optimistic commit (./commit.ts), which a
 * single stored eventId cancels as a whole. Each put is guarded as a `duplicate` of its eventId: those
 * the cancellation names are settled (stored before, by someone else) and the rest is sent again at
 * once, as the debit does with its marks. The lost answer is the commit's rule: every round writes its
 * own attemptId into its items, so after a resend the first item's receipt tells whether an earlier
 * send of the round committed (then the whole round did, being one transaction); a round that ends
 * cancelled or refused wrote nothing, so an item found stored later is never this call's. A plain
 * duplicate costs no read. Items cancelled by contention alone (another transaction on the same
 * eventIds: the same events sent concurrently) are sent again after a jittered backoff, at most
 * MAX_CONTENDED_ROUNDS times without progress (then IngestBusy).
 */
async function insertInTransaction(ctx: StoreContext, chunk: readonly UsageItem[]): Promise<boolean[]> {
  // Duplicates found so far; every other item of the chunk is stored by the round that commits.
  const duplicates = new Set<string>();
  let pending = chunk;
  const answer = () => chunk.map((item) => !duplicates.has(item.eventId));
  return optimisticCommit<boolean[], 'duplicate'>(ctx.doc, 'usage ingestion', async ({ attemptId }) => {
    const sent = pending;
    return {
      items: sent.map((item) => guard(conditionalPut(ctx, { ...item, attemptId }), 'duplicate', item.eventId)),
      receipt: usageRef(ctx, sent[0]!.eventId),
      result: answer(),
      onCancelled: (cancelled) => {
        if (cancelled.fault !== undefined) throw cancelled.cause;
        const found = cancelled.tags('duplicate');
        if (found.length === 0) return undefined;
        for (const id of found) duplicates.add(id);
        pending = sent.filter((item) => !duplicates.has(item.eventId));
        return pending.length === 0 ? { done: answer() } : 'again';
      },
    };
  }, { maxRounds: MAX_CONTENDED_ROUNDS, maxBackoffMs: MAX_CONTENDED_BACKOFF_MS, busy: () => new IngestBusy() });
}

/**
 * A put of a new item, refused when its eventId exists. Without ReturnValuesOnConditionCheckFailure:
 * returning the stored items made a cancelled transaction of 100 about twice as slow on DynamoDB
 * Local, and after a resend only the round's receipt (one item) is read, never a duplicate's item.
 */
function conditionalPut(ctx: StoreContext, item: UsageItem): TransactItem {
  return {
    Put: {
      TableName: ctx.tables.usage,
      Item: { ...item },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export class InvalidUsageCursor extends DomainError {
  constructor() { super('invalid_cursor', 'the cursor is not one this listing returned for this date', 400); }
}

export interface UsagePageQuery {
  /** 1..1000; @default 1000 */
  limit?: number;
  cursor?: string;
}

export interface UsagePage {
  events: UsageItem[];
  nextCursor: string | null;
}

const TIME_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([A-Za-z0-9._:@-]{1,128})$/;

/**
 * The time key a cursor stands for, judged by what it decodes to: a well-formed time key of an
 * instant on `day` in `zone` (so at most 153 bytes, and a cursor of one day cannot list another).
 */
export function decodeUsageCursor(cursor: string, day: BillingDay, zone: string): string {
  if (!/^[A-Za-z0-9_-]{1,300}$/.test(cursor)) throw new InvalidUsageCursor();
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(key, 'utf8').toString('base64url') !== cursor) throw new InvalidUsageCursor();
  const m = TIME_KEY.exec(key);
  if (!m || !isBillingDay(m[1]!.slice(0, 10)) || !Number.isFinite(Date.parse(m[1]!)) || utcIso(Date.parse(m[1]!)) !== m[1] || billingDayOf(m[1]!, zone) !== day) {
    throw new InvalidUsageCursor();
  }
  return key;
}

/**
 * One page of a project's usage items of one billing day, oldest first (by instant, then eventId),
 * from the time index. `nextCursor` is null on the last page: one more item than asked is read.
 */
export async function listUsagePage(ctx: StoreContext, projectId: string, day: BillingDay, q: UsagePageQuery = {}): Promise<UsagePage> {
  const limit = q.limit ?? DEFAULT_USAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_USAGE_LIMIT) throw new ValidationFailed(`limit must be 1..${MAX_USAGE_LIMIT}`);
  const after = q.cursor === undefined ? undefined : decodeUsageCursor(q.cursor, day, ctx.zone);
  const items = (await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.usage,
      IndexName: USAGE_TIME_INDEX,
      // A key condition rather than ExclusiveStartKey: the cursor needs no table key, only the time key.
      KeyConditionExpression: after === undefined ? 'projectDay = :pd' : 'projectDay = :pd AND timeKey > :after',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day), ...(after === undefined ? {} : { ':after': after }) },
    },
  }, { max: limit + 1 })) as unknown as UsageItem[];
  const shown = items.slice(0, limit);
  return {
    events: shown,
    nextCursor: items.length > limit ? Buffer.from(shown[shown.length - 1]!.timeKey, 'utf8').toString('base64url') : null,
  };
}

function withoutTags(e: RatedUsageEvent): Omit<RatedUsageEvent, 'tags'> {
  const { tags: _, ...rest } = e;
  return rest;
}

/** The tags of a stored item (or of an event not stored yet). */
export function tagsOf(item: { tags?: Tags; tagPairs?: [string, string][] }): Tags | undefined {
  // fromEntries defines own properties: a pair named `constructor` or `__proto__` stays data.
  if (item.tagPairs !== undefined) return Object.fromEntries(item.tagPairs);
  return item.tags;
}

/** The API's view of a stored event (UsageEvent plus cost): only its own fields, none of the item's. */
export function toRatedEvent(item: Omit<RatedUsageEvent, 'tags'> & { tags?: Tags; tagPairs?: [string, string][] }): RatedUsageEvent {
  const tags = tagsOf(item);
  return {
    eventId: item.eventId,
    projectId: item.projectId,
    kind: item.kind,
    destination: item.destination,
    occurredAt: item.occurredAt,
    ...(item.durationSec !== undefined ? { durationSec: item.durationSec } : {}),
    ...(item.segments !== undefined ? { segments: item.segments } : {}),
    cost: item.cost,
    ...(tags !== undefined ? { tags } : {}),
  };
}
