/**
 * The usage report's aggregates, written by the nightly run after it closes a day (charge-through.ts)
 * as a step of its own, outside the money transaction: nothing here moves money, and every write is a
 * recount that may be repeated (docs/api.md "Reports", "How the reports stay cheap").
 *
 * For each closed day D after the mark (`usage-aggs`), in order:
 *   1. D's own aggregate: every event stored for day D, folded (domain/usage-report.ts foldDay);
 *   2. the aggregates of the earlier days whose late events were counted in D: D's telecom item
 *      holds `late#<day>` counts (the debit adds them, store/telecom.ts telecomAdd), so each such day
 *      is recounted whole, and its closed-day report again equals its events;
 *   3. the mark moves to D.
 * A crash anywhere leaves the mark before D: the next run (a retry of the night, or the next night)
 * redoes D, and each write keeps the aggregate covering the most events (store/usage-aggregates.ts).
 *
 * A day closed but not yet aggregated, and a day with late events counted in a day not yet
 * aggregated, are answered from the events by the report (reports.ts), so the report is exact at
 * every moment, aggregates or not.
 */
import { addDays, type BillingDay } from '../domain/billing-days';
import { Busy } from '../domain/errors';
import { foldDay } from '../domain/usage-report';
import type { StoreContext } from '../store/context';
import type { ProjectItem } from '../store/projects';
import { advanceAggregatesMark, putAggregate, readAggregatesMark, readDayEvents, readTelecomCounts } from '../store/usage-aggregates';

/**
 * Closed days aggregated by one run at most, so a run that catches up many days (a project whose
 * aggregation stopped for a while) stays short; the rest follow on the next nights, and until then
 * those days are answered from the events.
 */
export const MAX_AGGREGATE_DAYS_PER_RUN = 62;

/** The events of a day are not all visible in the usage index yet (it is eventually consistent on DynamoDB). */
export class AggregateBehind extends Busy {
  constructor(day: BillingDay) {
    super(`usage aggregate of ${day}`);
    this.message = `the usage index does not show every event of ${day} yet; the run retries`;
  }
}

/**
 * Writes the aggregates of the closed days after the mark, up to `project.chargedThrough`; returns
 * the days done. Without a mark yet, it starts at `closedNow` (the day this run has just closed: a
 * new project's first day) or else at the last closed day: a project closed before aggregates
 * existed is not read back through its whole history in one night; its older days are answered from
 * their events.
 */
export async function aggregateClosedDays(ctx: StoreContext, project: Pick<ProjectItem, 'projectId' | 'chargedThrough'>, closedNow?: BillingDay): Promise<BillingDay[]> {
  const { projectId, chargedThrough } = project;
  const mark = await readAggregatesMark(ctx, projectId);
  const done: BillingDay[] = [];
  for (let day = mark === null ? closedNow ?? chargedThrough : addDays(mark, 1); day <= chargedThrough && done.length < MAX_AGGREGATE_DAYS_PER_RUN; day = addDays(day, 1)) {
    const telecom = await readTelecomCounts(ctx, projectId, day);
    const late = telecom?.late ?? new Map<BillingDay, number>();
    const lateEvents = [...late.values()].reduce((a, b) => a + b, 0);
    // The day's own events counted on it were all debited, so stored: fewer in the index is lag, not truth.
    await aggregateDay(ctx, projectId, day, day, telecom && telecom.events !== null ? telecom.events - lateEvents : 0);
    for (const lateDay of [...late.keys()].sort()) await aggregateDay(ctx, projectId, lateDay, day, 0);
    await advanceAggregatesMark(ctx, projectId, day);
    done.push(day);
  }
  return done;
}

async function aggregateDay(ctx: StoreContext, projectId: string, day: BillingDay, closedOn: BillingDay, atLeast: number): Promise<void> {
  const events = await readDayEvents(ctx, projectId, day);
  if (events.length < atLeast) throw new AggregateBehind(day);
  const folded = foldDay(events);
  await putAggregate(ctx, projectId, { day, events: folded.count, cells: folded.encoded }, closedOn);
}
