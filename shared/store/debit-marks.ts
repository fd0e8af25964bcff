/**
 * Debit marks (Ledger table, `debit#<eventId>` / `debit`): one item per debited usage event, put in the
 * transaction that moves the balance, on the condition it does not exist yet. The mark is the debit's
 * exactly-once guarantee, as a payment's idempotency record is the payment's.
 *
 * Why beside the ledger and not on the usage item (where it was before): a usage item carries two
 * indexes and the table's stream, so an update of it was 4 write units on DynamoDB (2 for the
 * transactional write, 2 for the indexes, which project every attribute) and a MODIFY record every
 * debit reader had to read past; a small item in a table with neither is 2. On DynamoDB Local it is
 * the difference between about 1 ms and 0.4 ms per event. Usage items are never written again after
 * their insert.
 */
import type { BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import type { StoreContext } from './context';
import { keys } from './keys';
import { batchGetAll, projectionOf } from './pager';
import type { TransactItem } from './transactions';

/** A debited event: when, and which open day's telecom total it was added to. */
export interface DebitMark {
  eventId: string;
  projectId: string;
  debitedAt: string;
  countedOn: BillingDay;
  /**
   * What was debited, present only when less than the event's cost: the balance could not hold the
   * whole cost (shared/domain/usage.ts MIN_BALANCE). Absent: the cost was debited.
   */
  debited?: Money;
}

/** The attribute a mark's receipt is kept in (shared/store/commit.ts). */
export const DEBIT_RECEIPT_ATTRIBUTE = 'attemptId';

/** The mark's table and key: the receipt of the debit whose first event it marks. */
export function debitMarkRef(ctx: Pick<StoreContext, 'tables'>, eventId: string): { table: string; key: Record<string, unknown>; attribute: string } {
  return { table: ctx.tables.ledger, key: keys.debitMark(eventId), attribute: DEBIT_RECEIPT_ATTRIBUTE };
}

/** The put of an event's mark, refused when the event is marked already. */
export function debitMarkPut(ctx: Pick<StoreContext, 'tables'>, mark: DebitMark, attemptId?: string): TransactItem {
  return {
    Put: {
      TableName: ctx.tables.ledger,
      Item: { ...keys.debitMark(mark.eventId), ...mark, ...(attemptId ? { [DEBIT_RECEIPT_ATTRIBUTE]: attemptId } : {}) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

const projection = projectionOf('eventId', 'projectId', 'debitedAt', 'countedOn', 'debited');

/** The marks of `eventIds` that exist, by event id; strongly consistent. */
export async function readDebitMarks(ctx: Pick<StoreContext, 'doc' | 'tables'>, eventIds: readonly string[]): Promise<Map<string, DebitMark>> {
  const items = await batchGetAll(ctx.doc, ctx.tables.ledger, eventIds.map((id) => keys.debitMark(id)), { consistent: true, projection });
  return new Map(items.map((i) => [String(i.eventId), i as unknown as DebitMark]));
}

/**
 * `rows`, each with its mark's debitedAt and countedOn when it has one. The marks are read after the
 * rows, consistently: an event debited since its row was read shows as debited, never the other way round.
 */
export async function withDebitMarks<R extends { eventId: string }>(ctx: Pick<StoreContext, 'doc' | 'tables'>, rows: readonly R[]): Promise<(R & Partial<Pick<DebitMark, 'debitedAt' | 'countedOn' | 'debited'>>)[]> {
  const marks = await readDebitMarks(ctx, rows.map((r) => r.eventId));
  return rows.map((r) => {
    const m = marks.get(r.eventId);
    return m ? { ...r, debitedAt: m.debitedAt, countedOn: m.countedOn, ...(m.debited !== undefined ? { debited: Number(m.debited) } : {}) } : r;
  });
}
