/**
 * POST /projects/{id}/adjustments (docs/api.md "Adjustment"): a signed correction, exactly once by
 * `adjustmentId` in one transaction: its record `adjustment#<id>` (attribute_not_exists: the
 * idempotency record, keeping the first answer), the ledger entry `adjustment#<id>` dated `date`, the
 * balance (and status) move, `adjustment.made` and the alerts it crosses. A negative adjustment is a
 * charge of its date: the credit grants that may pay for that day pay it first (shared/domain/credits.ts),
 * and what they paid is recorded on that day.
 */
import type { BillingDay } from '../domain/billing-days';
import { addDraws, drawCharge, type DrawsByDay } from '../domain/credits';
import { Conflict } from '../domain/errors';
import { draft } from '../domain/events';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import type { Money } from '../domain/money';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { findAdjustment, type AdjustmentRecord } from '../store/corrections';
import { drawsAdds, grantsOf } from '../store/credits';
import { keys } from '../store/keys';
import { ledgerPut } from '../store/ledger';
import { getProjectItem } from '../store/projects';
import { correctionDay, moveBalance } from './money-move';

export interface AdjustmentInput { adjustmentId: string; amount: Money; description: string; date?: BillingDay }
export interface AdjustmentResult { adjustmentId: string; amount: Money; description: string; balance: Money }
export type AdjustmentOutcome = { status: 201 | 200; body: AdjustmentResult };

function replay(seen: AdjustmentRecord, input: AdjustmentInput): AdjustmentOutcome {
  if (seen.amount !== input.amount || seen.description !== input.description || (input.date !== undefined && input.date !== seen.date)) {
    throw new Conflict('idempotency_conflict', `adjustment ${input.adjustmentId} was already made with another amount, description or date`);
  }
  return { status: 200, body: { adjustmentId: seen.adjustmentId, amount: seen.amount, description: seen.description, balance: seen.balanceAfter } };
}

export async function makeAdjustment(ctx: StoreContext, projectId: string, input: AdjustmentInput): Promise<AdjustmentOutcome> {
  return optimisticCommit<AdjustmentOutcome>(ctx.doc, `adjustment ${input.adjustmentId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const seen = await findAdjustment(ctx, projectId, input.adjustmentId);
    if (seen) return { done: replay(seen, input) };
    const date = correctionDay(project, input.date, todayOf(ctx));
    const createdAt = nowIso(ctx);
    // A manual charge is paid from the grants first; a credit adds paid money, never credit.
    const drawn = input.amount < 0 ? drawCharge(grantsOf(project), -input.amount, date) : null;
    const draws: DrawsByDay = new Map();
    if (drawn) addDraws(draws, date, drawn.draws);
    const entry: LedgerEntry = { entryId: entryIds.adjustment(input.adjustmentId), date, type: 'adjustment', description: input.description, amount: input.amount, balanceEffect: true };
    const move = moveBalance(ctx, project, input.amount, (after) => [
      draft('adjustment.made', { adjustmentId: input.adjustmentId, amount: input.amount, balance: after.balance }, `adjustment#${input.adjustmentId}`),
    ], createdAt, { booked: { entries: [entry] }, ...(drawn && drawn.total > 0 ? { grants: drawn.grants } : {}) });
    const record: AdjustmentRecord = { adjustmentId: input.adjustmentId, amount: input.amount, description: input.description, date, balanceAfter: move.after.balance, attemptId };
    return {
      items: [
        { Put: { TableName: ctx.tables.projects, Item: { ...keys.adjustment(projectId, input.adjustmentId), projectId, createdAt, ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ledgerPut(ctx, projectId, entry, createdAt),
        move.update, ...move.sums,
        ...drawsAdds(ctx, projectId, draws),
        ...move.events.puts,
      ],
      receipt: { table: ctx.tables.projects, key: keys.adjustment(projectId, input.adjustmentId) },
      result: { status: 201 as const, body: { adjustmentId: input.adjustmentId, amount: input.amount, description: input.description, balance: move.after.balance } },
    };
  });
}
