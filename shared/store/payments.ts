/**
 * Payments, recorded exactly once (RELIABILITY.md rules 1 and 11): one transaction writes the
 * idempotency record `payment#<paymentId>`, the ledger entry and the balance change. A repeat of the
 * same payment finds the record and answers the first result; the same id with another amount or
 * project is a conflict. A payment that lifts the balance to -creditLimit or above unblocks the
 * project in the same transaction (balanceUpdate recomputes the status).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Conflict } from '../domain/errors';
import type { Money } from '../domain/money';
import type { LedgerEntry } from '../domain/types';
import { nowIso, todayOf, type StoreContext } from './context';
import { balanceEvents, publishQuietly } from './events';
import { entryIds, keys } from './keys';
import { balanceUpdate, getProjectItem, statusFor } from './project-item';
import { transact, withRetries, type TransactOutcome } from './transactions';

export interface PaymentResult {
  paymentId: string;
  amount: Money;
  /** The balance right after this payment was first recorded. */
  balance: Money;
}

export interface PaymentRecord {
  pk: string;
  sk: 'payment';
  projectId: string;
  paymentId: string;
  amount: Money;
  date: string;
  balanceAfter: Money;
  createdAt: string;
  /**
   * The write attempt that stored the record: when its commit's answer is lost and the retry is
   * cancelled (the record exists), this tells our own commit (201) from an earlier request's (200).
   */
  attemptId?: string;
}

/** 201 the first time, 200 when the same payment was already recorded. */
export type PaymentOutcome = { status: 201 | 200; body: PaymentResult };

/** Optimistic-concurrency rounds before giving up (each lost round means another writer committed). */
const MAX_ROUNDS = 25;

async function findPayment(ctx: StoreContext, paymentId: string): Promise<PaymentRecord | null> {
  const out = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.ledger, Key: keys.payment(paymentId), ConsistentRead: true }));
  return (out.Item as PaymentRecord | undefined) ?? null;
}

function replay(record: PaymentRecord, projectId: string, amount: Money): PaymentOutcome {
  if (record.projectId !== projectId || record.amount !== amount) {
    throw new Conflict('payment_conflict', `payment ${record.paymentId} was already recorded with another amount or project`);
  }
  return { status: 200, body: { paymentId: record.paymentId, amount: record.amount, balance: record.balanceAfter } };
}

/** Records a payment of `amount` (> 0, validated by the caller) into `projectId`, exactly once. */
export async function recordPayment(ctx: StoreContext, projectId: string, paymentId: string, amount: Money): Promise<PaymentOutcome> {
  const seen = await findPayment(ctx, paymentId);
  if (seen) return replay(seen, projectId, amount);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const project = await getProjectItem(ctx.doc, ctx.tables.projects, projectId);
    const balance = project.balance + amount;
    const date = todayOf(ctx);
    const createdAt = nowIso(ctx);
    const attemptId = randomUUID();
    const record: PaymentRecord = { ...keys.payment(paymentId), sk: 'payment', projectId, paymentId, amount, date, balanceAfter: balance, createdAt, attemptId };
    const entry: LedgerEntry = { entryId: entryIds.payment(paymentId), date, type: 'payment', description: `Payment ${paymentId}`, amount, balanceEffect: true };
    const committedHere = async () => {
      await publishQuietly(balanceEvents(project, { balance, status: statusFor(balance, project.creditLimit) }));
      return { status: 201 as const, body: { paymentId, amount, balance } };
    };
    let out: TransactOutcome;
    try {
      out = await withRetries(() => transact(ctx.doc, [
        { Put: { TableName: ctx.tables.ledger, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: ctx.tables.ledger, Item: { ...keys.ledger(projectId, date, entry.entryId), projectId, createdAt, ...entry }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Update: balanceUpdate(ctx.tables.projects, project, amount) },
      ]));
    } catch (e) {
      // The call may have committed before failing: our own record means it did.
      if ((await findPayment(ctx, paymentId))?.attemptId === attemptId) return committedHere();
      throw e;
    }
    if (out.committed) return committedHere();
    if (out.reasons[0] === 'ConditionalCheckFailed' || out.reasons[1] === 'ConditionalCheckFailed') {
      // Either this attempt committed and only its answer was lost (the retry found its own record),
      // or a concurrent request with the same paymentId won: answer as its replay.
      const won = await findPayment(ctx, paymentId);
      if (won?.attemptId === attemptId) return committedHere();
      if (won) return replay(won, projectId, amount);
    }
    // Otherwise the project's version moved (another balance change committed): read it again, after
    // a jittered pause so writers that collided do not collide again in step.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** round)));
  }
  throw new Error(`payment ${paymentId}: gave up after ${MAX_ROUNDS} concurrent updates of project ${projectId}`);
}
