/**
 * The records of corrections (Projects table, in the project's partition), each the idempotency record
 * of its write, put with `attribute_not_exists` in the money transaction and keeping the first answer:
 * `adjustment#<adjustmentId>`, `refund#<eventDay>#<eventId>` (by the event's own day, so a day's
 * refunds are one query), `topup#<topupId>` (a failed auto top-up); and the auto top-up rule's update.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import type { TopupRule } from '../domain/topup';
import type { StoreContext } from './context';
import { keys } from './keys';
import type { ProjectItem } from './projects';
import { withRetries } from './transactions';
import type { UsageItem } from './usage';

async function getItem<T>(ctx: StoreContext, table: string, key: Record<string, unknown>): Promise<T | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })));
  return (out.Item as T | undefined) ?? null;
}

export interface AdjustmentRecord { adjustmentId: string; amount: Money; description: string; date: BillingDay; balanceAfter: Money; attemptId?: string }

export function findAdjustment(ctx: StoreContext, projectId: string, adjustmentId: string): Promise<AdjustmentRecord | null> {
  return getItem(ctx, ctx.tables.projects, keys.adjustment(projectId, adjustmentId));
}

export interface RefundRecord { eventId: string; amount: Money; date: BillingDay; description?: string; balanceAfter: Money }

export function findRefund(ctx: StoreContext, projectId: string, day: BillingDay, eventId: string): Promise<RefundRecord | null> {
  return getItem(ctx, ctx.tables.projects, keys.refund(projectId, day, eventId));
}

export function findUsageItem(ctx: StoreContext, eventId: string): Promise<UsageItem | null> {
  return getItem(ctx, ctx.tables.usage, keys.usage(eventId));
}

export interface TopupFailureRecord { topupId: string; reason: string }

export function findTopupFailure(ctx: StoreContext, projectId: string, topupId: string): Promise<TopupFailureRecord | null> {
  return getItem(ctx, ctx.tables.projects, keys.topup(projectId, topupId));
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

/** Stores the auto top-up rule, conditioned on the project's version read (a conditional failure: decide again). */
export async function putTopupRule(ctx: StoreContext, project: ProjectItem, rule: TopupRule): Promise<void> {
  await withRetries(() => ctx.doc.send(new UpdateCommand({
    TableName: ctx.tables.projects,
    Key: keys.project(project.projectId),
    UpdateExpression: 'SET autoTopup = :rule, version = :next',
    ConditionExpression: 'version = :version',
    ExpressionAttributeValues: { ':rule': rule, ':next': project.version + 1, ':version': project.version },
  })));
}
