/**
 * POST /projects/{id}/usage/{eventId}/refund (docs/api.md "Refund of a usage event"): the whole cost
 * of one debited event back, once. One transaction: the refund record `refund#<day>#<eventId>`
 * (attribute_not_exists: the idempotency record, keeping the first answer), the ledger entry
 * `refund#<eventId>` (type usage_refund, dated `date`), the balance move (paid money, never credit),
 * `usage.refunded` and the alerts it crosses. The event keeps its cost and its day's telecom total.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import { Conflict, NotFound } from '../domain/errors';
import { draft } from '../domain/events';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import type { Money } from '../domain/money';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { readDebitMarks } from '../store/debit-marks';
import { keys } from '../store/keys';
import { ledgerPut } from '../store/ledger';
import { getProjectItem } from '../store/projects';
import { withRetries } from '../store/transactions';
import type { UsageItem } from '../store/usage';
import { Id } from '../domain/values';
import { correctionDay, moveBalance } from './money-move';

export interface RefundInput { description?: string; date?: BillingDay }
export interface RefundResult { eventId: string; amount: Money; balance: Money }
export type RefundOutcome = { status: 201 | 200; body: RefundResult };

interface RefundRecord { eventId: string; amount: Money; date: BillingDay; description?: string; balanceAfter: Money }

async function findUsageItem(ctx: StoreContext, eventId: string): Promise<UsageItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.usage, Key: keys.usage(eventId), ConsistentRead: true })));
  return (out.Item as UsageItem | undefined) ?? null;
}

async function findRefund(ctx: StoreContext, projectId: string, day: BillingDay, eventId: string): Promise<RefundRecord | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.refund(projectId, day, eventId), ConsistentRead: true })));
  return (out.Item as RefundRecord | undefined) ?? null;
}

/** The ids of the events of `day` (their own day) that were refunded: one query of the day's refund records. */
export async function refundedOn(ctx: StoreContext, projectId: string, day: BillingDay): Promise<Set<string>> {
  const out = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await withRetries(() => ctx.doc.send(new QueryCommand({
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':prefix': keys.refundDayPrefix(day) },
      ProjectionExpression: 'eventId',
      ...(start ? { ExclusiveStartKey: start } : {}),
    })));
    for (const i of page.Items ?? []) out.add(String(i.eventId));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

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
    const marks = await readDebitMarks(ctx, [eventId]);
    if (!marks.has(eventId)) throw new Conflict('not_debited', `event ${eventId} is not debited yet; send the refund again in a few seconds`);
    const date = correctionDay(project, input.date, todayOf(ctx));
    const createdAt = nowIso(ctx);
    const amount = usage.cost;
    const move = moveBalance(ctx, project, amount, (after) => [
      draft('usage.refunded', { eventId, amount, balance: after.balance }, `refund#${eventId}`),
    ], createdAt);
    const entry: LedgerEntry = { entryId: entryIds.refund(eventId), date, type: 'usage_refund', description: input.description ?? `Refund of ${usage.kind} ${eventId}`, amount, balanceEffect: true };
    const record = { ...keys.refund(projectId, usage.day, eventId), projectId, eventId, amount, date, ...(input.description !== undefined ? { description: input.description } : {}), balanceAfter: move.after.balance, createdAt, attemptId };
    return {
      items: [
        { Put: { TableName: ctx.tables.projects, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } },
        ledgerPut(ctx, projectId, entry, createdAt),
        move.update,
        ...move.events.puts,
      ],
      receipt: { table: ctx.tables.projects, key: keys.refund(projectId, usage.day, eventId) },
      result: { status: 201 as const, body: { eventId, amount, balance: move.after.balance } },
    };
  });
}
