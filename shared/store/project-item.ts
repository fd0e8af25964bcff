/**
 * The project item and its mapping to the API's Project. Every balance change is conditioned on the
 * item's `version` (optimistic concurrency): a writer that read version v writes v+1 only if nobody
 * else did in between, so the balance, the status (blocked/active) and `chargedThrough` always move
 * together and every status decision is made on the exact balance it applies to.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addDays, type BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import { Conflict, NotFound } from '../domain/errors';
import type { ProjectView } from '../http/schemas';
import { keys } from './keys';

export interface ProjectItem {
  pk: string;
  sk: 'project';
  projectId: string;
  name: string;
  currency: string;
  balance: Money;
  creditLimit: Money;
  status: 'active' | 'blocked';
  billingStartDate: BillingDay;
  /** The last day charged; billingStartDate - 1 before the first charge. Indexed for the fan-out. */
  chargedThrough: BillingDay;
  chargeShard: string;
  version: number;
  createdAt: string;
}

/** API.md: blocked while balance < -creditLimit. */
export function statusFor(balance: Money, creditLimit: Money): 'active' | 'blocked' {
  return balance < -creditLimit ? 'blocked' : 'active';
}

export function toProjectView(item: ProjectItem): ProjectView {
  return {
    projectId: item.projectId,
    name: item.name,
    currency: item.currency,
    balance: item.balance,
    creditLimit: item.creditLimit,
    status: item.status,
    lastChargedDate: item.chargedThrough >= item.billingStartDate ? item.chargedThrough : null,
    billingStartDate: item.billingStartDate,
  };
}

export function initialChargedThrough(billingStartDate: BillingDay): BillingDay {
  return addDays(billingStartDate, -1);
}

export async function findProjectItem(doc: DynamoDBDocumentClient, table: string, projectId: string, consistent = true): Promise<ProjectItem | null> {
  const out = await doc.send(new GetCommand({ TableName: table, Key: keys.project(projectId), ConsistentRead: consistent }));
  return (out.Item as ProjectItem | undefined) ?? null;
}

export async function getProjectItem(doc: DynamoDBDocumentClient, table: string, projectId: string, consistent = true): Promise<ProjectItem> {
  const item = await findProjectItem(doc, table, projectId, consistent);
  if (!item) throw new NotFound(`project ${projectId}`);
  return item;
}

/**
 * The Update of a transaction that moves a project's balance by `delta`, conditioned on the version the
 * caller read. `extra` adds SET clauses (e.g. chargedThrough) with their values.
 */
export function balanceUpdate(table: string, item: ProjectItem, delta: Money, extra: { set?: string[]; values?: Record<string, unknown> } = {}) {
  const balance = item.balance + delta;
  // Past 2^53 no exact integer balance exists: refuse the movement rather than round money.
  if (!Number.isSafeInteger(balance)) throw new Conflict('balance_out_of_range', `project ${item.projectId}'s balance would leave the range of exact integers`);
  return {
    TableName: table,
    Key: keys.project(item.projectId),
    UpdateExpression: `SET ${['balance = :balance', '#status = :status', 'version = :next', ...(extra.set ?? [])].join(', ')}`,
    ConditionExpression: 'version = :version',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':balance': balance,
      ':status': statusFor(balance, item.creditLimit),
      ':next': item.version + 1,
      ':version': item.version,
      ...extra.values,
    },
  };
}
