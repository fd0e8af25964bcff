/**
 * May a call or message start, and for how long (`POST /projects/{id}/authorize`). The budget is
 * balance + creditLimit (what may still be spent before the project blocks), and with a daily spend
 * cap no more than what is left of today's cap; a call is allowed when the budget pays its first
 * billed block, for the longest duration it pays for (null: unlimited, a rate with no per-minute
 * price); a message when it pays one segment. Once today's calls and SMS reach the cap, nothing
 * starts until the next billing day (`daily_spend_cap`).
 */
import { spendableBudget } from '../domain/project';
import type { UsageKind } from '../domain/usage';
import { todayOf, type StoreContext } from '../store/context';
import { alertRulesOf, getProjectItem, plansOf } from '../store/projects';
import { readTelecom } from '../store/telecom';
import { raterOn } from './prices';

export interface CallAuthorization {
  allowed: boolean;
  maxDurationSec: number | null;
  reason?: 'project_blocked' | 'insufficient_funds' | 'daily_spend_cap';
}

export async function authorizeCall(ctx: StoreContext, projectId: string, kind: UsageKind, destination: string): Promise<CallAuthorization> {
  const project = await getProjectItem(ctx, projectId);
  const today = todayOf(ctx);
  const cap = alertRulesOf(project).dailySpendCap;
  // A call starting now is rated with today's prices of the project's plan.
  const [rater, spent] = await Promise.all([
    raterOn(ctx, plansOf(project), today),
    cap === null ? Promise.resolve(0) : readTelecom(ctx, projectId, today).then((t) => t?.total ?? 0),
  ]);
  // Rate first: an unknown destination is a 400 whatever the balance.
  const smsPrice = kind === 'sms' ? rater.smsRate(destination).perSegment : undefined;
  if (kind !== 'sms') rater.callRate(destination);
  const none = smsPrice !== undefined ? null : 0;
  if (project.status === 'blocked') return { allowed: false, maxDurationSec: none, reason: 'project_blocked' };
  if (cap !== null && spent >= cap) return { allowed: false, maxDurationSec: 0, reason: 'daily_spend_cap' };
  const funds = spendableBudget(project.balance, project.creditLimit);
  const capLeft = cap === null ? Number.MAX_SAFE_INTEGER : cap - spent;
  // The tighter limit names the refusal.
  const reason = capLeft < funds ? 'daily_spend_cap' : 'insufficient_funds';
  const budget = Math.min(funds, capLeft);
  if (smsPrice !== undefined) return smsPrice <= budget ? { allowed: true, maxDurationSec: null } : { allowed: false, maxDurationSec: null, reason };
  const max = rater.maxDurationSec(destination, budget);
  return max === 0 ? { allowed: false, maxDurationSec: 0, reason } : { allowed: true, maxDurationSec: max };
}
