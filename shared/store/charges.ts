/**
 * The nightly charge (API.md "Billing rules", RELIABILITY.md rule 9): every day from
 * `chargedThrough + 1` up to the asked date (never today or later), in order, each day in ONE
 * transaction:
 *   - the day's product, number and discount lines, each `attribute_not_exists(pk)`;
 *   - the day's `telecom_daily` line (amount = minus the day's telecom total, balanceEffect false),
 *     written ALWAYS, 0 included: it marks the day closed in the ledger and gives the forecast the
 *     quiet days too (skipping zeros would bias its mean upwards);
 *   - a ConditionCheck that `telecom#D` still holds the total read (or still does not exist), so no
 *     debit slips into a day being closed;
 *   - the project item: balance, status and `chargedThrough = D`, conditioned on the version read;
 *   - the timeline snapshot as of D (shared/store/timeline.ts), so tomorrow reads only new changes.
 * A second run, a duplicate message or two runs at once: the loser's transaction is cancelled on
 * the version, it re-reads, finds `chargedThrough >= D` and moves nothing.
 *
 * Transaction size (DynamoDB: at most 100 items): products (≤ 4) + discount (1) + telecom line,
 * telecom check, project, snapshot (4) leave 91 items for numbers. A day with more than 91 numbers
 * held gets one `number_daily` line per number type instead of one per number (same total: the sum
 * of the numbers' day shares; the description counts them; no `number` field). Always grouped or
 * never for a given day, decided by that day's state alone, so a re-run writes the same ids.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, billingDayOf, dayOfMonth, daysFromTo, daysInMonth, endOfDay, type BillingDay } from '../domain/billing-days';
import { NumberType, type Catalog } from '../domain/catalog';
import { chargeDayState, chargeTotal, telecomDailyLine } from '../domain/charge-day';
import { sum, type Money } from '../domain/money';
import { formatCount, formatMoney } from '../domain/product-view';
import { dayShare } from '../domain/proration';
import { dayStates } from '../domain/timeline';
import { emptySnapshot, foldChanges, inEffectiveOrder, type TimelineSnapshot } from '../domain/timeline-snapshot';
import type { LedgerEntry, TimelineChange } from '../domain/types';
import { currentCatalog } from '../catalog-source';
import type { PaygoEvent } from '../runtime';
import type { StoreContext } from './context';
import { balanceEvents, publishQuietly } from './events';
import { keys } from './keys';
import { ledgerItem } from './ledger';
import { balanceUpdate, getProjectItem, statusFor, type ProjectItem } from './project-item';
import { readTimeline, snapshotItem, timelineRevOf, utcIso } from './timeline';
import { MAX_TRANSACTION_ITEMS, transact, withRetries, type TransactItem } from './transactions';

/** Items of a day's transaction besides the product, number and discount lines. */
const FIXED_ITEMS = 4;
const MAX_PRODUCT_LINES = 4 + 1;
/** More numbers than this on one day and they are charged one line per type. */
export const MAX_NUMBER_LINES = MAX_TRANSACTION_ITEMS - FIXED_ITEMS - MAX_PRODUCT_LINES;

const MAX_ATTEMPTS = 50;

export interface DayCharged {
  date: BillingDay;
  /** What the day cost (positive for a charge): minus the net balance effect of its lines. */
  amount: Money;
  lines: LedgerEntry[];
  telecomTotal: Money;
  balance: Money;
}

export interface ChargeResult {
  projectId: string;
  chargedThrough: BillingDay;
  /** The days this call charged (empty when there was nothing to do). */
  days: DayCharged[];
}

/**
 * The lines of a day, made to fit one transaction: with more than MAX_NUMBER_LINES numbers, the
 * number lines become one per type (`numbers` maps each number held that day to its type). Pure.
 */
export function fitLines(lines: readonly LedgerEntry[], numbers: ReadonlyMap<string, NumberType>, catalog: Catalog, day: BillingDay): LedgerEntry[] {
  const numberLines = lines.filter((l) => l.type === 'number_daily');
  if (numberLines.length <= MAX_NUMBER_LINES) return [...lines];
  const counts = new Map<NumberType, number>();
  for (const type of numbers.values()) counts.set(type, (counts.get(type) ?? 0) + 1);
  const grouped: LedgerEntry[] = [];
  for (const type of NumberType.options) {
    const n = counts.get(type);
    if (!n) continue;
    const monthly = catalog.numbers[type];
    const amount = sum(Array<Money>(n).fill(dayShare(monthly, day)));
    grouped.push({
      entryId: `charge#${day}#numbers#${type}`,
      date: day,
      type: 'number_daily',
      description: `${formatCount(n)} ${type} numbers, each ${dayOfMonth(day)}/${daysInMonth(day)} of ${formatMoney(monthly, catalog.currency)} per month`,
      amount: amount === 0 ? 0 : -amount,
      balanceEffect: true,
    });
  }
  const products = lines.filter((l) => l.type === 'product_daily');
  const rest = lines.filter((l) => l.type !== 'product_daily' && l.type !== 'number_daily');
  return [...products, ...grouped, ...rest];
}

interface TelecomItem { total: Money; events?: number }

async function readTelecom(ctx: StoreContext, projectId: string, day: BillingDay): Promise<TelecomItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.telecom(projectId, day), ConsistentRead: true })));
  if (!out.Item) return null;
  return { total: Number(out.Item.total ?? 0), ...(out.Item.events !== undefined ? { events: Number(out.Item.events) } : {}) };
}

function telecomCheck(ctx: StoreContext, projectId: string, day: BillingDay, telecom: TelecomItem | null): TransactItem {
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

function eventsFor(before: ProjectItem, day: DayCharged): PaygoEvent[] {
  return [
    { type: 'DayCharged', detail: { projectId: before.projectId, currency: before.currency, date: day.date, amount: day.amount, telecomTotal: day.telecomTotal, balance: day.balance } },
    ...balanceEvents(before, { balance: day.balance, status: statusFor(day.balance, before.creditLimit) }),
  ];
}

function backoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.min(500, 5 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random() / 2)));
}

export interface ChargeOptions {
  catalog?: Catalog;
}

/**
 * Charges `projectId` for every uncharged day up to `date` (clamped to yesterday in the billing
 * zone: a day is charged only once it is over), in order, one transaction per day. Idempotent: a
 * repeat, or a run racing another, charges nothing twice. Throws when a day keeps conflicting
 * (MAX_ATTEMPTS) so the message is retried later.
 */
export async function chargeThrough(ctx: StoreContext, projectId: string, date: BillingDay, opts: ChargeOptions = {}): Promise<ChargeResult> {
  const catalog = opts.catalog ?? currentCatalog();
  const charged: DayCharged[] = [];
  let attempts = 0;

  for (;;) {
    const yesterday = addDays(billingDayOf(ctx.now(), ctx.zone), -1);
    const last = date < yesterday ? date : yesterday;
    let project = await getProjectItem(ctx.doc, ctx.tables.projects, projectId);
    if (project.chargedThrough >= last) return { projectId, chargedThrough: project.chargedThrough, days: charged };

    const first = addDays(project.chargedThrough, 1);
    const read = await readTimeline(ctx, projectId, { untilMs: endOfDay(last, ctx.zone), sessionsFrom: addDays(first, -29), sessionsTo: last });
    if (read.base && read.base.asOf > project.chargedThrough) {
      // The snapshot moved past the project item read a moment before: another run charged meanwhile.
      if (++attempts >= MAX_ATTEMPTS) throw new Error(`charging ${projectId}: snapshot kept moving`);
      continue;
    }
    const days = daysFromTo(first, last);
    const states = dayStates(read.timeline, days, catalog.products[0].includedSeats);
    const ordered = inEffectiveOrder(read.changes);
    let next = 0;
    let snapshot: TimelineSnapshot = read.base?.state ?? emptySnapshot();
    let restart = false;

    for (let i = 0; i < days.length && !restart; i++) {
      const day = days[i]!;
      const end = endOfDay(day, ctx.zone);
      const dayChanges: TimelineChange[] = [];
      while (next < ordered.length && Date.parse(ordered[next]!.at) < end) dayChanges.push(ordered[next++]!);
      const after = foldChanges(snapshot, dayChanges);
      const state = states[i]!;
      const lines = fitLines(chargeDayState(state, catalog, day), state.numbers, catalog, day);
      const delta = chargeTotal(lines);

      for (;;) {
        const telecom = await readTelecom(ctx, projectId, day);
        const written = [...lines, telecomDailyLine(day, telecom?.total ?? 0)];
        const createdAt = utcIso(ctx.now());
        const items: TransactItem[] = [
          ...written.map((line): TransactItem => ({
            Put: { TableName: ctx.tables.ledger, Item: ledgerItem(projectId, line, createdAt), ConditionExpression: 'attribute_not_exists(pk)' },
          })),
          telecomCheck(ctx, projectId, day, telecom),
          { Update: balanceUpdate(ctx.tables.projects, project, delta, { set: ['chargedThrough = :ct'], values: { ':ct': day } }) },
          { Put: { TableName: ctx.tables.projects, Item: snapshotItem(projectId, { asOf: day, state: after }) } },
        ];
        const out = await withRetries(() => transact(ctx.doc, items));
        if (out.committed) {
          const balance = project.balance + delta;
          const result: DayCharged = { date: day, amount: delta === 0 ? 0 : -delta, lines: written, telecomTotal: telecom?.total ?? 0, balance };
          charged.push(result);
          // Notifications after the commit: a lost one never undoes or repeats the charge.
          await publishQuietly(eventsFor(project, result));
          project = { ...project, balance, status: statusFor(balance, project.creditLimit), version: project.version + 1, chargedThrough: day };
          snapshot = after;
          break;
        }
        if (++attempts >= MAX_ATTEMPTS) throw new Error(`charging ${projectId} for ${day} kept conflicting: ${out.reasons.join(', ')}`, { cause: out.cause });
        const fresh = await getProjectItem(ctx.doc, ctx.tables.projects, projectId);
        if (fresh.chargedThrough !== project.chargedThrough || timelineRevOf(fresh) !== timelineRevOf(project)) {
          // Charged by someone else, or the timeline/sessions changed: start over from what is stored.
          restart = true;
          break;
        }
        // Only the balance moved (a real-time debit) or telecom#D grew: same lines, new version and total.
        project = fresh;
        await backoff(attempts);
      }
    }
    if (!restart) return { projectId, chargedThrough: project.chargedThrough, days: charged };
  }
}
