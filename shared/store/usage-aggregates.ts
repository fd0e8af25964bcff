/**
 * The usage report's stored aggregates (Projects table, in the project's partition):
 *   - `usage-agg#<day>`: the cells (domain/usage-report.ts) of every event stored for that day (its
 *     own day, occurredAt), as one JSON string, with the number of events it covers. Written when
 *     the day is closed, and written again when late events of the day are counted in a later day.
 *     A write never lowers `events`: events of a day are only ever added, so a recount of more events
 *     is newer, and a retry or a racing writer with as many is the same aggregate.
 *   - `usage-aggs`: `through`, the last closed day whose aggregates are written.
 * Reading a day's events and the telecom items' late counts also lives here.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import type { LedgerType } from '../domain/ledger';
import type { Money } from '../domain/money';
import type { ReportEvent } from '../domain/usage-report';
import type { StoreContext } from './context';
import { readDayItems, readDayItemsAfter } from './day-items';
import { keys } from './keys';
import { projectionOf, readAll } from './pager';
import { telecomItemOf, type TelecomItem } from './telecom';
import { isConditionFailed, withRetries } from './transactions';
import { USAGE_TIME_INDEX } from './usage';

export interface StoredAggregate {
  day: BillingDay;
  /** Events of the day it covers. */
  events: number;
  /** Encoded cells; null: too large to keep, the day is answered from its events. */
  cells: string | null;
}

/** Every stored event of `day` (its own day), with only what the report needs. */
export async function readDayEvents(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, day: BillingDay): Promise<ReportEvent[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.usage,
      IndexName: USAGE_TIME_INDEX,
      KeyConditionExpression: 'projectDay = :pd',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day) },
      ...projectionOf('kind', 'destination', 'durationSec', 'cost', 'prefix', 'country', 'tagPairs'),
    },
  });
  return items as unknown as ReportEvent[];
}

/** Writes `agg` unless a stored one covers more events (see the module comment); true if written. */
export async function putAggregate(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, agg: StoredAggregate, closedOn: BillingDay): Promise<boolean> {
  try {
    await withRetries(() => ctx.doc.send(new PutCommand({
      TableName: ctx.tables.projects,
      Item: { ...keys.usageAggregate(projectId, agg.day), day: agg.day, events: agg.events, closedOn, ...(agg.cells === null ? { tooLarge: true } : { cells: agg.cells }) },
      ConditionExpression: 'attribute_not_exists(pk) OR #events <= :events',
      ExpressionAttributeNames: { '#events': 'events' },
      ExpressionAttributeValues: { ':events': agg.events },
    })));
    return true;
  } catch (e) {
    if (isConditionFailed(e)) return false;
    throw e;
  }
}

function toAggregate(i: Record<string, unknown>): StoredAggregate {
  return { day: String(i.day), events: Number(i.events), cells: typeof i.cells === 'string' ? i.cells : null };
}

/** The stored aggregates of `from`..`to`, by day. */
export async function readAggregates(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, from: BillingDay, to: BillingDay): Promise<Map<BillingDay, StoredAggregate>> {
  // Eventually consistent: an aggregate is written once its day is closed and only grows after.
  const items = await readDayItems(ctx, projectId, keys.usageAggregate, from, to, false);
  return new Map(items.map((i) => { const a = toAggregate(i); return [a.day, a]; }));
}

/** The last closed day whose aggregates are written, or null before the first. */
export async function readAggregatesMark(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string): Promise<BillingDay | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.usageAggregatesMark(projectId), ConsistentRead: true })));
  return out.Item ? String(out.Item.through) : null;
}

/** Moves the mark to `day`, never back (a late retry of an older night leaves a newer mark). */
export async function advanceAggregatesMark(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, day: BillingDay): Promise<void> {
  try {
    await withRetries(() => ctx.doc.send(new PutCommand({
      TableName: ctx.tables.projects,
      Item: { ...keys.usageAggregatesMark(projectId), through: day },
      ConditionExpression: 'attribute_not_exists(pk) OR #through < :through',
      ExpressionAttributeNames: { '#through': 'through' },
      ExpressionAttributeValues: { ':through': day },
    })));
  } catch (e) {
    if (!isConditionFailed(e)) throw e;
  }
}

/** A telecom item's events and its late events by their own day. */
export interface TelecomCounts { day: BillingDay; events: number | null; late: Map<BillingDay, number> }

/** The counts of a telecom item as read (store/telecom.ts): what the charge of its day read serves here too. */
export function countsOfTelecom(day: BillingDay, telecom: TelecomItem): TelecomCounts {
  return { day, events: telecom.events ?? null, late: telecom.late ?? new Map() };
}

function countsOf(day: BillingDay, item: Record<string, unknown>): TelecomCounts {
  return countsOfTelecom(day, telecomItemOf(item));
}

/** A day's telecom counts (strongly consistent); null when nothing was debited on it. */
export async function readTelecomCounts(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, day: BillingDay): Promise<TelecomCounts | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.telecom(projectId, day), ConsistentRead: true })));
  return out.Item ? countsOf(day, out.Item) : null;
}

/** The telecom counts of every day after `after` (strongly consistent). */
export async function readTelecomCountsAfter(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, after: BillingDay): Promise<TelecomCounts[]> {
  const items = await readDayItemsAfter(ctx, projectId, keys.telecom, after);
  return items.map((i) => countsOf(String(i.sk).slice(keys.telecomPrefix.length), i));
}

/**
 * The ledger entries dated `from`..`to` with what a report sums (date, type, amount): a day holds a
 * few lines per product and number, never one per event.
 */
export async function readLedgerAmounts(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, from: BillingDay, to: BillingDay): Promise<{ date: BillingDay; type: LedgerType; amount: Money }[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId), ':lo': `${from}#`, ':hi': `${to}$` },
      ...projectionOf('date', 'type', 'amount'),
    },
  });
  return items.map((i) => ({ date: String(i.date), type: String(i.type) as LedgerType, amount: Number(i.amount) }));
}
