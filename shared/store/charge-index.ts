/**
 * The `byChargedThrough` index of the Projects table (pk `chargeShard`, sk `chargedThrough`): it holds
 * project items only, spread over CHARGE_SHARDS partitions. The nightly fan-out asks it for the
 * projects not yet charged for a day (`chargedThrough < date`, per shard, paged and resumable), the
 * reconciler for every project, so neither ever scans the table's timelines, totals and keys.
 */
import type { BillingDay } from '../domain/billing-days';
import { mapLimit } from '../concurrency';
import type { StoreContext } from './context';
import { readAll, readPage, type Item } from './pager';
import { CHARGE_SHARDS, TABLES } from '../tables';

export const CHARGE_INDEX = TABLES.projects.globalSecondaryIndexes[0].indexName;

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
export async function projectsToChargePage(ctx: Pick<StoreContext, 'doc' | 'tables'>, date: BillingDay, cursor: FanOutCursor = { shard: 0 }, pageSize = 1000): Promise<FanOutPage> {
  let { shard, lastKey } = cursor;
  while (shard < CHARGE_SHARDS) {
    const page = await readPage(ctx.doc, {
      Query: {
        TableName: ctx.tables.projects,
        IndexName: CHARGE_INDEX,
        KeyConditionExpression: 'chargeShard = :shard AND chargedThrough < :date',
        ExpressionAttributeValues: { ':shard': `shard#${shard}`, ':date': date },
        ProjectionExpression: 'projectId',
      },
    }, lastKey as Item | undefined, pageSize);
    const projectIds = page.items.map((i) => String(i.projectId));
    if (page.lastKey) return { projectIds, next: { shard, lastKey: page.lastKey } };
    shard += 1;
    lastKey = undefined;
    if (projectIds.length > 0) return { projectIds, next: shard < CHARGE_SHARDS ? { shard } : null };
  }
  return { projectIds: [], next: null };
}

/** Every project id, sorted. */
export async function listProjectIds(ctx: Pick<StoreContext, 'doc' | 'tables'>): Promise<string[]> {
  const shards = Array.from({ length: CHARGE_SHARDS }, (_, i) => `shard#${i}`);
  const perShard = await mapLimit(shards, 4, async (shard) => {
    const items = await readAll(ctx.doc, {
      Query: {
        TableName: ctx.tables.projects,
        IndexName: CHARGE_INDEX,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': 'chargeShard', '#sk': 'sk', '#projectId': 'projectId' },
        ExpressionAttributeValues: { ':shard': shard },
        ProjectionExpression: '#sk, #projectId',
      },
    });
    return items.filter((i) => i.sk === 'project' && typeof i.projectId === 'string').map((i) => String(i.projectId));
  });
  return [...new Set(perShard.flat())].sort();
}
