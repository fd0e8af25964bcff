/**
 * What the reconciler reads of usage (shared/billing/reconcile.ts): only the fields its checks need
 * (shared/domain/reconcile.ts UsageFacts), by project day from the `byProjectDay` index, by event id
 * (strongly consistent), or in one scan of the whole Usage table.
 */
import type { BillingDay } from '../domain/billing-days';
import type { UsageFacts } from '../domain/reconcile';
import type { StoreContext } from './context';
import { keys } from './keys';
import { batchGetAll, pages, readAll } from './pager';
import { USAGE_INDEX } from './usage';

/** The usage fields the reconciler reads, with the project they belong to. */
export type UsageRow = UsageFacts & { projectId: string };

const USAGE_FIELDS = ['eventId', 'projectId', 'cost', 'day', 'receivedAt', 'debitedAt', 'countedOn'] as const;
const projection = {
  ProjectionExpression: USAGE_FIELDS.map((f) => `#${f}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(USAGE_FIELDS.map((f) => [`#${f}`, f])),
};

type ReadContext = Pick<StoreContext, 'doc' | 'tables'>;

/** One project's usage of one day, from the byProjectDay index (eventually consistent). */
export async function readUsageDay(ctx: ReadContext, projectId: string, day: BillingDay): Promise<UsageRow[]> {
  return (await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.usage,
      IndexName: USAGE_INDEX,
      KeyConditionExpression: 'projectDay = :pd',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day) },
      ...projection,
    },
  })) as unknown as UsageRow[];
}

/** Usage rows by event id, strongly consistent. */
export async function readUsageRows(ctx: ReadContext, eventIds: readonly string[]): Promise<Map<string, UsageRow>> {
  const items = await batchGetAll(ctx.doc, ctx.tables.usage, eventIds.map((id) => keys.usage(id)), { consistent: true, projection });
  return new Map(items.map((i) => [String(i.eventId), i as unknown as UsageRow]));
}

/** One strongly consistent pass over the Usage table, `segments` parallel segments, each row handed to `visit`. */
export async function scanUsageRows(ctx: ReadContext, segments: number, visit: (row: UsageRow) => void): Promise<void> {
  await Promise.all(Array.from({ length: segments }, async (_, segment) => {
    for await (const page of pages(ctx.doc, {
      Scan: { TableName: ctx.tables.usage, ConsistentRead: true, ...projection, ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}) },
    })) {
      for (const item of page.items) if (typeof item.projectId === 'string') visit(item as unknown as UsageRow);
    }
  }));
}
