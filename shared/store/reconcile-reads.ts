/**
 * What the reconciler reads of usage (shared/billing/reconcile.ts): only the fields its checks need
 * (shared/domain/reconcile.ts UsageFacts), by project day from the `byProjectDayTime` index or in one
 * scan of the whole Usage table, each event with its debit mark (Ledger table, strongly consistent).
 */
import type { BillingDay } from '../domain/billing-days';
import type { UsageFacts } from '../domain/reconcile';
import type { StoreContext } from './context';
import { keys } from './keys';
import { withDebitMarks } from './debit-marks';
import { pages, projectionOf, readAll } from './pager';
import { USAGE_TIME_INDEX } from './usage';

/** The usage fields the reconciler reads, with the project they belong to. */
export type UsageRow = UsageFacts & { projectId: string };

const projection = projectionOf('eventId', 'projectId', 'cost', 'day', 'receivedAt');

type ReadContext = Pick<StoreContext, 'doc' | 'tables'>;

/** One project's usage of one day, from the time index (eventually consistent), with the marks. */
export async function readUsageDay(ctx: ReadContext, projectId: string, day: BillingDay): Promise<UsageRow[]> {
  return withDebitMarks(ctx, (await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.usage,
      IndexName: USAGE_TIME_INDEX,
      KeyConditionExpression: 'projectDay = :pd',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day) },
      ...projection,
    },
  })) as unknown as UsageRow[]);
}

/**
 * One strongly consistent pass over the Usage table, `segments` parallel segments, each row handed to
 * `visit` with its mark (read page by page, so memory stays one page per segment).
 */
export async function scanUsageRows(ctx: ReadContext, segments: number, visit: (row: UsageRow) => void): Promise<void> {
  await Promise.all(Array.from({ length: segments }, async (_, segment) => {
    for await (const page of pages(ctx.doc, {
      Scan: { TableName: ctx.tables.usage, ConsistentRead: true, ...projection, ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}) },
    })) {
      const rows = page.items.filter((item) => typeof item.projectId === 'string') as unknown as UsageRow[];
      for (const row of await withDebitMarks(ctx, rows)) visit(row);
    }
  }));
}
