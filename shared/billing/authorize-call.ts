/**
 * May a call or message start, and for how long (`POST /projects/{id}/authorize`). The budget is
 * balance + creditLimit (what may still be spent before the project blocks); a call is allowed when
 * the budget pays its first billed block, for the longest duration it pays for (null: unlimited, a
 * rate with no per-minute price); a message when it pays one segment.
 */
import { spendableBudget } from '../domain/project';
import type { UsageKind } from '../domain/usage';
import { todayOf, type StoreContext } from '../store/context';
import { getProjectItem, plansOf } from '../store/projects';
import { raterOn } from './prices';

export interface CallAuthorization {
  allowed: boolean;
  maxDurationSec: number | null;
  reason?: 'project_blocked' | 'insufficient_funds';
}

export async function authorizeCall(ctx: StoreContext, projectId: string, kind: UsageKind, destination: string): Promise<CallAuthorization> {
  const project = await getProjectItem(ctx, projectId);
  // A call starting now is rated with today's prices of the project's plan.
  const rater = await raterOn(ctx, plansOf(project), todayOf(ctx));
  // Rate first: an unknown destination is a 400 whatever the balance.
  const smsPrice = kind === 'sms' ? rater.smsRate(destination).perSegment : undefined;
  if (kind !== 'sms') rater.callRate(destination);
  const budget = spendableBudget(project.balance, project.creditLimit);
  if (smsPrice !== undefined) {
    if (project.status === 'blocked') return { allowed: false, maxDurationSec: null, reason: 'project_blocked' };
    return smsPrice <= budget ? { allowed: true, maxDurationSec: null } : { allowed: false, maxDurationSec: null, reason: 'insufficient_funds' };
  }
  if (project.status === 'blocked') return { allowed: false, maxDurationSec: 0, reason: 'project_blocked' };
  const max = rater.maxDurationSec(destination, budget);
  return max === 0 ? { allowed: false, maxDurationSec: 0, reason: 'insufficient_funds' } : { allowed: true, maxDurationSec: max };
}
