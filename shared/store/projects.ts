/**
 * The project item (Projects table, `project#<id>` / `project`) and its mapping to the API's Project.
 *
 * Every change of a project's money, status, charged days or timeline is a transaction that updates
 * this item conditioned on its `version` (optimistic concurrency, shared/store/commit.ts): a writer
 * that read version v writes v+1 only if nobody else did in between, so the balance, the status and
 * `chargedThrough` always move together and every decision is made on the exact state it applies to.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, type BillingDay } from '../domain/billing-days';
import { Conflict, NotFound } from '../domain/errors';
import { NO_ALERTS, type AlertRules, type AlertState } from '../domain/events';
import { creditBalanceOf, type ActiveGrant } from '../domain/credits';
import type { Money } from '../domain/money';
import type { TopupRule } from '../domain/topup';
import type { PlanAssignment } from '../domain/plan';
import { statusFor, type Project, type ProjectStatus } from '../domain/project';
import type { StoreContext } from './context';
import { chargeShardOf, keys } from './keys';
import type { TransactItem } from './transactions';
import { projectionOf, readAll } from './pager';

export interface ProjectItem {
  pk: string;
  sk: 'project';
  projectId: string;
  name: string;
  currency: string;
  balance: Money;
  creditLimit: Money;
  status: ProjectStatus;
  billingStartDate: BillingDay;
  /** The last day charged; billingStartDate - 1 before the first charge. Indexed for the fan-out. */
  chargedThrough: BillingDay;
  chargeShard: string;
  version: number;
  /** Counts timeline and sessions writes: changes are conditioned on it, so they apply in order. */
  timelineRev?: number;
  /**
   * The plans the project is on, from which day (appended by each move, in the transaction that
   * writes the move into the timeline): what prices a day without reading the timeline.
   */
  plans?: PlanAssignment[];
  createdAt: string;
  /** With an Idempotency-Key: the fingerprint of the creating request, to tell a replay from a conflict. */
  requestHash?: string;
  /** The project key made with the project (its id only). */
  firstApiKeyId?: string;
  /** The round of the creating call (shared/store/commit.ts receipts). */
  attemptId?: string;
  /** How many events the project has had: the last one's `sequence` (shared/store/events.ts). */
  eventSeq?: number;
  /** The project's alert rules; absent: none. */
  alerts?: AlertRules;
  /** What alerts remember between moves (shared/domain/events.ts). */
  alertState?: AlertState;
  /** The credit grants that still pay (at most MAX_ACTIVE_GRANTS), moved with the balance (shared/store/credits.ts). */
  grants?: ActiveGrant[];
  /** How many grants the project was ever given: the next one's order. */
  grantSeq?: number;
  /** The auto top-up rule and its state (shared/domain/topup.ts); absent: none. */
  autoTopup?: TopupRule;
  /** The last month whose statement is made (shared/billing/statements.ts); absent before the first. */
  statementsThrough?: string;
  /** That statement's closing balances: what the next one opens with, without reading it. */
  statementClosing?: { balance: Money; credit: Money };
  /**
   * True on a project made since month sums are kept (shared/store/month-sums.ts): its transactions
   * book them and its statements are made of them. Absent on one made before: its statements read the
   * ledger.
   */
  sumsKept?: true;
}

export function alertRulesOf(item: Pick<ProjectItem, 'alerts'>): AlertRules {
  return item.alerts ?? NO_ALERTS;
}

export function toProject(item: ProjectItem): Project {
  return {
    projectId: item.projectId,
    name: item.name,
    currency: item.currency,
    balance: item.balance,
    creditLimit: item.creditLimit,
    status: item.status,
    lastChargedDate: item.chargedThrough >= item.billingStartDate ? item.chargedThrough : null,
    billingStartDate: item.billingStartDate,
    creditBalance: creditBalanceOf(item.grants),
  };
}

export function timelineRevOf(item: ProjectItem): number {
  return item.timelineRev ?? 0;
}

/** The project's plan assignments; a project made before plans existed is on `standard` from its start. */
export function plansOf(item: Pick<ProjectItem, 'plans' | 'billingStartDate'>): PlanAssignment[] {
  return item.plans ?? [{ from: item.billingStartDate, planId: 'standard', seq: 0 }];
}

/** The item of a new project: balance 0, active, nothing charged yet. */
export function newProjectItem(p: {
  projectId: string; name: string; currency: string; creditLimit: Money; billingStartDate: BillingDay;
  createdAt: string; firstApiKeyId: string; requestHash?: string; attemptId: string; plans: PlanAssignment[];
}): ProjectItem {
  return {
    ...keys.project(p.projectId),
    sk: 'project',
    projectId: p.projectId,
    name: p.name,
    currency: p.currency,
    balance: 0,
    creditLimit: p.creditLimit,
    status: 'active',
    billingStartDate: p.billingStartDate,
    chargedThrough: addDays(p.billingStartDate, -1),
    chargeShard: chargeShardOf(p.projectId),
    version: 0,
    createdAt: p.createdAt,
    firstApiKeyId: p.firstApiKeyId,
    attemptId: p.attemptId,
    plans: p.plans,
    timelineRev: 1,
    sumsKept: true,
    ...(p.requestHash !== undefined ? { requestHash: p.requestHash } : {}),
  };
}

/** The Put of a new project item; refuses to overwrite one. */
export function projectPut(ctx: StoreContext, item: ProjectItem): TransactItem {
  return { Put: { TableName: ctx.tables.projects, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
}

export async function findProjectItem(ctx: StoreContext, projectId: string, consistent = true): Promise<ProjectItem | null> {
  const out = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.project(projectId), ConsistentRead: consistent }));
  return (out.Item as ProjectItem | undefined) ?? null;
}

export async function getProjectItem(ctx: StoreContext, projectId: string, consistent = true): Promise<ProjectItem> {
  const item = await findProjectItem(ctx, projectId, consistent);
  if (!item) throw new NotFound(`project ${projectId}`);
  return item;
}

/** True when the project exists. */
export async function projectExists(ctx: StoreContext, projectId: string): Promise<boolean> {
  const out = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.project(projectId), ConsistentRead: true, ProjectionExpression: 'pk' }));
  return out.Item !== undefined;
}

/**
 * The Update of a transaction that moves a project's balance by `delta` (and its status with it),
 * conditioned on the version the caller read. `extra` adds SET clauses (e.g. chargedThrough) with their values.
 */
export function balanceUpdate(table: string, item: ProjectItem, delta: Money, extra: { set?: string[]; values?: Record<string, unknown> } = {}): TransactItem {
  const balance = item.balance + delta;
  // Past 2^53 no exact integer balance exists: refuse the movement rather than round money.
  if (!Number.isSafeInteger(balance)) throw new Conflict('balance_out_of_range', `project ${item.projectId}'s balance would leave the range of exact integers`);
  return {
    Update: {
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
    },
  };
}

/** The project after a committed balanceUpdate of `delta` (what the next round may build on without re-reading). */
export function afterBalanceUpdate(item: ProjectItem, delta: Money, extra: Partial<ProjectItem> = {}): ProjectItem {
  const balance = item.balance + delta;
  return { ...item, ...extra, balance, status: statusFor(balance, item.creditLimit), version: item.version + 1 };
}

/** The Update that replaces a project's alert rules, conditioned on the version read. */
export function alertRulesUpdate(ctx: StoreContext, item: ProjectItem, rules: AlertRules): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.project(item.projectId),
      UpdateExpression: 'SET alerts = :alerts, version = :next',
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':alerts': rules, ':next': item.version + 1, ':version': item.version },
    },
  };
}

/** The Update that stores what alerts remember (and the events it adds), conditioned on the version read. */
export function alertStateUpdate(ctx: StoreContext, item: ProjectItem, state: AlertState, events: { eventSeq: number }): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.project(item.projectId),
      UpdateExpression: 'SET alertState = :state, eventSeq = :seq, version = :next',
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':state': state, ':seq': events.eventSeq, ':next': item.version + 1, ':version': item.version },
    },
  };
}

/**
 * The ids of the projects that are, were or will be on `planId` (with their assignments). A scan of
 * the project items: withdrawing a version is a rare admin act, and no index is kept for it.
 */
export async function projectsOnPlan(ctx: StoreContext, planId: string): Promise<{ projectId: string; plans: PlanAssignment[] }[]> {
  const items = await readAll(ctx.doc, {
    Scan: {
      TableName: ctx.tables.projects,
      FilterExpression: '#sk = :project',
      ExpressionAttributeValues: { ':project': 'project' },
      ...projectionOf('sk', 'projectId', 'plans', 'billingStartDate'),
    },
  });
  return (items as unknown as Pick<ProjectItem, 'projectId' | 'plans' | 'billingStartDate'>[])
    .map((i) => ({ projectId: i.projectId, plans: plansOf(i) }))
    .filter((p) => p.plans.some((a) => a.planId === planId));
}
