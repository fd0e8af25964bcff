/**
 * The reports (docs/api.md "Reports"): what a project's usage and spend came to over up to 366 days.
 *
 * Usage: each day from its stored aggregate when the day is closed and aggregated and no late event
 * of it is counted in a day not aggregated yet (./usage-aggregates.ts); any other day (today, a night
 * not run yet, a day with such late events, a day before aggregates existed) from its events, folded
 * the same way. A year of closed days is one query of a few hundred small items, however busy.
 *
 * Spend: the ledger entries of the range (a few per day) plus the running telecom totals of the days
 * not closed yet.
 */
import { mapLimit } from '../concurrency';
import { addDays, daysFromTo, type BillingDay } from '../domain/billing-days';
import { spendReport, type SpendPeriod, type SpendReport } from '../domain/spend-report';
import { checkRange, decodeCells, foldDay, parseGroupBy, usageReport, type Cell, type UsageReport } from '../domain/usage-report';
import { todayOf, type StoreContext } from '../store/context';
import { getProjectItem } from '../store/projects';
import { readOpenTelecom } from '../store/telecom';
import { readAggregates, readAggregatesMark, readDayEvents, readLedgerAmounts, readTelecomCountsAfter, type StoredAggregate } from '../store/usage-aggregates';

/** Days read from their events at once. */
const EVENT_DAYS_IN_FLIGHT = 8;

const later = (a: BillingDay, b: BillingDay) => (a > b ? a : b);
const earlier = (a: BillingDay, b: BillingDay) => (a < b ? a : b);

export interface UsageReportQuery { from: BillingDay; to: BillingDay; groupBy: string }

/** Where each day of a usage report came from (for tests and the bench). */
export interface UsageReportSources { aggregated: number; fromEvents: number }

export async function usageReportOf(ctx: StoreContext, projectId: string, q: UsageReportQuery, sources?: UsageReportSources): Promise<UsageReport> {
  const dims = parseGroupBy(q.groupBy);
  checkRange(q.from, q.to);
  const project = await getProjectItem(ctx, projectId, false);
  // No event falls before billing starts; none after tomorrow (up to 15 minutes ahead is accepted).
  const first = later(q.from, project.billingStartDate);
  const last = earlier(q.to, addDays(todayOf(ctx), 1));
  const days = first <= last ? daysFromTo(first, last) : [];
  const mark = await readAggregatesMark(ctx, projectId);
  const [aggregates, pending] = mark === null || days.length === 0
    ? [new Map(), []]
    : await Promise.all([readAggregatesInParts(ctx, projectId, first, earlier(last, mark)), readTelecomCountsAfter(ctx, projectId, mark)]);
  // Late events counted in a day not aggregated yet are missing from their own day's aggregate.
  const stale = new Set(pending.flatMap((t) => [...t.late.keys()]));
  const cells = new Map<BillingDay, readonly Cell[]>();
  const fromEvents: BillingDay[] = [];
  for (const day of days) {
    const agg = aggregates.get(day);
    if (agg && agg.cells !== null && !stale.has(day)) cells.set(day, decodeCells(agg.cells));
    else fromEvents.push(day);
  }
  const folded = await mapLimit(fromEvents, EVENT_DAYS_IN_FLIGHT, async (day) => foldDay(await readDayEvents(ctx, projectId, day)).cells);
  fromEvents.forEach((day, i) => cells.set(day, folded[i]!));
  if (sources) { sources.aggregated += days.length - fromEvents.length; sources.fromEvents += fromEvents.length; }
  return usageReport(q.from, q.to, dims, days.map((d) => [d, cells.get(d)!] as const));
}

/** Days of aggregates per query: a busy year is a few MB, read as four queries at once rather than one after another. */
const AGGREGATE_DAYS_PER_QUERY = 92;

async function readAggregatesInParts(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<Map<BillingDay, StoredAggregate>> {
  const parts: [BillingDay, BillingDay][] = [];
  for (let d = from; d <= to; d = addDays(d, AGGREGATE_DAYS_PER_QUERY)) parts.push([d, earlier(addDays(d, AGGREGATE_DAYS_PER_QUERY - 1), to)]);
  const read = await Promise.all(parts.map(([a, b]) => readAggregates(ctx, projectId, a, b)));
  return new Map(read.flatMap((m) => [...m]));
}

export interface SpendReportQuery { from: BillingDay; to: BillingDay; groupBy: SpendPeriod }

export async function spendReportOf(ctx: StoreContext, projectId: string, q: SpendReportQuery): Promise<SpendReport> {
  checkRange(q.from, q.to);
  const project = await getProjectItem(ctx, projectId);
  const [entries, open] = await Promise.all([
    readLedgerAmounts(ctx, projectId, q.from, q.to),
    readOpenTelecom(ctx, projectId, project.chargedThrough),
  ]);
  // A day closed between the reads has both its line and its running total: the line counts.
  const closed = new Set(entries.filter((e) => e.type === 'telecom_daily').map((e) => e.date));
  return spendReport(q.from, q.to, q.groupBy, daysFromTo(q.from, q.to), entries, open.filter((t) => !closed.has(t.date)));
}
