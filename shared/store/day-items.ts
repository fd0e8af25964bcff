/**
 * A project's per-day items of one kind (`telecom#<date>`, `draws#<date>`, `usage-agg#<date>` in its
 * partition of the Projects table), read by day range in one query: the statements, reports, the
 * reconciler and the forecast read days this way, never events.
 */
import { addDays, type BillingDay } from '../domain/billing-days';
import type { StoreContext } from './context';
import { readAll, type Item } from './pager';

/** The key of one day's item of a kind (keys.telecom, keys.draws, keys.usageAggregate). */
export type DayKey = (projectId: string, day: BillingDay) => { pk: string; sk: string };

/**
 * The items of `dayKey` for the days `from`..`to` (inclusive), in day order; `to` 'open': every day
 * from `from` on. Strongly consistent unless `consistent` is false.
 */
export async function readDayItems(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, dayKey: DayKey, from: BillingDay, to: BillingDay | 'open', consistent = true): Promise<Item[]> {
  if (to !== 'open' && to < from) return [];
  const { pk, sk: prefix } = dayKey(projectId, '');
  return readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      // '~' sorts after every digit: the upper bound of every <prefix><date> key.
      ExpressionAttributeValues: { ':pk': pk, ':from': `${prefix}${from}`, ':to': to === 'open' ? `${prefix}~` : `${prefix}${to}` },
      ...(consistent ? { ConsistentRead: true } : {}),
    },
  });
}

/** The items of the days after `day`, every one (the open days after the last charged one). */
export function readDayItemsAfter(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, dayKey: DayKey, day: BillingDay): Promise<Item[]> {
  return readDayItems(ctx, projectId, dayKey, addDays(day, 1), 'open');
}

