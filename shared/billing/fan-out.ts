/**
 * The nightly fan-out (docs/reliability.md rule 10): the projects that still need a charge for `date`,
 * found through the `byChargedThrough` index (never by scanning every item), sent to the charge queue
 * as `{projectId, date}`.
 *
 * Resumable two ways: a cursor `{shard, lastKey}` continues exactly where a run stopped; and a run
 * started from scratch skips every project already charged, because a charge moves its project out
 * of the index range, so the index itself is the progress record. Sending a project twice is
 * harmless (the charge is idempotent).
 *
 * The run is recorded as it goes (shared/store/billing-runs.ts): each project sent, and the end of a
 * pass over every shard, for `GET /admin/billing-runs/{date}`.
 */
import type { BillingDay } from '../domain/billing-days';
import { runtime, type ChargeQueue } from '../runtime';
// Links the SQS charge queue into the functions that fan out (and only those).
import '../aws/charge-queue';
import { recordFanOutDone, recordQueued } from '../store/billing-runs';
import { projectsToChargePage, type FanOutCursor } from '../store/charge-index';

export { isFanOutCursor, type FanOutCursor } from '../store/charge-index';
import { storeContext, type StoreContext } from '../store/context';

export interface FanOutResult {
  date: BillingDay;
  /** Projects sent to the queue by this call. */
  projects: number;
  /** Set when the run stopped early (`shouldStop`): pass it back to continue. */
  cursor?: FanOutCursor;
}

export interface FanOutOptions {
  cursor?: FanOutCursor;
  /** Checked between pages (e.g. a Lambda running out of time); the run then returns its cursor. */
  shouldStop?: () => boolean;
  pageSize?: number;
}

// SendMessageBatch takes 10; a few batches in flight at once keep 100,000 projects well within minutes.
const SEND_CHUNK = 100;

/** Sends `{projectId, date}` for every project that needs a charge for `date`, page by page. */
export async function fanOut(ctx: StoreContext, queue: ChargeQueue, date: BillingDay, opts: FanOutOptions = {}): Promise<FanOutResult> {
  let cursor: FanOutCursor | null = opts.cursor ?? { shard: 0 };
  let projects = 0;
  while (cursor) {
    if (opts.shouldStop?.()) return { date, projects, cursor };
    const page = await projectsToChargePage(ctx, date, cursor, opts.pageSize);
    // Marked before sending, so a project is never charged for a run that does not list it as queued.
    await recordQueued(ctx, date, page.projectIds);
    const messages = page.projectIds.map((projectId) => ({ projectId, date }));
    const chunks: (typeof messages)[] = [];
    for (let i = 0; i < messages.length; i += SEND_CHUNK) chunks.push(messages.slice(i, i + SEND_CHUNK));
    await Promise.all(chunks.map((c) => queue.send(c)));
    projects += messages.length;
    cursor = page.next;
  }
  await recordFanOutDone(ctx, date, projects);
  return { date, projects };
}

/** The fan-out of one day to this process's charge queue: what the schedule and `POST /admin/billing-runs` both run. */
export function runFanOut(date: BillingDay, opts: Omit<FanOutOptions, 'pageSize'> = {}): Promise<FanOutResult> {
  return fanOut(storeContext(), runtime().chargeQueue, date, opts);
}
