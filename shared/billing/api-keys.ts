/**
 * API keys: issuing one (shown once, stored only as its SHA-256), revoking one, who a key is, and the
 * bootstrap admin key of a twin or a new deployment.
 */
import { randomBytes } from 'node:crypto';
import { NotFound, ValidationFailed } from '../domain/errors';
import type { Role } from '../domain/roles';
import { apiKeyPuts, apiKeyRef, findApiKeyItem, identityOf, markRevoked, type KeyIdentity } from '../store/api-keys';
import { optimisticCommit } from '../store/commit';
import type { StoreContext } from '../store/context';
import { projectExists } from '../store/projects';

export type { KeyIdentity };

export interface NewApiKey extends KeyIdentity {
  /** The key itself: returned once, never stored. */
  apiKey: string;
}

/** A fresh key: 32 random bytes, base64url, with a `pg_` prefix so leaked keys are easy to scan for. */
export function generateApiKey(): string {
  return `pg_${randomBytes(32).toString('base64url')}`;
}

export function generateApiKeyId(): string {
  return `ak_${randomBytes(12).toString('hex')}`;
}

/**
 * Makes and stores a new key for `role`. A `project` key needs an existing projectId; admin and
 * telephony keys are not project-scoped, so a projectId on them is refused rather than ignored.
 */
export async function createApiKey(ctx: StoreContext, role: Role, projectId?: string): Promise<NewApiKey> {
  if (role === 'project') {
    if (!projectId) throw new ValidationFailed('a project key needs a projectId', [{ path: 'projectId', message: 'required for role project' }]);
    if (!(await projectExists(ctx, projectId))) throw new NotFound(`project ${projectId}`);
  } else if (projectId !== undefined) {
    throw new ValidationFailed(`a ${role} key is not bound to a project`, [{ path: 'projectId', message: `not allowed for role ${role}` }]);
  }
  return storeKey(ctx, { apiKeyId: generateApiKeyId(), role, ...(projectId ? { projectId } : {}) }, generateApiKey());
}

/** The identity of `apiKey`, or null when it is unknown or revoked. */
export async function findApiKey(ctx: StoreContext, apiKey: string): Promise<KeyIdentity | null> {
  return identityOf(await findApiKeyItem(ctx, apiKey));
}

/**
 * Revokes a key by id (NotFound when no key has that id). Revoking twice is fine. The authorizer's
 * cache (at most a minute) bounds how long a revoked key keeps working.
 */
export async function revokeApiKey(ctx: StoreContext, apiKeyId: string): Promise<void> {
  await markRevoked(ctx, apiKeyId);
}

/**
 * Makes sure `apiKey` is a stored admin key (the local twin's PAYGO_ADMIN_KEY): stores it if unknown,
 * leaves it as it is otherwise (a key revoked on purpose stays revoked). Idempotent; returns its id.
 */
export async function ensureAdminKey(ctx: StoreContext, apiKey: string): Promise<{ apiKeyId: string }> {
  const existing = await findApiKeyItem(ctx, apiKey);
  if (existing) return { apiKeyId: existing.apiKeyId };
  return { apiKeyId: (await storeKey(ctx, { apiKeyId: generateApiKeyId(), role: 'admin' }, apiKey)).apiKeyId };
}

/** Stores `apiKey` under `identity`; when another process stored the same key first, theirs is kept. */
async function storeKey(ctx: StoreContext, identity: KeyIdentity, apiKey: string): Promise<NewApiKey> {
  return optimisticCommit(ctx.doc, `storing API key ${identity.apiKeyId}`, async ({ attemptId }) => ({
    items: apiKeyPuts(ctx, identity, apiKey, attemptId),
    result: { ...identity, apiKey },
    receipt: apiKeyRef(ctx, apiKey),
    onCancelled: async (cancelled) => {
      const stored = await findApiKeyItem(ctx, apiKey);
      if (stored) return { done: { apiKeyId: stored.apiKeyId, role: stored.role, ...(stored.projectId ? { projectId: stored.projectId } : {}), apiKey } };
      // 256 random bits cannot collide; a cancellation here is a bug, not a case to handle.
      throw new Error(`storing API key ${identity.apiKeyId} was cancelled: ${cancelled.fault ?? (cancelled.contended ? 'contended' : cancelled.names.join(', '))}`, { cause: cancelled.cause });
    },
  }), { maxRounds: 8 });
}
