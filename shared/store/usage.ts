/**
 * Usage events: one item per eventId, written with a conditional put so a duplicate is refused at the
 * write (and counted), never stored or debited twice. The stream of this table drives the real-time
 * debit (debit.ts); this module only stores rated events and reads a project's day.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import type { RatedUsageEvent } from '../domain/types';
import { nowIso, type StoreContext } from './context';
import { keys } from './keys';
import { isConditionFailed, withRetries } from './transactions';

/** A rated event as stored, keyed by its eventId. */
export interface UsageItem extends RatedUsageEvent {
  pk: string;
  /** The billing day of occurredAt. */
  day: BillingDay;
  projectDay: string;
  receivedAt: string;
  /**
   * The ingest call that stored the item: when that call's put commits but its answer is lost, the
   * retried put fails its condition, and this tells "our own write" from a real duplicate.
   */
  ingestId?: string;
  /** Set once, by the debit, in the transaction that moves the balance. */
  debitedAt?: string;
  /** The open day whose telecom total this event was added to. */
  countedOn?: BillingDay;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** Conditional puts in flight at once: enough to hide latency, few enough not to trip throttling. */
export const INGEST_CONCURRENCY = 25;

export function usageItemOf(ctx: StoreContext, event: RatedUsageEvent, receivedAt: string, ingestId?: string): UsageItem {
  const day = billingDayOf(event.occurredAt, ctx.zone);
  return {
    ...keys.usage(event.eventId),
    ...toRatedEvent(event),
    day,
    projectDay: keys.projectDay(event.projectId, day),
    receivedAt,
    ...(ingestId !== undefined ? { ingestId } : {}),
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Stores rated events, each exactly once. One conditional put per event rather than BatchWrite (which
 * cannot carry a condition, so it would overwrite a duplicate and re-emit it on the stream) or
 * TransactWrite chunks (one duplicate would cancel its 99 neighbours and cost a retry round, and the
 * reasons would be needed to count). An event id repeated inside the request counts as a duplicate
 * without a write. Not atomic across events: if a write fails part way the request errors, and its
 * retry counts the events already stored as duplicates, so nothing is ever stored twice. A put whose
 * condition fails is read back: if it carries this call's ingestId, the first try committed and only its
 * answer was lost (the SDK or withRetries sent it again), so the event counts as accepted.
 */
export async function ingestUsage(ctx: StoreContext, events: readonly RatedUsageEvent[]): Promise<IngestResult> {
  const receivedAt = nowIso(ctx);
  const ingestId = randomUUID();
  const seen = new Set<string>();
  const fresh: UsageItem[] = [];
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    fresh.push(usageItemOf(ctx, e, receivedAt, ingestId));
  }
  let duplicates = events.length - fresh.length;
  const written = await mapLimit(fresh, INGEST_CONCURRENCY, async (item) => {
    try {
      await withRetries(() => ctx.doc.send(new PutCommand({ TableName: ctx.tables.usage, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
      return true;
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      const got = await withRetries(() => ctx.doc.send(new GetCommand({
        TableName: ctx.tables.usage, Key: keys.usage(item.eventId), ConsistentRead: true, ProjectionExpression: 'ingestId',
      })));
      return got.Item?.ingestId === ingestId;
    }
  });
  for (const w of written) if (!w) duplicates++;
  return { accepted: events.length - duplicates, duplicates };
}

/** A project's usage items of one billing day, oldest first (by instant, then eventId). */
export async function listUsageDay(ctx: StoreContext, projectId: string, day: BillingDay): Promise<UsageItem[]> {
  const items: UsageItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ctx.doc.send(new QueryCommand({
      TableName: ctx.tables.usage,
      IndexName: 'byProjectDay',
      KeyConditionExpression: 'projectDay = :pd',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day) },
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    items.push(...((out.Items ?? []) as UsageItem[]));
    start = out.LastEvaluatedKey;
  } while (start);
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
