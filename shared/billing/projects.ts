/**
 * Creating a project (the project item and its first `project` key, in one transaction) and reading
 * it as the API shows it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { daysBetween, type BillingDay } from '../domain/billing-days';
import { startOfDay } from '../domain/day-bounds';
import { Conflict, NotFound, ValidationFailed } from '../domain/errors';
import type { Money } from '../domain/money';
import { STANDARD_PLAN_ID } from '../domain/default-plan';
import type { Project } from '../domain/project';
import { utcIso } from '../domain/timeline-snapshot';
import { apiKeyPuts } from '../store/api-keys';
import { guard, optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { keys } from '../store/keys';
import { findPlan, markPlanUsed } from '../store/plans';
import { findProjectItem, getProjectItem, newProjectItem, projectPut, toProject } from '../store/projects';
import { changePut } from '../store/timeline';
import { generateApiKey, generateApiKeyId } from './api-keys';

export interface NewProject {
  name: string;
  currency: string;
  creditLimit: Money;
  billingStartDate: BillingDay;
  /** @default 'standard' */
  planId?: string;
}

export interface ProjectCreated {
  project: Project;
  apiKeyId: string;
  /** The project key, shown once; absent when an idempotent replay answers (it is not stored in clear). */
  apiKey?: string;
  /** True when an earlier request with the same Idempotency-Key made this project. */
  replayed: boolean;
}

function fingerprint(input: NewProject): string {
  return createHash('sha256').update(JSON.stringify([input.name, input.currency, input.creditLimit, input.billingStartDate, ...(input.planId ? [input.planId] : [])])).digest('hex');
}

/**
 * Creates a project with balance 0, status active, nothing charged yet, on its plan from its start
 * (from today when it starts later, so a plan move before the start day is in force on it), and its
 * first `project` key; the plan's move is written into the timeline and the plan is marked used.
 * With an `idempotencyKey` the project id is derived from it, so a repeat cannot make a second
 * project: the same request again is answered from the stored project (without the key, which is
 * not kept in clear); another request with the same idempotency key is a 409.
 */
export async function createProject(ctx: StoreContext, input: NewProject, idempotencyKey?: string): Promise<ProjectCreated> {
  const projectId = idempotencyKey
    ? `prj_${createHash('sha256').update(`project:${idempotencyKey}`).digest('hex').slice(0, 24)}`
    : `prj_${randomBytes(12).toString('hex')}`;
  const requestHash = fingerprint(input);
  const planId = input.planId ?? STANDARD_PLAN_ID;
  return optimisticCommit<ProjectCreated>(ctx.doc, `creating project ${projectId}`, async ({ attemptId }) => {
    const apiKeyId = generateApiKeyId();
    const apiKey = generateApiKey();
    const today = todayOf(ctx);
    const from = input.billingStartDate < today ? input.billingStartDate : today;
    const { planId: _planId, ...fields } = input;
    const item = newProjectItem({
      projectId, ...fields, createdAt: nowIso(ctx), firstApiKeyId: apiKeyId, attemptId, plans: [{ from, planId, seq: 1 }], ...(idempotencyKey ? { requestHash } : {}),
    });
    const move = changePut(ctx, projectId, { kind: 'plan', at: utcIso(startOfDay(from, ctx.zone)), seq: 1, planId, effectiveFrom: from }, { attemptId });
    return {
      items: [
        guard(projectPut(ctx, item), 'project_exists'),
        ...apiKeyPuts(ctx, { apiKeyId, role: 'project', projectId }, apiKey),
        move.put,
        guard(markPlanUsed(ctx, planId), 'plan_not_found'),
      ],
      result: { project: toProject(item), apiKeyId, apiKey, replayed: false },
      receipt: { table: ctx.tables.projects, key: keys.project(projectId) },
      onCancelled: async (cancelled) => {
        if (cancelled.has('plan_not_found')) throw new NotFound(`plan ${planId}`);
        if (!cancelled.has('project_exists')) return undefined;
        const stored = await findProjectItem(ctx, projectId);
        // A random project id cannot collide; only an idempotency key maps a request to an existing project.
        if (!idempotencyKey || !stored) throw new Error(`creating project ${projectId} was cancelled: the project exists`);
        if (stored.requestHash !== requestHash) throw new Conflict('idempotency_conflict', 'this Idempotency-Key was used for a different project');
        return { done: { project: toProject(stored), apiKeyId: stored.firstApiKeyId ?? '', replayed: true } };
      },
    };
  }, { maxRounds: 8 });
}

/** A project as asked for: what is not given takes the deployment's defaults. */
export interface ProjectRequest {
  name: string;
  /** @default the plan's currency (the only one allowed: prices are in it) */
  currency?: string;
  /** @default 'standard' */
  planId?: string;
  /** @default 0 */
  creditLimit?: Money;
  /** @default today */
  billingStartDate?: BillingDay;
}

/** How far from today billing may start: further would make a billing run catch up (or wait for) years of days. */
export const MAX_START_OFFSET_DAYS = 366;

/** `createProject` with the defaults and the rules of docs/api.md applied to what was asked. */
export async function openProject(ctx: StoreContext, request: ProjectRequest, idempotencyKey?: string): Promise<ProjectCreated> {
  const planId = request.planId ?? STANDARD_PLAN_ID;
  const plan = await findPlan(ctx, planId);
  if (!plan) throw new NotFound(`plan ${planId}`);
  const currency = request.currency ?? plan.currency;
  // Prices are in the plan's currency: a project in another one would be billed in the wrong unit.
  if (currency !== plan.currency) throw new CurrencyMismatch(planId, plan.currency, currency);
  const today = todayOf(ctx);
  const billingStartDate = request.billingStartDate ?? today;
  if (Math.abs(daysBetween(today, billingStartDate)) > MAX_START_OFFSET_DAYS) {
    throw new ValidationFailed(`billingStartDate must be within ${MAX_START_OFFSET_DAYS} days of today (${today})`);
  }
  return createProject(ctx, { name: request.name, currency, creditLimit: request.creditLimit ?? 0, billingStartDate, ...(request.planId ? { planId } : {}) }, idempotencyKey);
}

/** A plan priced in another currency than the project's. */
export class CurrencyMismatch extends Conflict {
  constructor(planId: string, planCurrency: string, currency: string) {
    super('currency_mismatch', `plan ${planId} is priced in ${planCurrency}, the project in ${currency}`);
  }
}

/** The project as the API shows it; NotFound when there is none. */
export async function getProject(ctx: StoreContext, projectId: string): Promise<Project> {
  return toProject(await getProjectItem(ctx, projectId));
}
