/**
 * API keys. A key is shown once, when it is made, and stored only as its SHA-256 (keys.apiKey(hash));
 * a pointer item (keys.apiKeyId(id)) lets an admin revoke it by id without ever knowing the key.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFound } from '../domain/errors';
import type { Role } from '../http/schemas';
import { nowIso, type StoreContext } from './context';
import { hashApiKey, keys } from './keys';
import { isConditionFailed, transact, withRetries, type TransactItem } from './transactions';

export interface ApiKeyItem {
  pk: string;
  sk: 'apikey';
  apiKeyId: string;
  role: Role;
  projectId?: string;
  createdAt: string;
  revoked?: true;
}

/** Who a valid key belongs to: what the authorizer hands to the routes. */
export interface KeyIdentity {
  apiKeyId: string;
  role: Role;
  projectId?: string;
}

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
 * The two puts that store a key (by hash) and its id pointer, for the caller's transaction (a project
 * and its first key are created together). Both refuse to overwrite.
 */
export function apiKeyPuts(ctx: StoreContext, identity: KeyIdentity, apiKey: string): TransactItem[] {
  const keyHash = hashApiKey(apiKey);
  const item: ApiKeyItem = {
    ...keys.apiKey(keyHash),
    sk: 'apikey',
    apiKeyId: identity.apiKeyId,
    role: identity.role,
    ...(identity.projectId ? { projectId: identity.projectId } : {}),
    createdAt: nowIso(ctx),
  };
  return [
    { Put: { TableName: ctx.tables.projects, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: ctx.tables.projects, Item: { ...keys.apiKeyId(identity.apiKeyId), keyHash }, ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
}

/** Makes and stores a new key for `role` (and `projectId` for a project key; the caller checks it exists). */
export async function createApiKey(ctx: StoreContext, role: Role, projectId?: string): Promise<NewApiKey> {
  const identity: KeyIdentity = { apiKeyId: generateApiKeyId(), role, ...(projectId ? { projectId } : {}) };
  const apiKey = generateApiKey();
  const out = await withRetries(() => transact(ctx.doc, apiKeyPuts(ctx, identity, apiKey)));
  // 256 random bits cannot collide; a cancellation here is a bug, not a case to handle.
  if (!out.committed) throw new Error(`storing a new API key was cancelled: ${out.reasons.join(', ')}`, { cause: out.cause });
  return { ...identity, apiKey };
}

/** The identity of `apiKey`, or null when it is unknown or revoked. */
export async function findApiKey(ctx: StoreContext, apiKey: string): Promise<KeyIdentity | null> {
  const out = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.apiKey(hashApiKey(apiKey)), ConsistentRead: true }));
  const item = out.Item as ApiKeyItem | undefined;
  if (!item || item.revoked) return null;
  return { apiKeyId: item.apiKeyId, role: item.role, ...(item.projectId ? { projectId: item.projectId } : {}) };
}

/**
 * Revokes a key by id (NotFound when no key has that id). Revoking twice is fine. The authorizer's
 * cache (at most a minute) bounds how long a revoked key keeps working.
 */
export async function revokeApiKey(ctx: StoreContext, apiKeyId: string): Promise<void> {
  const pointer = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.apiKeyId(apiKeyId), ConsistentRead: true }));
  const keyHash = (pointer.Item as { keyHash?: string } | undefined)?.keyHash;
  if (!keyHash) throw new NotFound(`API key ${apiKeyId}`);
  try {
    await ctx.doc.send(new UpdateCommand({
      TableName: ctx.tables.projects,
      Key: keys.apiKey(keyHash),
      UpdateExpression: 'SET revoked = :t, revokedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':t': true, ':at': nowIso(ctx) },
    }));
  } catch (e) {
    if (isConditionFailed(e)) throw new NotFound(`API key ${apiKeyId}`);
    throw e;
  }
}

/**
 * Makes sure `apiKey` is a stored admin key (the local twin's PAYGO_ADMIN_KEY): stores it if unknown,
 * leaves it as it is otherwise (a key revoked on purpose stays revoked). Idempotent; returns its id.
 */
export async function ensureAdminKey(ctx: StoreContext, apiKey: string): Promise<{ apiKeyId: string }> {
  const existing = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.apiKey(hashApiKey(apiKey)), ConsistentRead: true }));
  if (existing.Item) return { apiKeyId: (existing.Item as ApiKeyItem).apiKeyId };
  const identity: KeyIdentity = { apiKeyId: generateApiKeyId(), role: 'admin' };
  const out = await withRetries(() => transact(ctx.doc, apiKeyPuts(ctx, identity, apiKey)));
  if (out.committed) return { apiKeyId: identity.apiKeyId };
  // Another process stored the same key in between: keep theirs.
  const again = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.apiKey(hashApiKey(apiKey)), ConsistentRead: true }));
  if (again.Item) return { apiKeyId: (again.Item as ApiKeyItem).apiKeyId };
  throw new Error(`storing the admin key was cancelled: ${out.reasons.join(', ')}`, { cause: out.cause });
}
