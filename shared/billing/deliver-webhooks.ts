/**
 * Delivering events to webhooks (docs/api.md "Events, webhooks and alerts"; docs/reliability.md
 * "Events"). Two kinds of queue message:
 *   - `drain`: deliver an endpoint's events after its cursor, in sequence order. One delivery at a
 *     time holds the endpoint's lease (shared/store/webhooks.ts). Each event is POSTed, signed as the
 *     Standard Webhooks specification says, to the URL at whatever public address it resolves to now
 *     (shared/delivery/http-post.ts), and the attempt is logged. A failure stops the drain: the event
 *     is kept as the endpoint's `retry`, due on the schedule (shared/domain/delivery-schedule.ts), and
 *     a drain message comes back for it (a long delay travels as hops of at most 900 s). So the events
 *     after it wait: a receiver sees them in sequence order, retries included. An event that used all
 *     its attempts is given up (logged as such) and the endpoint moves on; an endpoint failing for 5
 *     days in a row is disabled.
 *   - `redeliver`: one event again, by request, outside that order, with the same retries.
 * Every attempt is at least once: a crash after a POST and before the cursor moves sends it again,
 * and receivers deduplicate on `webhook-id` (the eventId).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { config } from '../config';
import { postWebhook, type PostWebhookInput, type PostWebhookResult } from '../delivery/http-post';
import type { SecretBox } from '../delivery/secret-box';
import { signatureHeaders } from '../delivery/signature';
import { DELIVERY_ATTEMPTS, disabledBy, nextDelaySeconds, nextHopSeconds, withJitter } from '../domain/delivery-schedule';
import { errorMessage } from '../domain/errors';
import type { ProjectEvent } from '../domain/events';
import { utcIso } from '../domain/billing-days';
import { logger } from '../logger';
import { mapLimit } from '../concurrency';
import { runtime, type DeliveryMessage, type DeliveryQueue } from '../runtime';
import type { StoreContext } from '../store/context';
import { eventsAfter, getEvent } from '../store/events';
import { optimisticCommit } from '../store/commit';
import { eventSeqSet, eventWrites } from '../store/events';
import { keys } from '../store/keys';
import { balanceUpdate, findProjectItem } from '../store/projects';
import {
  acquireLease, disableWebhookItem, webhookDisableUpdate, getWebhookItem, markFailing, markHealthy, recordAttempt, releaseLease, saveProgress, secretContext, subscribes,
  type PendingRetry, type WebhookItem,
} from '../store/webhooks';
// Links the SQS delivery queue (its retries come back through it) and the KMS secret box into the delivery function.
import '../aws/delivery-queue';
import '../aws/kms-secret-box';

export type { DeliveryMessage };

/** What a message came to. */
export type Outcome =
  | 'drained' // every event after the cursor handled
  | 'waiting' // a failed event holds the endpoint until its retry is due
  | 'continued' // the time budget ran out: a drain message carries on
  | 'busy' // another delivery holds the endpoint: asked again when its lease ends
  | 'delivered' | 'retrying' | 'failed' // a redelivery's attempt
  | 'dropped'; // the endpoint or the event is gone, or the endpoint is disabled

/** What a delivery needs from outside: tests and the model pass their own. */
export interface DeliveryDeps {
  post: (input: PostWebhookInput) => Promise<PostWebhookResult>;
  secrets: SecretBox;
  queue: DeliveryQueue;
}

function defaultDeps(): DeliveryDeps {
  const rt = runtime();
  return { post: postWebhook, secrets: rt.secrets, queue: rt.deliveryQueue };
}

/** A lease outlives one attempt (10 s) with room; every saved step extends it. */
const LEASE_MS = 60_000;
/** A drain hands over to a new message after this long, well inside the function's timeout. */
const DRAIN_BUDGET_MS = 90_000;
/** Events read per query of a drain. */
const PAGE = 25;
/** Endpoints delivered to at once within one batch. */
const ENDPOINT_CONCURRENCY = 8;

/** Opened secrets of this warm function, by endpoint and sealed text (a new secret is a new entry). */
const openedSecrets = new Map<string, Promise<string>>();

function secretOf(deps: DeliveryDeps, w: WebhookItem): Promise<string> {
  const key = `${w.webhookId}|${w.sealedSecret}`;
  const cached = openedSecrets.get(key);
  if (cached) return cached;
  const opened = deps.secrets.open(w.sealedSecret, secretContext(w));
  opened.catch(() => openedSecrets.delete(key));
  if (openedSecrets.size > 1000) openedSecrets.clear();
  openedSecrets.set(key, opened);
  return opened;
}

/**
 * When attempt `attempt + 1` is due after attempt `attempt` failed at `nowMs`; null when none is left.
 * A receiver's Retry-After sets the delay instead of the schedule (the attempts stay counted).
 */
function nextDueAt(attempt: number, nowMs: number, retryAfterSec?: number): number | null {
  const delay = nextDelaySeconds(attempt);
  if (delay !== null && retryAfterSec !== undefined) return nowMs + retryAfterSec * 1000;
  // Up to a tenth later, so retries of events that failed together spread out.
  return delay === null ? null : nowMs + withJitter(delay, randomInt(1_000_000) / 1_000_000) * 1000;
}

interface Attempted {
  ok: boolean;
  disabled: boolean;
  /** The receiver's Retry-After (≤ 1 h) on a 429 or 503: the next attempt's delay. */
  retryAfterSec?: number;
}

/** POSTs `event` to `w` (attempt `attempt`), logs it, and keeps the endpoint's failing streak. */
async function attempt(ctx: StoreContext, deps: DeliveryDeps, w: WebhookItem, event: ProjectEvent, attemptNo: number): Promise<Attempted> {
  const now = ctx.now();
  const body = JSON.stringify(event);
  const headers = signatureHeaders({ id: event.eventId, timestamp: Math.floor(now / 1000), body, secret: await secretOf(deps, w) });
  const result = await deps.post({ url: w.url, headers: { ...headers }, body, allowLoopback: config().WEBHOOK_ALLOW_LOOPBACK });
  const at = utcIso(now);
  const last = !result.ok && nextDelaySeconds(attemptNo) === null;
  await recordAttempt(ctx, w.webhookId, {
    eventId: event.eventId,
    sequence: event.sequence,
    attempt: attemptNo,
    at,
    status: result.status,
    ok: result.ok,
    ...(result.ok ? {} : { error: last ? `${result.error ?? 'failed'}; given up after ${DELIVERY_ATTEMPTS} attempts` : result.error ?? 'failed' }),
  });
  if (result.ok) {
    if (w.failingSince) await markHealthy(ctx, w.projectId, w.webhookId);
    return { ok: true, disabled: false };
  }
  if (result.status === 410) {
    // The receiver says the endpoint is gone for good: no more attempts, at once.
    if (await disableWebhook(ctx, w.projectId, w.webhookId, at, 'gone')) logger.warn('webhook disabled: the receiver answered 410 Gone', { projectId: w.projectId, webhookId: w.webhookId });
    return { ok: false, disabled: true };
  }
  const failingSince = await markFailing(ctx, w.projectId, w.webhookId, at);
  if (failingSince !== null && disabledBy(Date.parse(failingSince), now)) {
    if (await disableWebhook(ctx, w.projectId, w.webhookId, at, 'failing')) logger.warn('webhook disabled after 5 days of failures', { projectId: w.projectId, webhookId: w.webhookId, failingSince });
    return { ok: false, disabled: true };
  }
  return { ok: false, disabled: false, ...(result.retryAfterSec !== undefined ? { retryAfterSec: result.retryAfterSec } : {}) };
}

/**
 * Disables an endpoint still enabled, with its `webhook.disabled` event in the same transaction (an
 * event exists if and only if its change committed). False when it was not enabled (any more).
 */
export async function disableWebhook(ctx: StoreContext, projectId: string, webhookId: string, atIso: string, reason: 'gone' | 'failing'): Promise<boolean> {
  return optimisticCommit<boolean>(ctx.doc, `disabling webhook ${webhookId}`, async ({ attemptId }) => {
    const [project, w] = await Promise.all([findProjectItem(ctx, projectId), getWebhookItem(ctx, projectId, webhookId)]);
    if (!w || w.status !== 'enabled') return { done: false };
    // No project item (a test's bare endpoint): the endpoint is disabled all the same, without an event.
    if (!project) return { done: await disableWebhookItem(ctx, projectId, webhookId, atIso) };
    const events = eventWrites(ctx, project, [{ type: 'webhook.disabled', data: { webhookId, reason }, cause: `webhook-disabled#${webhookId}#${atIso}` }], atIso);
    return {
      items: [webhookDisableUpdate(ctx, projectId, webhookId, atIso, attemptId), balanceUpdate(ctx.tables.projects, project, 0, eventSeqSet(events)), ...events.puts],
      receipt: { table: ctx.tables.webhooks, key: keys.webhook(projectId, webhookId) },
      result: true,
    };
  });
}

/** Comes back for `webhookId` once `dueAt` has come (in hops of at most 900 s). */
function drainLater(deps: DeliveryDeps, w: Pick<WebhookItem, 'projectId' | 'webhookId'>, dueAt: number, nowMs: number): Promise<void> {
  return deps.queue.send([{ message: { kind: 'drain', projectId: w.projectId, webhookId: w.webhookId }, delaySeconds: nextHopSeconds(dueAt, nowMs) }]);
}

/** A drain: see the module comment. */
export async function drain(ctx: StoreContext, projectId: string, webhookId: string, deps: DeliveryDeps = defaultDeps()): Promise<Outcome> {
  const started = ctx.now();
  const leaseId = randomUUID();
  const leased = await acquireLease(ctx, projectId, webhookId, leaseId, started, started + LEASE_MS);
  if ('gone' in leased) return 'dropped';
  if ('busyUntil' in leased) {
    // Its holder may have read the events before the ones this message is about: look again after it.
    await drainLater(deps, { projectId, webhookId }, leased.busyUntil + 1000, started);
    return 'busy';
  }
  let w = leased.held;
  // The cursor as last stored: a page whose last event was saved needs no second write.
  let savedCursor = w.cursor;
  try {
    for (;;) {
      const now = ctx.now();
      if (w.retry && w.retry.dueAt > now) {
        await drainLater(deps, w, w.retry.dueAt, now);
        return 'waiting';
      }
      if (now - started > DRAIN_BUDGET_MS) {
        await drainLater(deps, w, now, now);
        return 'continued';
      }
      const events = await eventsAfter(ctx, projectId, w.cursor, PAGE);
      if (events.length === 0) return 'drained';
      for (const event of events) {
        if (!subscribes(w, event)) {
          w = { ...w, cursor: event.sequence };
          continue;
        }
        const attemptNo = w.retry?.sequence === event.sequence ? w.retry.attempt + 1 : 1;
        const done = await attempt(ctx, deps, w, event, attemptNo);
        if (done.disabled) return 'dropped';
        const failedAt = ctx.now();
        const dueAt = done.ok ? null : nextDueAt(attemptNo, failedAt, done.retryAfterSec);
        // Delivered or given up: the cursor moves on. Failed with attempts left: it waits for the retry.
        const retry: PendingRetry | null = dueAt === null ? null : { sequence: event.sequence, eventId: event.eventId, attempt: attemptNo, dueAt };
        const cursor = retry ? w.cursor : event.sequence;
        if (!(await saveProgress(ctx, w, leaseId, { cursor, retry }, failedAt + LEASE_MS))) {
          logger.warn('webhook lease lost mid-drain; the new holder carries on', { webhookId });
          return 'busy';
        }
        w = { ...w, cursor, ...(retry ? { retry } : { retry: undefined }) };
        savedCursor = cursor;
        if (retry) break;
      }
      if (!w.retry && w.cursor !== savedCursor) {
        // Only events the endpoint does not take moved the cursor since the last save: keep that too.
        await saveProgress(ctx, w, leaseId, { cursor: w.cursor, retry: null }, ctx.now() + LEASE_MS);
        savedCursor = w.cursor;
      }
    }
  } finally {
    await releaseLease(ctx, w, leaseId);
  }
}

/** One requested redelivery attempt, with its own retries, outside the endpoint's order. */
export async function redeliverOne(ctx: StoreContext, m: Extract<DeliveryMessage, { kind: 'redeliver' }>, deps: DeliveryDeps = defaultDeps()): Promise<Outcome> {
  const now = ctx.now();
  const hop = nextHopSeconds(m.dueAt, now);
  if (hop > 0) {
    await deps.queue.send([{ message: m, delaySeconds: hop }]);
    return 'waiting';
  }
  const [w, event] = await Promise.all([getWebhookItem(ctx, m.projectId, m.webhookId), getEvent(ctx, m.projectId, m.sequence)]);
  if (!w || w.status !== 'enabled' || !event || event.eventId !== m.eventId) return 'dropped';
  const done = await attempt(ctx, deps, w, event, m.attempt);
  if (done.ok) return 'delivered';
  if (done.disabled) return 'dropped';
  const dueAt = nextDueAt(m.attempt, ctx.now(), done.retryAfterSec);
  if (dueAt === null) return 'failed';
  await deps.queue.send([{ message: { ...m, attempt: m.attempt + 1, dueAt }, delaySeconds: nextHopSeconds(dueAt, ctx.now()) }]);
  return 'retrying';
}

export interface BatchDelivered {
  outcomes: Map<DeliveryMessage, Outcome>;
  /** Messages whose work could not be done or recorded (the store or the queue failed): to be received again. */
  failed: DeliveryMessage[];
}

/** A queue batch: one drain per endpoint (repeats in the batch are one), redeliveries after, endpoints in parallel. */
export async function deliverBatch(ctx: StoreContext, messages: readonly DeliveryMessage[], deps: DeliveryDeps = defaultDeps()): Promise<BatchDelivered> {
  const byEndpoint = new Map<string, DeliveryMessage[]>();
  for (const m of messages) {
    const k = `${m.projectId}|${m.webhookId}`;
    const group = byEndpoint.get(k);
    if (group) group.push(m); else byEndpoint.set(k, [m]);
  }
  const out: BatchDelivered = { outcomes: new Map(), failed: [] };
  await mapLimit([...byEndpoint.values()], ENDPOINT_CONCURRENCY, async (group) => {
    const drains = group.filter((m) => m.kind === 'drain');
    const work: [DeliveryMessage[], () => Promise<Outcome>][] = [
      ...(drains.length > 0 ? [[drains, () => drain(ctx, drains[0]!.projectId, drains[0]!.webhookId, deps)] as [DeliveryMessage[], () => Promise<Outcome>]] : []),
      ...group.flatMap((m) => (m.kind === 'redeliver' ? [[[m], () => redeliverOne(ctx, m, deps)] as [DeliveryMessage[], () => Promise<Outcome>]] : [])),
    ];
    for (const [ms, run] of work) {
      try {
        const outcome = await run();
        for (const m of ms) out.outcomes.set(m, outcome);
      } catch (e) {
        logger.error('webhook delivery could not be made or recorded', { webhookId: ms[0]!.webhookId, kind: ms[0]!.kind, error: errorMessage(e) });
        out.failed.push(...ms);
      }
    }
  });
  return out;
}
