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

/** Marks projects as sent to the charge queue for `date`. */
export async function recordQueued(ctx: Ctx, date: BillingDay, projectIds: readonly string[]): Promise<void> {
  const at = new Date(ctx.now()).toISOString();
  for (let i = 0; i < projectIds.length; i += BATCH) {
    let requests: Record<string, unknown[]> | undefined = {
      [ctx.tables.projects]: projectIds.slice(i, i + BATCH).map((projectId) => ({
        PutRequest: { Item: { pk: runKey(date), sk: `queued#${projectId}`, projectId, at } },
      })),
    };
    // Unprocessed items (throttling) are sent again until none is left.
    for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const out = await ctx.doc.send(new BatchWriteCommand({ RequestItems: requests as never }));
      requests = out.UnprocessedItems as Record<string, unknown[]> | undefined;
    }
  }
}

/** Marks the fan-out for `date` as having read every shard (`projects`: how many this last pass sent). */
export async function recordFanOutDone(ctx: Ctx, date: BillingDay, projects: number): Promise<void> {
  await ctx.doc.send(new PutCommand({
    TableName: ctx.tables.projects,
    Item: { pk: runKey(date), sk: 'fanout', done: true, projects, at: new Date(ctx.now()).toISOString() },
  }));
}

/** Marks a project charged through `date`. */
export async function recordCharged(ctx: Ctx, date: BillingDay, projectId: string, days: number): Promise<void> {
  await ctx.doc.send(new PutCommand({
    TableName: ctx.tables.projects,
    Item: { pk: runKey(date), sk: `charged#${projectId}`, projectId, days, at: new Date(ctx.now()).toISOString() },
  }));
}

/** Records the last failed charge attempt of a project for `date` (a later success outranks it). */
export async function recordFailed(ctx: Ctx, date: BillingDay, projectId: string, error: string): Promise<void> {
  await ctx.doc.send(new PutCommand({
    TableName: ctx.tables.projects,
    Item: { pk: runKey(date), sk: `failed#${projectId}`, projectId, error: error.slice(0, 500), at: new Date(ctx.now()).toISOString() },
  }));
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
