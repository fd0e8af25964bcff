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
import { foldDay } from '../domain/usage-report';
import { logger } from '../logger';
import type { StoreContext } from '../store/context';
import { sleep } from '../store/transactions';
import type { ProjectItem } from '../store/projects';
import { advanceAggregatesMark, putAggregate, readAggregatesMark, readDayEvents, readTelecomCounts, type TelecomCounts } from '../store/usage-aggregates';

/**
 * Closed days aggregated by one run at most, so a run that catches up many days (a project whose
 * aggregation stopped for a while) stays short; the rest follow on the next nights, and until then
 * those days are answered from the events.
 */
export const MAX_AGGREGATE_DAYS_PER_RUN = 62;

/** Reads of a day's events before giving its aggregate up: the index lags the table by well under a second. */
const INDEX_READS = 3;
const INDEX_WAIT_MS = 250;

/**
 * Writes the aggregates of the closed days after the mark, up to `project.chargedThrough`; returns
 * the days done. `known`: the telecom counts of days this run charged (null: no item), as the charge read them. Without a mark yet, it starts at `closedNow` (the day this run has just closed: a
 * new project's first day) or else at the last closed day: a project closed before aggregates
 * existed is not read back through its whole history in one night; its older days are answered from
 * their events.
 */
export async function aggregateClosedDays(ctx: StoreContext, project: Pick<ProjectItem, 'projectId' | 'chargedThrough'>, closedNow?: BillingDay,
  known: ReadonlyMap<BillingDay, TelecomCounts | null> = new Map()): Promise<BillingDay[]> {
  const { projectId, chargedThrough } = project;
  const mark = await readAggregatesMark(ctx, projectId);
  const done: BillingDay[] = [];
  for (let day = mark === null ? closedNow ?? chargedThrough : addDays(mark, 1); day <= chargedThrough && done.length < MAX_AGGREGATE_DAYS_PER_RUN; day = addDays(day, 1)) {
    // A closed day's telecom item never changes again (late events count on an open day), and the
    // charge of the day read it and checked it unchanged at commit: its counts serve as read.
    const telecom = known.has(day) ? known.get(day)! : await readTelecomCounts(ctx, projectId, day);
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

/**
 * Writes `day`'s aggregate from its stored events. `atLeast`: how many of them the day's own telecom
 * total counted, all stored before they were debited; the usage index (eventually consistent on
 * DynamoDB) showing fewer is lag, so it is read again. Still behind after a few reads (or a total
 * that does not match the events, which nothing should ever make), the aggregate is not written and
 * the report keeps answering that day from its events: slower, never wrong. The night goes on.
 */
async function aggregateDay(ctx: StoreContext, projectId: string, day: BillingDay, closedOn: BillingDay, atLeast: number): Promise<void> {
  for (let read = 1; ; read++) {
    const events = await readDayEvents(ctx, projectId, day);
    if (events.length >= atLeast) {
      const folded = foldDay(events);
      await putAggregate(ctx, projectId, { day, events: folded.count, cells: folded.encoded }, closedOn);
      return;
    }
    if (read >= INDEX_READS) {
      logger.warn('usage aggregate not written: the usage index shows fewer events than the day counted', { projectId, day, shown: events.length, counted: atLeast });
      return;
    }
    await sleep(INDEX_WAIT_MS * read);
  }
}
