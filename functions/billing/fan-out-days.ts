/**
 * The 00:05 schedule's target (EventBridge Scheduler, billing time zone): sends every project that
 * still needs a charge for `date` (default: the day before `scheduledTime`, else yesterday, in the
 * billing zone) to the charge queue.
 *
 * Resuming: the run stops between pages when the Lambda has less than SAFETY_MS left and then throws
 * FanOutIncomplete (after logging the cursor), so the invocation counts as failed and is retried (Lambda's
 * asynchronous retries / the scheduler's retry policy). A retry, like any run, only finds the projects
 * not charged yet (the index is the progress record), so it picks up where the last one got to; a
 * `cursor` in the event continues exactly from a given point (for an operator or a continuation).
 */
import type { Context } from 'aws-lambda';
import { addDays, billingDayOf, isBillingDay } from '../../shared/domain/billing-days';
import { DomainError } from '../../shared/domain/errors';
import { logger } from '../../shared/logger';
import { metrics, MetricUnit, observed } from '../../shared/observability';
import { isFanOutCursor, runFanOut, type FanOutCursor, type FanOutResult } from '../../shared/billing/fan-out';
import { storeContext, todayOf } from '../../shared/composition/workers';

export interface FanOutEvent {
  /** The day to charge; wins over `scheduledTime`. */
  date?: string;
  /** The schedule's fire time (`<aws.scheduler.scheduled-time>`): the day before it (billing zone) is charged. */
  scheduledTime?: string;
  cursor?: FanOutCursor;
}

/** Stop paging when less than this is left: a page and its sends take a few seconds at most. */
export const SAFETY_MS = 30_000;

export class FanOutIncomplete extends Error {
  constructor(readonly result: FanOutResult) {
    super(`fan-out for ${result.date} stopped after ${result.projects} projects; resume from ${JSON.stringify(result.cursor)}`);
    this.name = 'FanOutIncomplete';
  }
}

/** One scheduled (or retried, or continued) fan-out run (the undecorated `handler`). */
export async function fanOutScheduled(event: FanOutEvent | null | undefined, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<FanOutResult> {
  const ctx = storeContext();
  // From the fire time rather than the clock, so a retry hours later still charges the day meant.
  const date = event?.date ?? addDays(event?.scheduledTime ? billingDayOf(event.scheduledTime, ctx.zone) : todayOf(ctx), -1);
  if (!isBillingDay(date)) throw new DomainError('invalid_date', `${date} is not a YYYY-MM-DD date`);
  if (event?.cursor !== undefined && !isFanOutCursor(event.cursor)) throw new DomainError('invalid_cursor', 'the fan-out cursor is malformed');
  const result = await runFanOut(date, {
    ...(event?.cursor ? { cursor: event.cursor } : {}),
    shouldStop: () => (context ? context.getRemainingTimeInMillis() < SAFETY_MS : false),
  });
  if (result.cursor) {
    logger.warn('fan-out stopped early', { date, projects: result.projects, cursor: result.cursor });
    throw new FanOutIncomplete(result);
  }
  logger.info('fan-out done', { date, projects: result.projects });
  metrics.addMetric('ProjectsEnqueued', MetricUnit.Count, result.projects);
  return result;
}

/** Lambda entry point (EventBridge Scheduler, asynchronous), with Powertools logs, metrics, traces. */
export const handler = observed(fanOutScheduled);
