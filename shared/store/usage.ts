/**
 * Usage items (Usage table, `usage#<eventId>`): one item per eventId, written with a conditional put
 * so a duplicate is refused at the write, never stored or debited twice. Their stream drives the
 * real-time debit, which marks each item debited in the transaction that moves the balance.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { billingDayOf, type BillingDay } from '../domain/billing-days';
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
  receivedAt: string;
  /** The ingest round that stored the item (shared/store/commit.ts receipts). */
  attemptId?: string;
  /** Set once, by the debit, in the transaction that moves the balance. */
  debitedAt?: string;
  /** The open day whose telecom total this event was added to. */
  countedOn?: BillingDay;
}

export const USAGE_INDEX = 'byProjectDay';

export function usageItemOf(zone: string, event: RatedUsageEvent, receivedAt: string, attemptId?: string): UsageItem {
  const day = billingDayOf(event.occurredAt, zone);
  return {
    ...keys.usage(event.eventId),
    ...toRatedEvent(event),
    day,
    projectDay: keys.projectDay(event.projectId, day),
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

/** A project's usage items of one billing day, oldest first (by instant, then eventId). */
export async function listUsageDay(ctx: StoreContext, projectId: string, day: BillingDay): Promise<UsageItem[]> {
  const items = (await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.usage,
      IndexName: USAGE_INDEX,
      KeyConditionExpression: 'projectDay = :pd',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day) },
    },
  })) as unknown as UsageItem[];
  // The index sorts occurredAt as text, which is not time order across offsets (+02:00 vs Z).
  const at = new Map(items.map((i) => [i, Date.parse(i.occurredAt)]));
  return items.sort((a, b) => at.get(a)! - at.get(b)! || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
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
