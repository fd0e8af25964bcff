/**
 * Is last night done? (`GET /admin/billing-runs/{date}`, the dashboard's billing-run widget): what
 * the fan-out sent and what the charge-day workers made of it, from the marks they leave
 * (shared/store/billing-runs.ts).
 */
import type { BillingDay } from '../domain/billing-days';
import { readBillingRun } from '../store/billing-runs';
import type { StoreContext } from '../store/context';

export interface BillingRun {
  date: BillingDay;
  /** Projects the fan-out sent to the charge queue for the day. */
  queued: number;
  /** Projects charged through the day (queued ones, and any charged through it otherwise). */
  charged: number;
  /** Projects whose last charge attempt failed and that are not charged yet, with the error. */
  failed: { projectId: string; error: string; at: string }[];
  /** Queued projects neither charged nor failed yet (in the queue, or being retried). */
  pending: number;
  /** The fan-out read every shard of the index (a run cut short by a timeout has not). */
  fanOutComplete: boolean;
  /** The fan-out finished and every project it sent is charged. */
  complete: boolean;
}

/** The billing run of `date` as recorded so far. */
export async function billingRunOf(ctx: Pick<StoreContext, 'doc' | 'tables'>, date: BillingDay): Promise<BillingRun> {
  const facts = await readBillingRun(ctx, date);
  const failed = [...facts.failed]
    .filter(([projectId]) => !facts.charged.has(projectId))
    .map(([projectId, f]) => ({ projectId, error: f.error, at: f.at }))
    .sort((a, b) => a.projectId.localeCompare(b.projectId));
  const failedIds = new Set(failed.map((f) => f.projectId));
  const pending = [...facts.queued].filter((id) => !facts.charged.has(id) && !failedIds.has(id)).length;
  return {
    date,
    queued: facts.queued.size,
    charged: facts.charged.size,
    failed,
    pending,
    fanOutComplete: facts.fanOutDone,
    complete: facts.fanOutDone && pending === 0 && failed.length === 0,
  };
}

/** The charge-day worker's marks for GET /admin/billing-runs/{date}: charged through a day, or its last failure, a batch's together. */
export { recordMarks as recordRunMarks, type RunMark } from '../store/billing-runs';
