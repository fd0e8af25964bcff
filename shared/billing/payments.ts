/**
 * Recording a payment, exactly once (docs/reliability.md rules 1 and 11): one transaction writes the
 * payment record `payment#<paymentId>`, its ledger entry and the balance change. A repeat of the same
 * payment finds the record and answers the first result; the same id with another amount or project
 * is a conflict. A payment that lifts the balance to -creditLimit or above unblocks the project in
 * the same transaction (the status moves with the balance). Its events (payment.received, and
 * project.unblocked when it unblocks) are written in that transaction too.
 *
 * A payment whose paymentId is the project's outstanding auto top-up settles it (docs/api.md "Auto
 * top-up"): `payment.received` carries `topupId`, the failures in a row start again from 0, and when
 * the balance is still below the rule's `below` the next top-up is requested in the same transaction.
 */
import { Conflict } from '../domain/errors';
import { draft } from '../domain/events';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import type { Money } from '../domain/money';
import { guard, optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { ledgerPut } from '../store/ledger';
import { findPayment, paymentPut, paymentRef, type PaymentRecord } from '../store/payments';
import { getProjectItem } from '../store/projects';
import { moveBalance } from './money-move';

export interface PaymentResult {
  paymentId: string;
  amount: Money;
  /** The balance right after this payment was first recorded. */
  balance: Money;
}

/** 201 the first time, 200 when the same payment was already recorded. */
export type PaymentOutcome = { status: 201 | 200; body: PaymentResult };

function replay(record: PaymentRecord, projectId: string, amount: Money): PaymentOutcome {
  if (record.projectId !== projectId || record.amount !== amount) {
    throw new Conflict('payment_conflict', `payment ${record.paymentId} was already recorded with another amount or project`);
  }
  return { status: 200, body: { paymentId: record.paymentId, amount: record.amount, balance: record.balanceAfter } };
}

/** Records a payment of `amount` (> 0, validated by the caller) into `projectId`, exactly once. */
export async function recordPayment(ctx: StoreContext, projectId: string, paymentId: string, amount: Money): Promise<PaymentOutcome> {
  return optimisticCommit<PaymentOutcome>(ctx.doc, `payment ${paymentId}`, async ({ attemptId }) => {
    const seen = await findPayment(ctx, paymentId);
    if (seen) return { done: replay(seen, projectId, amount) };
    const project = await getProjectItem(ctx, projectId);
    const date = todayOf(ctx);
    const createdAt = nowIso(ctx);
    const rule = project.autoTopup;
    const settles = rule?.outstanding?.topupId === paymentId;
    const entry: LedgerEntry = { entryId: entryIds.payment(paymentId), date, type: 'payment', description: `Payment ${paymentId}`, amount, balanceEffect: true };
    const move = moveBalance(ctx, project, amount, (after) => [
      draft('payment.received', { paymentId, amount, balance: after.balance, ...(settles ? { topupId: paymentId } : {}) }, `payment#${paymentId}`),
    ], createdAt, { booked: { entries: [entry] }, ...(settles ? { settledTopup: { ...rule!, outstanding: null, failures: 0 } } : {}) });
    const after = move.after;
    return {
      items: [
        guard(paymentPut(ctx, { projectId, paymentId, amount, date, balanceAfter: after.balance, createdAt, attemptId }), 'duplicate'),
        ledgerPut(ctx, projectId, entry, createdAt),
        move.update, ...move.sums,
        ...move.events.puts,
      ],
      receipt: paymentRef(ctx, paymentId),
      result: { status: 201 as const, body: { paymentId, amount, balance: after.balance } },
      // The same paymentId recorded meanwhile (a concurrent repeat): its first answer, at once.
      onCancelled: async (cancelled) => {
        if (!cancelled.has('duplicate')) return undefined;
        const first = await findPayment(ctx, paymentId);
        return first ? { done: replay(first, projectId, amount) } : undefined;
      },
    };
  });
}
