/**
 * The running telecom total of each open day (Projects table, `telecom#<date>` in the project's
 * partition): the debit adds to it in the transaction that moves the balance, and the nightly charge
 * copies it into the day's `telecom_daily` line, checking in the same transaction that it did not
 * grow meanwhile.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import type { TelecomTotal } from '../domain/reconcile';
import { countedDay, UsageKind } from '../domain/usage';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readDayItems, readDayItemsAfter } from './day-items';
import { withRetries, type TransactItem } from './transactions';

/**
 * A day's running total as read: absent until the first event of the day is debited. `late`: the
 * late events counted on the day, by their own day (see telecomAdd), for the close's usage aggregates;
 * `kinds`: its per-kind counters, which the close books into the month's sums.
 */
export interface TelecomItem { total: Money; events?: number; late?: Map<BillingDay, number>; kinds?: Map<UsageKind, KindAdd> }

/** A stored telecom item as read (see TelecomItem). */
export function telecomItemOf(item: Record<string, unknown>): TelecomItem {
  const late = new Map<BillingDay, number>();
  for (const name of Object.keys(item)) {
    if (name.startsWith(LATE_ATTRIBUTE_PREFIX)) late.set(name.slice(LATE_ATTRIBUTE_PREFIX.length), Number(item[name]));
  }
  return { total: Number(item.total ?? 0), ...(item.events !== undefined ? { events: Number(item.events) } : {}), late, kinds: kindsOfItems([item]) };
}

export async function readTelecom(ctx: StoreContext, projectId: string, day: BillingDay): Promise<TelecomItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.telecom(projectId, day), ConsistentRead: true })));
  return out.Item ? telecomItemOf(out.Item) : null;
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

/** One kind's part of what a debit adds to a day: its events' cost and how many. */
export interface KindAdd { amount: Money; count: number }

/** The attributes a day's item counts a kind in (kinds are the contract's fixed names, never a client's). */
const kindAttributes = (kind: UsageKind) => ({ amount: `amount_${kind}`, count: `count_${kind}` });

/**
 * The per-kind parts of the events of `events` counted on `day` (docs/api.md "Statements": telecom by
 * kind), for telecomAdd: the statement of a month sums them over its days and never reads the events.
 */
export function kindsCountedOn(events: readonly { day: BillingDay; kind: UsageKind; cost: Money }[], day: BillingDay, chargedThrough: BillingDay): Map<UsageKind, KindAdd> {
  const out = new Map<UsageKind, KindAdd>();
  for (const e of events) {
    if (countedDay(e.day, chargedThrough) !== day) continue;
    const k = out.get(e.kind) ?? { amount: 0, count: 0 };
    out.set(e.kind, { amount: k.amount + e.cost, count: k.count + 1 });
  }
  return out;
}

/** The attribute of a telecom item counting the late events of `eventDay` in it (see telecomAdd). */
export const LATE_ATTRIBUTE_PREFIX = 'late#';

/**
 * The Update that adds `total` over `events` events to a day's running total, and each kind's part
 * to the day's per-kind counters. The nightly charge never deletes the item of a day it closes (it only
 * checks that it did not grow), so a closed day's counters stay readable for its month's statement.
 * `late` (per own day of its late events: events whose own day was closed, counted on this day) adds their
 * number in `late#<own day>`, so the close of this day knows which closed days' usage aggregates to redo
 * (shared/billing/usage-aggregates.ts) without reading any event: at most a few, as late events are rare.
 * `exact`: refused (a failed condition) when the day's total would pass Number.MAX_SAFE_INTEGER, past
 * which its `telecom_daily` line could not be an exact integer.
 */
export function telecomAdd(ctx: StoreContext, projectId: string, day: BillingDay, total: Money, events: number, kinds: ReadonlyMap<UsageKind, KindAdd> = new Map(), late?: ReadonlyMap<BillingDay, number>,
  opts: { exact?: boolean } = {}): TransactItem {
  const names: Record<string, string> = { '#total': 'total', '#events': 'events' };
  const values: Record<string, unknown> = { ':total': total, ':events': events };
  const adds = ['#total :total', '#events :events'];
  let i = 0;
  for (const [kind, add] of kinds) {
    const a = kindAttributes(kind);
    names[`#ka${i}`] = a.amount;
    names[`#kc${i}`] = a.count;
    values[`:ka${i}`] = add.amount;
    values[`:kc${i}`] = add.count;
    adds.push(`#ka${i} :ka${i}`, `#kc${i} :kc${i}`);
    i++;
  }
  let j = 0;
  for (const [d, n] of late ?? []) {
    names[`#l${j}`] = `${LATE_ATTRIBUTE_PREFIX}${d}`;
    values[`:l${j}`] = n;
    adds.push(`#l${j} :l${j}`);
    j++;
  }
  if (opts.exact) values[':room'] = Number.MAX_SAFE_INTEGER - total;
  return {
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.telecom(projectId, day),
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ...(opts.exact ? { ConditionExpression: 'attribute_not_exists(#total) OR #total <= :room' } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The month's telecom by kind: the per-kind counters of the days `from`..`to` summed (one query of at
 * most 31 small items, whatever the number of events).
 */
export async function readTelecomKinds(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, from: BillingDay, to: BillingDay): Promise<Map<UsageKind, KindAdd>> {
  return kindsOfItems(await readDayItems(ctx, projectId, keys.telecom, from, to));
}

/** The telecom items of the days `from`..`to` (strongly consistent), by day, in one query. */
export async function readTelecomDays(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, from: BillingDay, to: BillingDay): Promise<Map<BillingDay, Record<string, unknown>>> {
  const items = await readDayItems(ctx, projectId, keys.telecom, from, to);
  return new Map(items.map((i) => [String(i.sk).slice(keys.telecomPrefix.length), i]));
}

/** The per-kind counters of telecom items, summed. */
export function kindsOfItems(items: Iterable<Record<string, unknown>>): Map<UsageKind, KindAdd> {
  const out = new Map<UsageKind, KindAdd>();
  for (const item of items) {
    for (const kind of UsageKind.options) {
      const a = kindAttributes(kind);
      if (item[a.amount] === undefined && item[a.count] === undefined) continue;
      const k = out.get(kind) ?? { amount: 0, count: 0 };
      out.set(kind, { amount: k.amount + Number(item[a.amount] ?? 0), count: k.count + Number(item[a.count] ?? 0) });
    }
  }
  return out;
}

/** The running totals of the days after `chargedThrough` (strongly consistent), totals as stored. */
export async function readOpenTelecom(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, chargedThrough: BillingDay): Promise<TelecomTotal[]> {
  const items = await readDayItemsAfter(ctx, projectId, keys.telecom, chargedThrough);
  return items.map((i) => ({ date: String(i.sk).slice(keys.telecomPrefix.length), total: i.total as Money, events: Number(i.events ?? 0) }));
}
