/**
 * A project's webhook endpoints and their delivery log (Webhooks table, layout in shared/tables.ts).
 * An endpoint's secret is stored only sealed (shared/delivery/secret-box.ts: KMS on AWS), so reading
 * this table does not reveal it; it is never returned after creation.
 *
 * Each endpoint keeps its place in the project's events: `cursor` (the last sequence delivered, given
 * up on or not for it) and `retry` (the event it is waiting to try again). One delivery at a time
 * moves them, holding a lease on the item (`leaseId` until `leaseUntil`), so events reach an endpoint
 * in sequence order, a failed one holding back the ones after it until it is delivered or given up.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { EventType, ProjectEvent } from '../domain/events';
import type { StoreContext } from './context';
import { keys } from './keys';
import { InvalidCursor } from './ledger';
import { readAll } from './pager';
import { isConditionFailed, withRetries, type TransactItem } from './transactions';

export type WebhookStatus = 'enabled' | 'disabled';

export interface WebhookItem {
  pk: string;
  sk: string;
  projectId: string;
  webhookId: string;
  url: string;
  /** The event types it receives; null: every type, those added later too. */
  types: EventType[] | null;
  description?: string;
  status: WebhookStatus;
  /** The signing secret, sealed with the project and webhook ids as its context. */
  sealedSecret: string;
  createdAt: string;
  /** The first failed attempt since the last delivered one (the 5-day rule counts from it). */
  failingSince?: string;
  disabledAt?: string;
  /** The last sequence done with: delivered, given up on, or not taken by this endpoint. */
  cursor: number;
  /** The event after the cursor that failed, and when its next attempt is due. */
  retry?: PendingRetry;
  leaseId?: string;
  /** Epoch ms until which the lease holder alone delivers to this endpoint. */
  leaseUntil?: number;
}

export interface PendingRetry {
  sequence: number;
  eventId: string;
  /** Attempts made so far. */
  attempt: number;
  /** Epoch ms. */
  dueAt: number;
}

/** True when `webhook` takes events of `event`'s type now. */
export function subscribes(webhook: Pick<WebhookItem, 'status' | 'types'>, event: Pick<ProjectEvent, 'type'>): boolean {
  return webhook.status === 'enabled' && (webhook.types === null || webhook.types.includes(event.type));
}

/** What seals a webhook's secret: bound to the project and the webhook, so it opens for that one only. */
export function secretContext(item: Pick<WebhookItem, 'projectId' | 'webhookId'>): Record<string, string> {
  return { projectId: item.projectId, webhookId: item.webhookId };
}

/** Stores a new endpoint; refuses to overwrite one (ids are random, so this is a bug guard). */
/**
 * Stores a new endpoint. Its webhookId is random, so the item can exist already only because this
 * very put committed and its answer was lost (withRetries sent it again, and the condition refused
 * the repeat): the stored item with our sealed secret says so, and the endpoint counts as made.
 */
export async function putWebhook(ctx: StoreContext, item: WebhookItem): Promise<void> {
  try {
    await withRetries(() => ctx.doc.send(new PutCommand({ TableName: ctx.tables.webhooks, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
  } catch (e) {
    if (!isConditionFailed(e)) throw e;
    const stored = await getWebhookItem(ctx, item.projectId, item.webhookId);
    if (stored?.sealedSecret !== item.sealedSecret) throw e;
  }
}

/**
 * The item every create of a project's webhooks is conditioned on (`project#<id>` / `webhooks-rev`):
 * each create bumps its revision in the transaction that puts the webhook, so creates decided on the
 * same count cannot both commit and the limit holds under concurrency. 0 when there is none yet.
 */
export async function readWebhooksRev(ctx: StoreContext, projectId: string): Promise<number> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.webhooks, Key: webhooksRevKey(projectId), ConsistentRead: true })));
  return Number(out.Item?.rev ?? 0);
}

function webhooksRevKey(projectId: string): { pk: string; sk: string } {
  return { pk: keys.webhook(projectId, '').pk, sk: 'webhooks-rev' };
}

/** A new webhook (with the round's `attemptId` as its receipt) and the bump of the revision read. */
export function webhookCreateItems(ctx: StoreContext, item: WebhookItem & { attemptId: string }, rev: number): TransactItem[] {
  return [
    { Put: { TableName: ctx.tables.webhooks, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Update: {
        TableName: ctx.tables.webhooks,
        Key: webhooksRevKey(item.projectId),
        UpdateExpression: 'SET rev = :next',
        ConditionExpression: rev === 0 ? 'attribute_not_exists(rev) OR rev = :rev' : 'rev = :rev',
        ExpressionAttributeValues: { ':rev': rev, ':next': rev + 1 },
      },
    },
  ];
}

/**
 * The Update of a transaction that disables an endpoint still enabled (refused otherwise), with the
 * round's `attemptId` as its receipt.
 */
export function webhookDisableUpdate(ctx: StoreContext, projectId: string, webhookId: string, atIso: string, attemptId: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.webhooks,
      Key: keys.webhook(projectId, webhookId),
      UpdateExpression: 'SET #status = :disabled, disabledAt = :at, attemptId = :attempt',
      ConditionExpression: '#status = :enabled',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':disabled': 'disabled', ':enabled': 'enabled', ':at': atIso, ':attempt': attemptId },
    },
  };
}

/** Counts a redelivery request to `webhookId` in its hour; false when the hour already has `max`. */
export async function countRedelivery(ctx: StoreContext, webhookId: string, hourStartMs: number, max: number): Promise<boolean> {
  try {
    await ctx.doc.send(new UpdateCommand({
      TableName: ctx.tables.webhooks,
      Key: { pk: `webhook#${webhookId}`, sk: `redeliveries#${hourStartMs}` },
      UpdateExpression: 'ADD n :one SET expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(n) OR n < :max',
      ExpressionAttributeValues: { ':one': 1, ':max': max, ':expires': Math.floor(hourStartMs / 1000) + 2 * 3600 },
    }));
    return true;
  } catch (e) {
    if (isConditionFailed(e)) return false;
    throw e;
  }
}

export async function listWebhookItems(ctx: StoreContext, projectId: string, consistent = true): Promise<WebhookItem[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.webhooks,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.webhook(projectId, '').pk, ':prefix': keys.webhookPrefix },
      ConsistentRead: consistent,
    },
  });
  return items as unknown as WebhookItem[];
}

export async function getWebhookItem(ctx: StoreContext, projectId: string, webhookId: string): Promise<WebhookItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.webhooks, Key: keys.webhook(projectId, webhookId), ConsistentRead: true })));
  return (out.Item as WebhookItem | undefined) ?? null;
}

/** Deletes an endpoint; false when there was none. Its delivery log stays until its TTL. */
export async function deleteWebhookItem(ctx: StoreContext, projectId: string, webhookId: string): Promise<boolean> {
  const out = await withRetries(() => ctx.doc.send(new DeleteCommand({ TableName: ctx.tables.webhooks, Key: keys.webhook(projectId, webhookId), ReturnValues: 'ALL_OLD' })));
  return out.Attributes !== undefined;
}

/**
 * An update of the endpoint item that is a no-op when its condition fails: the command's answer, or
 * undefined when the condition refused it (a lost answer's repeat lands here too: each caller says
 * what that means for it).
 */
async function updateIf(ctx: StoreContext, input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateCommandOutput | undefined> {
  try {
    return await withRetries(() => ctx.doc.send(new UpdateCommand({ TableName: ctx.tables.webhooks, ...input })));
  } catch (e) {
    if (isConditionFailed(e)) return undefined;
    throw e;
  }
}

/**
 * Records a failed attempt on the endpoint: `failingSince` is set by the first failure after a
 * delivery and kept by the next ones. Returns it, or null when the endpoint is gone.
 */
export async function markFailing(ctx: StoreContext, projectId: string, webhookId: string, atIso: string): Promise<string | null> {
  const out = await updateIf(ctx, {
    Key: keys.webhook(projectId, webhookId),
    UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :at)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':at': atIso },
    ReturnValues: 'ALL_NEW',
  });
  return out ? String(out.Attributes?.failingSince) : null;
}

/** A delivered attempt ends the failing streak. */
export async function markHealthy(ctx: StoreContext, projectId: string, webhookId: string): Promise<void> {
  await updateIf(ctx, {
    Key: keys.webhook(projectId, webhookId),
    UpdateExpression: 'REMOVE failingSince',
    ConditionExpression: 'attribute_exists(failingSince)',
  });
}

/** Disables an endpoint that has failed for too long; false when it is gone or already disabled. */
export async function disableWebhookItem(ctx: StoreContext, projectId: string, webhookId: string, atIso: string): Promise<boolean> {
  const out = await updateIf(ctx, {
    Key: keys.webhook(projectId, webhookId),
    UpdateExpression: 'SET #status = :disabled, disabledAt = :at',
    ConditionExpression: 'attribute_exists(pk) AND #status = :enabled',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':disabled': 'disabled', ':enabled': 'enabled', ':at': atIso },
  });
  return out !== undefined;
}

// --- the delivery log

/** One attempt, as the log shows it. */
export interface DeliveryAttempt {
  eventId: string;
  /** The event's sequence (orders attempts made in the same millisecond). */
  sequence: number;
  attempt: number;
  at: string;
  /** The receiver's HTTP status; null when there was none (refused address, timeout, connection error). */
  status: number | null;
  ok: boolean;
  error?: string;
}

/** The log is kept as long as the events it is about. */
const ATTEMPT_RETENTION_S = 92 * 86_400;

export async function recordAttempt(ctx: StoreContext, webhookId: string, a: DeliveryAttempt): Promise<void> {
  const item = {
    ...keys.attempt(webhookId, a.at, a.sequence, a.attempt, a.eventId),
    ...a,
    expiresAt: Math.floor(Date.parse(a.at) / 1000) + ATTEMPT_RETENTION_S,
  };
  // Keyed by instant, event and attempt: a redelivered queue message that records again overwrites its own line.
  await withRetries(() => ctx.doc.send(new PutCommand({ TableName: ctx.tables.webhooks, Item: item })));
}

const ATTEMPT_SK = /^attempt#\d{4}-\d{2}-\d{2}T[0-9:.]+Z#\d{16}#\d{3}#evt_[A-Za-z0-9_-]{1,64}$/;

function encodeAttemptCursor(sk: string): string {
  return Buffer.from(sk, 'utf8').toString('base64url');
}

function decodeAttemptCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new InvalidCursor();
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeAttemptCursor(sk) !== cursor || !ATTEMPT_SK.test(sk)) throw new InvalidCursor();
  return sk;
}

function toAttempt(item: Record<string, unknown>): Omit<DeliveryAttempt, 'sequence'> {
  return {
    eventId: String(item.eventId),
    attempt: Number(item.attempt),
    at: String(item.at),
    status: item.status === null || item.status === undefined ? null : Number(item.status),
    ok: item.ok === true,
    ...(typeof item.error === 'string' ? { error: item.error } : {}),
  };
}

/** One page of an endpoint's attempts, newest first. */
export async function listAttempts(ctx: StoreContext, webhookId: string, q: { limit: number; cursor?: string }): Promise<{ deliveries: Omit<DeliveryAttempt, 'sequence'>[]; nextCursor: string | null }> {
  const pk = keys.attemptsPk(webhookId);
  const out = await withRetries(() => ctx.doc.send(new QueryCommand({
    TableName: ctx.tables.webhooks,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': 'attempt#' },
    ScanIndexForward: false,
    Limit: q.limit + 1,
    ...(q.cursor !== undefined ? { ExclusiveStartKey: { pk, sk: decodeAttemptCursor(q.cursor) } } : {}),
  })));
  const items = out.Items ?? [];
  const shown = items.slice(0, q.limit);
  return { deliveries: shown.map(toAttempt), nextCursor: items.length > q.limit ? encodeAttemptCursor(String(shown[shown.length - 1]!.sk)) : null };
}

// --- ordered delivery: the lease and the cursor

export type Leased = { held: WebhookItem } | { busyUntil: number } | { gone: true };

/**
 * Takes the endpoint's lease until `untilMs` when it is enabled and nobody holds it. `busyUntil` when
 * another delivery holds it; `gone` when the endpoint was deleted or disabled. A refusal whose stored
 * lease is `leaseId` is our own first try, committed with its answer lost: the lease is held.
 */
export async function acquireLease(ctx: StoreContext, projectId: string, webhookId: string, leaseId: string, nowMs: number, untilMs: number): Promise<Leased> {
  const out = await updateIf(ctx, {
    Key: keys.webhook(projectId, webhookId),
    UpdateExpression: 'SET leaseId = :lease, leaseUntil = :until',
    ConditionExpression: 'attribute_exists(pk) AND #status = :enabled AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':lease': leaseId, ':until': untilMs, ':now': nowMs, ':enabled': 'enabled' },
    ReturnValues: 'ALL_NEW',
  });
  if (out) return { held: out.Attributes as WebhookItem };
  const item = await getWebhookItem(ctx, projectId, webhookId);
  if (!item || item.status !== 'enabled') return { gone: true };
  return item.leaseId === leaseId ? { held: item } : { busyUntil: item.leaseUntil ?? nowMs };
}

/**
 * Stores the endpoint's place (and extends the lease to `untilMs`), only while `leaseId` still holds
 * it: false when the lease was lost (it expired and another delivery took it over).
 */
export async function saveProgress(ctx: StoreContext, w: Pick<WebhookItem, 'projectId' | 'webhookId'>, leaseId: string, progress: { cursor: number; retry: PendingRetry | null }, untilMs: number): Promise<boolean> {
  const out = await updateIf(ctx, {
    Key: keys.webhook(w.projectId, w.webhookId),
    UpdateExpression: progress.retry ? 'SET #cursor = :cursor, #retry = :retry, leaseUntil = :until' : 'SET #cursor = :cursor, leaseUntil = :until REMOVE #retry',
    ConditionExpression: 'leaseId = :lease',
    ExpressionAttributeNames: { '#cursor': 'cursor', '#retry': 'retry' },
    ExpressionAttributeValues: { ':cursor': progress.cursor, ':lease': leaseId, ':until': untilMs, ...(progress.retry ? { ':retry': progress.retry } : {}) },
  });
  return out !== undefined;
}

/** Gives the lease back (a no-op when it was lost meanwhile). */
export async function releaseLease(ctx: StoreContext, w: Pick<WebhookItem, 'projectId' | 'webhookId'>, leaseId: string): Promise<void> {
  await updateIf(ctx, {
    Key: keys.webhook(w.projectId, w.webhookId),
    UpdateExpression: 'REMOVE leaseId, leaseUntil',
    ConditionExpression: 'leaseId = :lease',
    ExpressionAttributeValues: { ':lease': leaseId },
  });
}
