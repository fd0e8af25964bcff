/**
 * Idempotency records of creates (docs/api.md "Idempotency of every create"), in the Projects table:
 * `idempotency#<sha256 of scope and key>` / `idempotency`, deleted by TTL 24 hours on.
 *
 * A request claims its key first (a conditional put of a `pending` record with a lease); the answer
 * is stored on it once the create succeeded. A repeat with the same fingerprint then answers the
 * stored answer; another fingerprint is a conflict; a repeat while the first is still being answered
 * is told so. A claim whose holder died (the lease ran out without an answer) may be taken over by a
 * repeat of the same request; a failed request gives its claim back, so a retry runs again.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { StoreContext } from './context';
import { isConditionFailed, withRetries } from './transactions';

/** How long a stored answer is kept. */
export const IDEMPOTENCY_TTL_S = 24 * 3600;
/** How long a claim holds without an answer: longer than any API function may run. */
export const CLAIM_LEASE_MS = 120_000;
/** An answer larger than this is stored compressed (a plan's tariff); DynamoDB items stop at 400 KB. */
const COMPRESS_OVER = 8_192;
const MAX_STORED = 350_000;

export interface StoredAnswer {
  status: number;
  /** The JSON text of the body; absent when there was none (or it was too large to keep). */
  body?: string;
}

export type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'conflict' }
  | { kind: 'inProgress' };

interface Item {
  pk: string;
  sk: string;
  fingerprint: string;
  state: 'pending' | 'done';
  token: string;
  leaseUntil: number;
  expiresAt: number;
  status?: number;
  body?: string;
  bodyGz?: Uint8Array;
}

function keyOf(scope: string): { pk: string; sk: string } {
  return { pk: `idempotency#${createHash('sha256').update(scope).digest('hex')}`, sk: 'idempotency' };
}

/** Claims `scope` for `request` (its method, path and body; kept as a hash), or says what an earlier request with it made. */
export async function claimIdempotencyKey(ctx: StoreContext, scope: string, request: string, token: string): Promise<Claim> {
  const fingerprint = createHash('sha256').update(request).digest('hex');
  const nowMs = ctx.now();
  const item: Item = { ...keyOf(scope), fingerprint, state: 'pending', token, leaseUntil: nowMs + CLAIM_LEASE_MS, expiresAt: Math.floor(nowMs / 1000) + IDEMPOTENCY_TTL_S };
  try {
    await withRetries(() => ctx.doc.send(new PutCommand({
      TableName: ctx.tables.projects,
      Item: item,
      // New, expired (TTL deletes late), or an abandoned claim of the same request.
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :nowS OR (#state = :pending AND leaseUntil < :nowMs AND fingerprint = :fp) OR #token = :token',
      ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
      ExpressionAttributeValues: { ':nowS': Math.floor(nowMs / 1000), ':pending': 'pending', ':nowMs': nowMs, ':fp': fingerprint, ':token': token },
    })));
    return { kind: 'claimed', token };
  } catch (e) {
    if (!isConditionFailed(e)) throw e;
  }
  const got = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keyOf(scope), ConsistentRead: true })));
  const stored = got.Item as Item | undefined;
  // Gone between the put and the read (given back): the request may claim again.
  if (!stored) return claimIdempotencyKey(ctx, scope, request, token);
  if (stored.fingerprint !== fingerprint) return { kind: 'conflict' };
  if (stored.state === 'pending') return { kind: 'inProgress' };
  const body = stored.bodyGz ? gunzipSync(stored.bodyGz).toString('utf8') : stored.body;
  return { kind: 'replay', answer: { status: stored.status ?? 200, ...(body !== undefined ? { body } : {}) } };
}

/** Stores the answer of the request holding the claim `token`. */
export async function completeIdempotencyKey(ctx: StoreContext, scope: string, token: string, answer: StoredAnswer): Promise<void> {
  const text = answer.body;
  const gz = text !== undefined && text.length > COMPRESS_OVER ? gzipSync(text) : undefined;
  const kept = gz ? (gz.byteLength <= MAX_STORED ? { bodyGz: gz } : {}) : text !== undefined ? { body: text } : {};
  const names = Object.keys(kept);
  try {
    await withRetries(() => ctx.doc.send(new UpdateCommand({
      TableName: ctx.tables.projects,
      Key: keyOf(scope),
      UpdateExpression: `SET #state = :done, #status = :status${names.map((n) => `, #${n} = :${n}`).join('')}`,
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#state': 'state', '#status': 'status', '#token': 'token', ...Object.fromEntries(names.map((n) => [`#${n}`, n])) },
      ExpressionAttributeValues: { ':done': 'done', ':status': answer.status, ':token': token, ...Object.fromEntries(Object.entries(kept).map(([n, v]) => [`:${n}`, v])) },
    })));
  } catch (e) {
    // Another request took the claim over after our lease ran out: its answer stands.
    if (!isConditionFailed(e)) throw e;
  }
}

/** Gives a claim back (the request failed and changed nothing it would replay). */
export async function releaseIdempotencyKey(ctx: StoreContext, scope: string, token: string): Promise<void> {
  try {
    await withRetries(() => ctx.doc.send(new DeleteCommand({
      TableName: ctx.tables.projects,
      Key: keyOf(scope),
      ConditionExpression: '#token = :token AND #state = :pending',
      ExpressionAttributeNames: { '#token': 'token', '#state': 'state' },
      ExpressionAttributeValues: { ':token': token, ':pending': 'pending' },
    })));
  } catch (e) {
    if (!isConditionFailed(e)) throw e;
  }
}
