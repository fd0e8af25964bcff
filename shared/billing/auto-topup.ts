/**
 * Auto top-up (docs/api.md "Auto top-up"): the rule (PUT/GET), and the failure report of a requested
 * top-up. The requests themselves are decided by every move of the balance (./money-move.ts topupFor);
 * a payment whose paymentId is the top-up's id settles it (./payments.ts).
 *
 * A failure report is one transaction: its record `topup#<topupId>` (attribute_not_exists: a repeat
 * answers the first), the rule's state (no longer outstanding, one more failure in a row; the third
 * disables the rule), `topup.failed` (and `topup.disabled`), and, when the balance is still below the
 * rule's `below`, the next request at once: all conditioned on the project's version.
 */
import { Conflict, NotFound } from '../domain/errors';
import { draft, type EventDraft } from '../domain/events';
import { MAX_TOPUP_FAILURES, viewOf, type TopupRule, type TopupRuleInput, type TopupRuleView } from '../domain/topup';
import { Id } from '../domain/values';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { keys } from '../store/keys';
import { findPayment } from '../store/payments';
import { getProjectItem } from '../store/projects';
import { isConditionFailed } from '../store/transactions';
import { findTopupFailure, putTopupRule } from '../store/corrections';
import { moveBalance } from './money-move';

const monthOf = (ctx: StoreContext) => todayOf(ctx).slice(0, 7);

export async function getAutoTopup(ctx: StoreContext, projectId: string): Promise<TopupRuleView | null> {
  const project = await getProjectItem(ctx, projectId);
  return project.autoTopup && !project.autoTopup.removed ? viewOf(project.autoTopup, monthOf(ctx)) : null;
}

/**
 * Replaces the rule (null: none), enabled; what is outstanding and what the month requested so far are
 * kept (a removed rule too: shared/domain/topup.ts), so a PUT never makes room for a second top-up or
 * resets the month's limit.
 */
export async function putAutoTopup(ctx: StoreContext, projectId: string, input: TopupRuleInput | null): Promise<TopupRuleView | null> {
  for (let round = 0; ; round++) {
    const project = await getProjectItem(ctx, projectId);
    const was = project.autoTopup;
    if (input === null && !was) return null;
    const rule: TopupRule = input === null ? { ...was!, removed: true } : {
      below: input.below, amount: input.amount, monthlyLimit: input.monthlyLimit, status: 'active', failures: 0,
      outstanding: was?.outstanding ?? null, month: was?.month ?? monthOf(ctx), requestedThisMonth: was?.requestedThisMonth ?? 0,
      ...(was?.limitReachedMonth !== undefined ? { limitReachedMonth: was.limitReachedMonth } : {}),
    };
    try {
      await putTopupRule(ctx, project, rule);
      return rule.removed ? null : viewOf(rule, monthOf(ctx));
    } catch (e) {
      // Another move of the project committed in between (or our own, whose answer was lost: the
      // same rule again is harmless): decide again on the new version.
      if (!isConditionFailed(e) || round >= 20) throw e;
    }
  }
}

export interface TopupFailed { topupId: string; status: 'failed' }

export async function failTopup(ctx: StoreContext, projectId: string, topupId: string, reason: string): Promise<TopupFailed> {
  if (!Id.safeParse(topupId).success) throw new NotFound(`top-up ${topupId.slice(0, 140)}`);
  return optimisticCommit<TopupFailed>(ctx.doc, `failure of top-up ${topupId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const seen = await findTopupFailure(ctx, projectId, topupId);
    if (seen) {
      if (seen.reason !== reason) throw new Conflict('idempotency_conflict', `top-up ${topupId} was already reported failed with another reason`);
      return { done: { topupId, status: 'failed' as const } };
    }
    const rule = project.autoTopup;
    if (rule?.outstanding?.topupId !== topupId) {
      const paid = await findPayment(ctx, topupId);
      if (paid && paid.projectId === projectId) throw new Conflict('topup_settled', `top-up ${topupId} was already paid`);
      throw new NotFound(`outstanding top-up ${topupId}`);
    }
    const failures = rule.failures + 1;
    const disabled = failures >= MAX_TOPUP_FAILURES;
    const settled: TopupRule = { ...rule, outstanding: null, failures, ...(disabled ? { status: 'disabled' as const } : {}) };
    const createdAt = nowIso(ctx);
    const own: EventDraft[] = [draft('topup.failed', { topupId, amount: rule.outstanding.amount, reason }, `topup.failed#${topupId}`)];
    if (disabled) own.push(draft('topup.disabled', { failures }, `topup.disabled#${topupId}`));
    const move = moveBalance(ctx, project, 0, () => own, createdAt, { settledTopup: settled, booked: {} });
    return {
      items: [
        { Put: { TableName: ctx.tables.projects, Item: { ...keys.topup(projectId, topupId), projectId, topupId, reason, createdAt, attemptId }, ConditionExpression: 'attribute_not_exists(pk)' } },
        move.update,
        ...move.events.puts,
      ],
      receipt: { table: ctx.tables.projects, key: keys.topup(projectId, topupId) },
      result: { topupId, status: 'failed' as const },
    };
  });
}
