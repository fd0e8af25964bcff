/**
 * Projects: creation (the project item and its first API key, in one transaction) and reads. The
 * balance itself only ever moves through balanceUpdate (project-item.ts), inside the transaction that
 * writes the movement's own record.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { BillingDay } from '../domain/billing-days';
import { Conflict } from '../domain/errors';
import type { Money } from '../domain/money';
import type { ProjectView } from '../http/schemas';
import { apiKeyPuts, generateApiKey, generateApiKeyId } from './api-keys';
import { nowIso, type StoreContext } from './context';
import { chargeShardOf, keys } from './keys';
import { findProjectItem, getProjectItem, initialChargedThrough, toProjectView, type ProjectItem } from './project-item';
import { transact, withRetries, type TransactOutcome } from './transactions';

export interface NewProject {
  name: string;
  currency: string;
  creditLimit: Money;
  billingStartDate: BillingDay;
}

export interface ProjectCreated {
  project: ProjectView;
  apiKeyId: string;
  /** The project key, shown once; absent when an idempotent replay answers (it is not stored in clear). */
  apiKey?: string;
  /** True when an earlier request with the same Idempotency-Key made this project. */
  replayed: boolean;
}

/** The project item plus what an idempotent replay needs to recognise its own request. */
interface StoredProject extends ProjectItem {
  requestHash?: string;
  firstApiKeyId: string;
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
  const apiKeyId = generateApiKeyId();
  const apiKey = generateApiKey();
  const item: StoredProject = {
    ...keys.project(projectId),
    sk: 'project',
    projectId,
    name: input.name,
    currency: input.currency,
    balance: 0,
    creditLimit: input.creditLimit,
    status: 'active',
    billingStartDate: input.billingStartDate,
    chargedThrough: initialChargedThrough(input.billingStartDate),
    chargeShard: chargeShardOf(projectId),
    version: 0,
    createdAt: nowIso(ctx),
    firstApiKeyId: apiKeyId,
    ...(idempotencyKey ? { requestHash } : {}),
  };
  const createdHere: ProjectCreated = { project: toProjectView(item), apiKeyId, apiKey, replayed: false };
  // firstApiKeyId is random per call, so a stored project carrying ours was created by this call:
  // the commit's answer was lost and the retry was cancelled (or the call threw after committing).
  const storedByUs = async () => {
    const stored = (await findProjectItem(ctx.doc, ctx.tables.projects, projectId)) as StoredProject | null;
    return { stored, ours: stored?.firstApiKeyId === apiKeyId };
  };
  let out: TransactOutcome;
  try {
    out = await withRetries(() => transact(ctx.doc, [
      { Put: { TableName: ctx.tables.projects, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      ...apiKeyPuts(ctx, { apiKeyId, role: 'project', projectId }, apiKey),
    ]));
  } catch (e) {
    if ((await storedByUs()).ours) return createdHere;
    throw e;
  }
  if (out.committed) return createdHere;
  const { stored, ours } = await storedByUs();
  if (ours) return createdHere;
  if (idempotencyKey && out.reasons[0] === 'ConditionalCheckFailed') {
    if (stored && stored.requestHash === requestHash) return { project: toProjectView(stored), apiKeyId: stored.firstApiKeyId, replayed: true };
    throw new Conflict('idempotency_conflict', 'this Idempotency-Key was used for a different project');
  }
  throw new Error(`creating project ${projectId} was cancelled: ${out.reasons.join(', ')}`, { cause: out.cause });
}

/** The project as the API shows it; NotFound when there is none. */
export async function getProject(ctx: StoreContext, projectId: string): Promise<ProjectView> {
  return toProjectView(await getProjectItem(ctx.doc, ctx.tables.projects, projectId));
}

/** True when the project exists. */
export async function projectExists(ctx: StoreContext, projectId: string): Promise<boolean> {
  return (await findProjectItem(ctx.doc, ctx.tables.projects, projectId)) !== null;
}
