/**
 * API key items. A key is stored only as its SHA-256 (`apikey#<hash>`); a pointer item
 * (`apikeyid#<id>`) lets an admin revoke it by id without ever knowing the key.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFound } from '../domain/errors';
import type { Role } from '../domain/roles';
import { nowIso, type StoreContext } from './context';
import { hashApiKey, keys } from './keys';
import { isConditionFailed, withRetries, type TransactItem } from './transactions';

export interface ApiKeyItem {
  pk: string;
  sk: 'apikey';
  apiKeyId: string;
  role: Role;
  projectId?: string;
  createdAt: string;
  revoked?: true;
  /** The round that stored it (shared/store/commit.ts receipts). */
  attemptId?: string;
}

/** Who a key belongs to: what the authorizer hands to the routes. */
export interface KeyIdentity {
  apiKeyId: string;
  role: Role;
  projectId?: string;
}

/** The key item's table and key: a commit's receipt. */
export function apiKeyRef(ctx: StoreContext, apiKey: string): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.projects, key: keys.apiKey(hashApiKey(apiKey)) };
}

/**
 * The two puts that store a key (by hash) and its id pointer, for the caller's transaction (a project
 * and its first key are created together). Both refuse to overwrite.
 */
export function apiKeyPuts(ctx: StoreContext, identity: KeyIdentity, apiKey: string, attemptId?: string): TransactItem[] {
  const keyHash = hashApiKey(apiKey);
  const item: ApiKeyItem = {
    ...keys.apiKey(keyHash),
    sk: 'apikey',
    apiKeyId: identity.apiKeyId,
    role: identity.role,
    ...(identity.projectId ? { projectId: identity.projectId } : {}),
    createdAt: nowIso(ctx),
    ...(attemptId ? { attemptId } : {}),
  };
  return [
    { Put: { TableName: ctx.tables.projects, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: ctx.tables.projects, Item: { ...keys.apiKeyId(identity.apiKeyId), keyHash }, ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
}

/** The stored key item of `apiKey` (revoked or not), or null. */
export async function findApiKeyItem(ctx: StoreContext, apiKey: string): Promise<ApiKeyItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.apiKey(hashApiKey(apiKey)), ConsistentRead: true })));
  return (out.Item as ApiKeyItem | undefined) ?? null;
}

/** The identity an item grants, or null when it is revoked. */
export function identityOf(item: ApiKeyItem | null): KeyIdentity | null {
  if (!item || item.revoked) return null;
  return { apiKeyId: item.apiKeyId, role: item.role, ...(item.projectId ? { projectId: item.projectId } : {}) };
}

/** Marks the key with id `apiKeyId` revoked (NotFound when no key has that id; revoking twice is fine). */
export async function markRevoked(ctx: StoreContext, apiKeyId: string): Promise<void> {
  const pointer = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.apiKeyId(apiKeyId), ConsistentRead: true })));
  const keyHash = (pointer.Item as { keyHash?: string } | undefined)?.keyHash;
  if (!keyHash) throw new NotFound(`API key ${apiKeyId}`);
  try {
    await withRetries(() => ctx.doc.send(new UpdateCommand({
      TableName: ctx.tables.projects,
      Key: keys.apiKey(keyHash),
      UpdateExpression: 'SET revoked = :t, revokedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':t': true, ':at': nowIso(ctx) },
    })));
  } catch (e) {
    if (isConditionFailed(e)) throw new NotFound(`API key ${apiKeyId}`);
    throw e;
  }
}
