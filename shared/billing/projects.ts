/**
 * Creating a project (the project item and its first `project` key, in one transaction) and reading
 * it as the API shows it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { currentCatalog } from '../catalog-source';
import { daysBetween, type BillingDay } from '../domain/billing-days';
import { Conflict, DomainError, ValidationFailed } from '../domain/errors';
import type { Money } from '../domain/money';
import type { Project } from '../domain/project';
import { apiKeyPuts } from '../store/api-keys';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { keys } from '../store/keys';
import { findProjectItem, getProjectItem, newProjectItem, projectPut, toProject } from '../store/projects';
import { generateApiKey, generateApiKeyId } from './api-keys';

export interface NewProject {
  name: string;
  currency: string;
  creditLimit: Money;
  billingStartDate: BillingDay;
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
  return createHash('sha256').update(JSON.stringify([input.name, input.currency, input.creditLimit, input.billingStartDate])).digest('hex');
}

/**
 * Creates a project with balance 0, status active, nothing charged yet, and its first `project` key.
 * With an `idempotencyKey` the project id is derived from it, so a repeat cannot make a second
 * project: the same request again is answered from the stored project (without the key, which is
 * not kept in clear); another request with the same idempotency key is a 409.
 */
export async function createProject(ctx: StoreContext, input: NewProject, idempotencyKey?: string): Promise<ProjectCreated> {
  const projectId = idempotencyKey
    ? `prj_${createHash('sha256').update(`project:${idempotencyKey}`).digest('hex').slice(0, 24)}`
    : `prj_${randomBytes(12).toString('hex')}`;
  const requestHash = fingerprint(input);
  return optimisticCommit<ProjectCreated>(ctx.doc, `creating project ${projectId}`, async ({ attemptId }) => {
    const apiKeyId = generateApiKeyId();
    const apiKey = generateApiKey();
    const item = newProjectItem({
      projectId, ...input, createdAt: nowIso(ctx), firstApiKeyId: apiKeyId, attemptId, ...(idempotencyKey ? { requestHash } : {}),
    });
    return {
      items: [projectPut(ctx, item), ...apiKeyPuts(ctx, { apiKeyId, role: 'project', projectId }, apiKey)],
      result: { project: toProject(item), apiKeyId, apiKey, replayed: false },
      receipt: { table: ctx.tables.projects, key: keys.project(projectId) },
      onCancelled: async (reasons) => {
        if (reasons[0] !== 'ConditionalCheckFailed') return undefined;
        const stored = await findProjectItem(ctx, projectId);
        // A random project id cannot collide; only an idempotency key maps a request to an existing project.
        if (!idempotencyKey || !stored) throw new Error(`creating project ${projectId} was cancelled: ${reasons.join(', ')}`);
        if (stored.requestHash !== requestHash) throw new Conflict('idempotency_conflict', 'this Idempotency-Key was used for a different project');
        return { done: { project: toProject(stored), apiKeyId: stored.firstApiKeyId ?? '', replayed: true } };
      },
    };
  }, { maxRounds: 8 });
}

/** A project as asked for: what is not given takes the deployment's defaults. */
export interface ProjectRequest {
  name: string;
  /** @default the catalog's currency (the only one allowed: prices are in it) */
  currency?: string;
  /** @default 0 */
  creditLimit?: Money;
  /** @default today */
  billingStartDate?: BillingDay;
}

/** How far from today billing may start: further would make a billing run catch up (or wait for) years of days. */
export const MAX_START_OFFSET_DAYS = 366;

/** `createProject` with the defaults and the rules of docs/api.md applied to what was asked. */
export async function openProject(ctx: StoreContext, request: ProjectRequest, idempotencyKey?: string): Promise<ProjectCreated> {
  const billingCurrency = currentCatalog().currency;
  const currency = request.currency ?? billingCurrency;
  // Prices are in the catalog's currency: a project in another one would be billed in the wrong unit.
  if (currency !== billingCurrency) throw new DomainError('unsupported_currency', `this deployment bills in ${billingCurrency}, not ${currency}`, 400);
  const today = todayOf(ctx);
  const billingStartDate = request.billingStartDate ?? today;
  if (Math.abs(daysBetween(today, billingStartDate)) > MAX_START_OFFSET_DAYS) {
    throw new ValidationFailed(`billingStartDate must be within ${MAX_START_OFFSET_DAYS} days of today (${today})`);
  }
  return createProject(ctx, { name: request.name, currency, creditLimit: request.creditLimit ?? 0, billingStartDate }, idempotencyKey);
}

/** The project as the API shows it; NotFound when there is none. */
export async function getProject(ctx: StoreContext, projectId: string): Promise<Project> {
  return toProject(await getProjectItem(ctx, projectId));
}
