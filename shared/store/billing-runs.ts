/**
 * What a night's run did, per billing day (`GET /admin/billing-runs/{date}`), in the Projects table
 * under pk `billingrun#<date>`: `queued#<projectId>` for each project the fan-out sent, `charged#<projectId>`
 * once a charge-day worker charged it through the day, `failed#<projectId>` (the last error) when a
 * charge attempt failed, and `fanout` when a fan-out paged through every shard.
 *
 * One item per project and fact, written with plain puts: a retried fan-out or a redelivered message
 * writes the same item again, so the counts are of distinct projects however often the run repeats
 * (a counter with ADD would count the repeats). These items carry no `chargeShard`, so they never
 * appear in the byChargedThrough index the fan-out and the reconciler read.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import type { StoreContext } from './context';
import { readAll } from './pager';

const runKey = (date: BillingDay): string => `billingrun#${date}`;
/** BatchWriteItem takes 25 items. */
const BATCH = 25;

type Ctx = Pick<StoreContext, 'doc' | 'tables' | 'now'>;

/** Puts `items` in the Projects table, BATCH a request; unprocessed items (throttling) are sent again until none is left. */
async function putBatches(ctx: Ctx, items: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    let requests: Record<string, unknown[]> | undefined = {
      [ctx.tables.projects]: items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const out = await ctx.doc.send(new BatchWriteCommand({ RequestItems: requests as never }));
      requests = out.UnprocessedItems as Record<string, unknown[]> | undefined;
    }
  }
}

/** Marks projects as sent to the charge queue for `date`. */
export async function recordQueued(ctx: Ctx, date: BillingDay, projectIds: readonly string[]): Promise<void> {
  const at = new Date(ctx.now()).toISOString();
  await putBatches(ctx, projectIds.map((projectId) => ({ pk: runKey(date), sk: `queued#${projectId}`, projectId, at })));
}

/** Marks the fan-out for `date` as having read every shard (`projects`: how many this last pass sent). */
export async function recordFanOutDone(ctx: Ctx, date: BillingDay, projects: number): Promise<void> {
  await ctx.doc.send(new PutCommand({
    TableName: ctx.tables.projects,
    Item: { pk: runKey(date), sk: 'fanout', done: true, projects, at: new Date(ctx.now()).toISOString() },
  }));
}

/** A charge-day worker's mark: a project charged through `date` (`days` charged), or its last failed attempt. */
export type RunMark =
  | { date: BillingDay; projectId: string; charged: { days: number } }
  | { date: BillingDay; projectId: string; failed: { error: string } };

function markItem(mark: RunMark, at: string): Record<string, unknown> {
  const { date, projectId } = mark;
  return 'charged' in mark
    ? { pk: runKey(date), sk: `charged#${projectId}`, projectId, days: mark.charged.days, at }
    : { pk: runKey(date), sk: `failed#${projectId}`, projectId, error: mark.failed.error.slice(0, 500), at };
}

/**
 * Writes the marks of a batch of charges together, BATCH a request: plain puts of distinct items (a
 * project's charged and failed marks are two items), so batching them changes nothing they say.
 */
export async function recordMarks(ctx: Ctx, marks: readonly RunMark[]): Promise<void> {
  const at = new Date(ctx.now()).toISOString();
  // One request may not name an item twice: a mark repeated in the batch is written once.
  const items = new Map<string, Record<string, unknown>>();
  for (const m of marks) {
    const item = markItem(m, at);
    items.set(`${String(item.pk)}|${String(item.sk)}`, item);
  }
  await putBatches(ctx, [...items.values()]);
}

export interface BillingRunFacts {
  queued: Set<string>;
  charged: Set<string>;
  /** projectId → its last failure. */
  failed: Map<string, { error: string; at: string }>;
  fanOutDone: boolean;
}

/** Everything recorded for `date`. */
export async function readBillingRun(ctx: Pick<StoreContext, 'doc' | 'tables'>, date: BillingDay): Promise<BillingRunFacts> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': runKey(date) },
      ConsistentRead: true,
    },
  });
  const facts: BillingRunFacts = { queued: new Set(), charged: new Set(), failed: new Map(), fanOutDone: false };
  for (const item of items) {
    const sk = String(item.sk);
    if (sk === 'fanout') facts.fanOutDone = item.done === true;
    else if (sk.startsWith('queued#')) facts.queued.add(String(item.projectId));
    else if (sk.startsWith('charged#')) facts.charged.add(String(item.projectId));
    else if (sk.startsWith('failed#')) facts.failed.set(String(item.projectId), { error: String(item.error), at: String(item.at) });
  }
  return facts;
}
