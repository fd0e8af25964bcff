/**
 * The running telecom total of each open day (Projects table, `telecom#<date>` in the project's
 * partition): the debit adds to it in the transaction that moves the balance, and the nightly charge
 * copies it into the day's `telecom_daily` line, checking in the same transaction that it did not
 * grow meanwhile.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, type BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import type { TelecomTotal } from '../domain/reconcile';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll } from './pager';
import { withRetries, type TransactItem } from './transactions';

/** A day's running total as read: absent until the first event of the day is debited. */
export interface TelecomItem { total: Money; events?: number }

export async function readTelecom(ctx: StoreContext, projectId: string, day: BillingDay): Promise<TelecomItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.telecom(projectId, day), ConsistentRead: true })));
  if (!out.Item) return null;
  return { total: Number(out.Item.total ?? 0), ...(out.Item.events !== undefined ? { events: Number(out.Item.events) } : {}) };
}

/** A ConditionCheck that the day's total is still what was read (or still absent). */
export function telecomUnchanged(ctx: StoreContext, projectId: string, day: BillingDay, telecom: TelecomItem | null): TransactItem {
  const Key = keys.telecom(projectId, day);
  if (!telecom) return { ConditionCheck: { TableName: ctx.tables.projects, Key, ConditionExpression: 'attribute_not_exists(pk)' } };
  const withEvents = telecom.events !== undefined;
  return {
    ConditionCheck: {
      TableName: ctx.tables.projects,
      Key,
      ConditionExpression: withEvents ? '#total = :total AND #events = :events' : '#total = :total',
      ExpressionAttributeNames: withEvents ? { '#total': 'total', '#events': 'events' } : { '#total': 'total' },
      ExpressionAttributeValues: withEvents ? { ':total': telecom.total, ':events': telecom.events } : { ':total': telecom.total },
    },
  };
}

/** The attribute of a telecom item counting the late events of `eventDay` in it (see telecomAdd). */
export const LATE_ATTRIBUTE_PREFIX = 'late#';

/**
 * The Update that adds `total` over `events` events to a day's running total, and, per own day of
 * its late events (`late`: events whose own day was closed, counted on this day), their number in
 * `late#<own day>`, so the close of this day knows which closed days' usage aggregates to redo
 * (shared/billing/usage-aggregates.ts) without reading any event. One attribute per own day: at
 * most a few, as late events are rare and come from recent days.
 */
export function telecomAdd(ctx: StoreContext, projectId: string, day: BillingDay, total: Money, events: number, late?: ReadonlyMap<BillingDay, number>): TransactItem {
  const lateDays = [...(late ?? [])];
  return {
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.telecom(projectId, day),
      UpdateExpression: ['ADD #total :total, #events :events', ...lateDays.map((_, i) => `#l${i} :l${i}`)].join(', '),
      ExpressionAttributeNames: { '#total': 'total', '#events': 'events', ...Object.fromEntries(lateDays.map(([d], i) => [`#l${i}`, `${LATE_ATTRIBUTE_PREFIX}${d}`])) },
      ExpressionAttributeValues: { ':total': total, ':events': events, ...Object.fromEntries(lateDays.map(([, n], i) => [`:l${i}`, n])) },
    },
  };
}

/** The running totals of the days after `chargedThrough` (strongly consistent), totals as stored. */
export async function readOpenTelecom(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, chargedThrough: BillingDay): Promise<TelecomTotal[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      // '~' sorts after every digit: the upper bound of every telecom#<date> key.
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':from': keys.telecom(projectId, addDays(chargedThrough, 1)).sk, ':to': `${keys.telecomPrefix}~` },
      ConsistentRead: true,
    },
  });
  return items.map((i) => ({ date: String(i.sk).slice(keys.telecomPrefix.length), total: i.total as Money, events: Number(i.events ?? 0) }));
}
