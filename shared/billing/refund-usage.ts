/**
 * POST /projects/{id}/usage/{eventId}/refund (docs/api.md "Refund of a usage event"): the whole cost
 * (what was debited of it, when the balance could not hold the cost: shared/billing/debit-usage.ts)
 * of one debited event back, once. One transaction: the refund record `refund#<day>#<eventId>`
 * (attribute_not_exists: the idempotency record, keeping the first answer), the ledger entry
 * `refund#<eventId>` (type usage_refund, dated `date`), the balance move (paid money, never credit),
 * `usage.refunded` and the alerts it crosses. The event keeps its cost and its day's telecom total.
 */
import type { BillingDay } from '../domain/billing-days';
import { Conflict, NotFound } from '../domain/errors';
import { draft } from '../domain/events';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import type { Money } from '../domain/money';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { findRefund, findUsageItem, type RefundRecord } from '../store/corrections';
import { readDebitMarks } from '../store/debit-marks';
import { keys } from '../store/keys';
export { refundedOn } from '../store/corrections';
import { ledgerPut } from '../store/ledger';
import { getProjectItem } from '../store/projects';
import { Id } from '../domain/values';
import { correctionDay, moveBalance } from './money-move';

export interface RefundInput { description?: string; date?: BillingDay }
export interface RefundResult { eventId: string; amount: Money; balance: Money }
export type RefundOutcome = { status: 201 | 200; body: RefundResult };

function replay(seen: RefundRecord, input: RefundInput): RefundOutcome {
  if ((input.date !== undefined && input.date !== seen.date) || (input.description !== undefined && input.description !== seen.description)) {
    throw new Conflict('idempotency_conflict', `event ${seen.eventId} was already refunded with another date or description`);
  }
  return { status: 200, body: { eventId: seen.eventId, amount: seen.amount, balance: seen.balanceAfter } };
}

export async function refundUsage(ctx: StoreContext, projectId: string, eventId: string, input: RefundInput): Promise<RefundOutcome> {
  // An id no event can have (the path is the caller's) is no key to look up.
  if (!Id.safeParse(eventId).success) throw new NotFound(`usage event ${eventId.slice(0, 140)}`);
  const usage = await findUsageItem(ctx, eventId);
  if (!usage || usage.projectId !== projectId) throw new NotFound(`usage event ${eventId} of project ${projectId}`);
  return optimisticCommit<RefundOutcome>(ctx.doc, `refund of ${eventId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const seen = await findRefund(ctx, projectId, usage.day, eventId);
    if (seen) return { done: replay(seen, input) };
    if (usage.cost <= 0) throw new Conflict('nothing_to_refund', `event ${eventId} cost 0: there is nothing to refund`);
    const mark = (await readDebitMarks(ctx, [eventId])).get(eventId);
    if (!mark) throw new Conflict('not_debited', `event ${eventId} is not debited yet; send the refund again in a few seconds`);
    // What the balance paid of it: less than its cost only when the balance could not hold the cost.
    const amount = mark.debited !== undefined ? Number(mark.debited) : usage.cost;
    if (amount <= 0) throw new Conflict('nothing_to_refund', `event ${eventId} was debited 0 (the balance could not hold its cost): there is nothing to refund`);
    const date = correctionDay(project, input.date, todayOf(ctx));
    const createdAt = nowIso(ctx);
    const entry: LedgerEntry = { entryId: entryIds.refund(eventId), date, type: 'usage_refund', description: input.description ?? `Refund of ${usage.kind} ${eventId}`, amount, balanceEffect: true };
    const move = moveBalance(ctx, project, amount, (after) => [
      draft('usage.refunded', { eventId, amount, balance: after.balance }, `refund#${eventId}`),
    ], createdAt, { booked: { entries: [entry] } });
    const record = { ...keys.refund(projectId, usage.day, eventId), projectId, eventId, amount, date, ...(input.description !== undefined ? { description: input.description } : {}), balanceAfter: move.after.balance, createdAt, attemptId };
    return {
      items: [
        { Put: { TableName: ctx.tables.projects, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } },
        ledgerPut(ctx, projectId, entry, createdAt),
        move.update, ...move.sums,
        ...move.events.puts,
      ],
      receipt: { table: ctx.tables.projects, key: keys.refund(projectId, usage.day, eventId) },
      result: { status: 201 as const, body: { eventId, amount, balance: move.after.balance } },
    };
  });
}
