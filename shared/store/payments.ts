/**
 * Payment records (Ledger table, `payment#<paymentId>` / `payment`): the idempotency record of a
 * payment, written with `attribute_not_exists` in the transaction that moves the money, so a paymentId
 * is recorded once (docs/reliability.md rules 1 and 11). It keeps the first answer, to replay it.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Money } from '../domain/money';
import type { StoreContext } from './context';
import { keys } from './keys';
import { withRetries, type TransactItem } from './transactions';

export interface PaymentRecord {
  pk: string;
  sk: 'payment';
  projectId: string;
  paymentId: string;
  amount: Money;
  date: string;
  balanceAfter: Money;
  createdAt: string;
  /** The round that stored it (shared/store/commit.ts receipts). */
  attemptId?: string;
}

/** The record's table and key: a payment commit's receipt. */
export function paymentRef(ctx: StoreContext, paymentId: string): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.ledger, key: keys.payment(paymentId) };
}

export async function findPayment(ctx: StoreContext, paymentId: string): Promise<PaymentRecord | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.ledger, Key: keys.payment(paymentId), ConsistentRead: true })));
  return (out.Item as PaymentRecord | undefined) ?? null;
}

/** The Put of a payment record; refuses a second one for the same paymentId. */
export function paymentPut(ctx: StoreContext, record: Omit<PaymentRecord, 'pk' | 'sk'>): TransactItem {
  return { Put: { TableName: ctx.tables.ledger, Item: { ...keys.payment(record.paymentId), sk: 'payment', ...record }, ConditionExpression: 'attribute_not_exists(pk)' } };
}
