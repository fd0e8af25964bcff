/**
 * Usage items (Usage table, `usage#<eventId>`): one item per eventId, written with a conditional put
 * so a duplicate is refused at the write, never stored or debited twice. Their stream drives the
 * real-time debit, which marks each item debited in the transaction that moves the balance.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { billingDayOf, isBillingDay, type BillingDay } from '../domain/billing-days';
import { DomainError, ValidationFailed } from '../domain/errors';
import { utcIso } from '../domain/timeline-snapshot';
import type { RatedUsageEvent } from '../domain/usage';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll } from './pager';
import { isConditionFailed, withRetries, type TransactItem } from './transactions';

/** A rated event as stored, keyed by its eventId. */
export interface UsageItem extends RatedUsageEvent {
  pk: string;
  /** The billing day of occurredAt. */
  day: BillingDay;
  projectDay: string;
  /** `<occurredAt as fixed-width UTC>#<eventId>`: the sort key of a day's listing (byProjectDayTime). */
  timeKey: string;
  receivedAt: string;
  /** The ingest round that stored the item (shared/store/commit.ts receipts). */
  attemptId?: string;
  /** Set once, by the debit, in the transaction that moves the balance. */
  debitedAt?: string;
  /** The open day whose telecom total this event was added to. */
  countedOn?: BillingDay;
}

export const USAGE_INDEX = 'byProjectDay';
/** A day's events by instant then eventId, whatever offset each was sent with. */
export const USAGE_TIME_INDEX = 'byProjectDayTime';

export const DEFAULT_USAGE_LIMIT = 1000;
export const MAX_USAGE_LIMIT = 1000;

/** `<UTC ISO, 24 characters>#<eventId>`: sorts as the instants do, then by id. */
export function timeKeyOf(occurredAt: string, eventId: string): string {
  return `${utcIso(Date.parse(occurredAt))}#${eventId}`;
}

export function usageItemOf(zone: string, event: RatedUsageEvent, receivedAt: string, attemptId?: string): UsageItem {
  const day = billingDayOf(event.occurredAt, zone);
  return {
    ...keys.usage(event.eventId),
    ...toRatedEvent(event),
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

/** Puts the item unless its eventId is stored already: 'stored', or 'exists' when it was refused. */
export async function putUsageItem(ctx: StoreContext, item: UsageItem): Promise<'stored' | 'exists'> {
  try {
    await withRetries(() => ctx.doc.send(new PutCommand({ TableName: ctx.tables.usage, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
    return 'stored';
  } catch (e) {
    if (isConditionFailed(e)) return 'exists';
    throw e;
  }
}

/** The attribute a debit mark's receipt is kept in (the item's own `attemptId` is the ingest's). */
export const DEBIT_RECEIPT_ATTRIBUTE = 'debitAttemptId';

/**
 * The Update that marks an event debited and counted on `day`, refused when it is already marked (the
 * exactly-once guarantee of the debit).
 */
export function debitMark(ctx: StoreContext, eventId: string, debitedAt: string, day: BillingDay, attemptId?: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.usage,
      Key: keys.usage(eventId),
      UpdateExpression: `SET debitedAt = :at, countedOn = :day${attemptId ? `, ${DEBIT_RECEIPT_ATTRIBUTE} = :attempt` : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(debitedAt)',
      ExpressionAttributeValues: { ':at': debitedAt, ':day': day, ...(attemptId ? { ':attempt': attemptId } : {}) },
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

/** The API's view of a stored event (UsageEvent plus cost): only its own fields, none of the item's. */
export function toRatedEvent(item: RatedUsageEvent): RatedUsageEvent {
  return {
    eventId: item.eventId,
    projectId: item.projectId,
    kind: item.kind,
    destination: item.destination,
    occurredAt: item.occurredAt,
    ...(item.durationSec !== undefined ? { durationSec: item.durationSec } : {}),
    ...(item.segments !== undefined ? { segments: item.segments } : {}),
    cost: item.cost,
  };
}
