/**
 * The nightly fan-out (RELIABILITY.md rule 10): the projects that still need a charge for `date`,
 * found through the `byChargedThrough` index (`chargedThrough < date`, one query per shard, paged),
 * never by scanning every item, and sent to the charge queue as `{projectId, date}`.
 *
 * Resumable two ways: a cursor `{shard, lastKey}` continues exactly where a run stopped; and a run
 * started from scratch skips every project already charged, because a charge moves its project out
 * of the index range, so the index itself is the progress record. Sending a project twice is
 * harmless (the charge is idempotent).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import type { ChargeQueue } from '../runtime';
// Links the SQS charge queue into the functions that fan out (and only those).
import '../charge-queue';
import type { StoreContext } from './context';
import { CHARGE_SHARDS } from './tables';
import { withRetries } from './transactions';

export const CHARGE_INDEX = 'byChargedThrough';

/** Where a fan-out stopped: the shard it was in and the index key of the last project read there. */
export interface FanOutCursor {
  shard: number;
  lastKey?: Record<string, unknown>;
}

export interface FanOutPage {
  projectIds: string[];
  /** null once every shard is read. */
  next: FanOutCursor | null;
}

/** Checks a cursor that came from outside (an event, an HTTP body) before it reaches DynamoDB. */
export function isFanOutCursor(value: unknown): value is FanOutCursor {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  if (!Number.isInteger(c.shard) || (c.shard as number) < 0 || (c.shard as number) >= CHARGE_SHARDS) return false;
  if (c.lastKey === undefined) return true;
  if (typeof c.lastKey !== 'object' || c.lastKey === null) return false;
  return Object.values(c.lastKey).every((v) => typeof v === 'string');
}

/** One page of projects with `chargedThrough < date`, from `cursor` on. */
export async function projectsToChargePage(ctx: StoreContext, date: BillingDay, cursor: FanOutCursor = { shard: 0 }, pageSize = 1000): Promise<FanOutPage> {
  let { shard, lastKey } = cursor;
  while (shard < CHARGE_SHARDS) {
    const page = await withRetries(() => ctx.doc.send(new QueryCommand({
      TableName: ctx.tables.projects,
      IndexName: CHARGE_INDEX,
      KeyConditionExpression: 'chargeShard = :shard AND chargedThrough < :date',
      ExpressionAttributeValues: { ':shard': `shard#${shard}`, ':date': date },
      ProjectionExpression: 'projectId',
      Limit: pageSize,
      ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
    })));
    const projectIds = (page.Items ?? []).map((i) => String(i.projectId));
    if (page.LastEvaluatedKey) return { projectIds, next: { shard, lastKey: page.LastEvaluatedKey } };
    shard += 1;
    lastKey = undefined;
    if (projectIds.length > 0) return { projectIds, next: shard < CHARGE_SHARDS ? { shard } : null };
  }
  return { projectIds: [], next: null };
}

export interface FanOutResult {
  date: BillingDay;
  /** Projects sent to the queue by this call. */
  projects: number;
  /** Set when the run stopped early (`shouldStop`): pass it back to continue. */
  cursor?: FanOutCursor;
}

// SendMessageBatch takes 10; a few batches in flight at once keep 100,000 projects well within minutes.
const SEND_CHUNK = 100;

/**
 * Sends `{projectId, date}` for every project that needs a charge for `date`, page by page. Checks
 * `shouldStop` between pages (e.g. a Lambda running out of time) and then returns the cursor to
 * resume from. The schedule's handler and `POST /admin/billing-runs` both call this.
 */
export async function fanOut(
  ctx: StoreContext,
  queue: ChargeQueue,
  date: BillingDay,
  opts: { cursor?: FanOutCursor; shouldStop?: () => boolean; pageSize?: number } = {},
): Promise<FanOutResult> {
  let cursor: FanOutCursor | null = opts.cursor ?? { shard: 0 };
  let projects = 0;
  while (cursor) {
    if (opts.shouldStop?.()) return { date, projects, cursor };
    const page = await projectsToChargePage(ctx, date, cursor, opts.pageSize);
    const messages = page.projectIds.map((projectId) => ({ projectId, date }));
    const chunks: (typeof messages)[] = [];
    for (let i = 0; i < messages.length; i += SEND_CHUNK) chunks.push(messages.slice(i, i + SEND_CHUNK));
    await Promise.all(chunks.map((c) => queue.send(c)));
    projects += messages.length;
    cursor = page.next;
  }
  return { date, projects };
}
