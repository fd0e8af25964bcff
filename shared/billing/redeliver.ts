/** Manual redelivery of an event (`POST /projects/{id}/events/{eventId}/redeliver`), queued like a first delivery. */
import { Conflict, NotFound, RateLimited } from '../domain/errors';
import { runtime } from '../runtime';
import type { StoreContext } from '../store/context';
import { findEventById } from '../store/events';
import { projectExists } from '../store/projects';
import { countRedelivery, getWebhookItem, listWebhookItems, subscribes, type WebhookItem } from '../store/webhooks';
// Links the SQS delivery queue into the function that queues redeliveries.
import '../aws/delivery-queue';

/** Redelivery requests a webhook takes per hour (docs/api.md "What no input may do"). */
export const REDELIVERIES_PER_HOUR = 10;
const HOUR_MS = 3_600_000;

/**
 * Queues `eventId` again for `webhookId`, or for every enabled endpoint that takes its type. A named
 * endpoint that is disabled or does not take the type is a 409: nothing would be delivered.
 */
export async function redeliver(ctx: StoreContext, projectId: string, eventId: string, webhookId?: string): Promise<{ eventId: string; webhookIds: string[] }> {
  if (!(await projectExists(ctx, projectId))) throw new NotFound(`project ${projectId}`);
  const event = await findEventById(ctx, projectId, eventId);
  if (!event) throw new NotFound(`event ${eventId}`);
  let targets: WebhookItem[];
  if (webhookId !== undefined) {
    const one = await getWebhookItem(ctx, projectId, webhookId);
    if (!one) throw new NotFound(`webhook ${webhookId}`);
    if (one.status !== 'enabled') throw new Conflict('webhook_disabled', `webhook ${webhookId} is disabled`);
    if (!subscribes(one, event)) throw new Conflict('webhook_not_subscribed', `webhook ${webhookId} does not take ${event.type} events`);
    targets = [one];
  } else {
    targets = (await listWebhookItems(ctx, projectId)).filter((w) => subscribes(w, event));
  }
  const now = ctx.now();
  // Each request is counted against every webhook it would reach, in fixed hour windows: a key
  // cannot turn redelivery into a stream of signed POSTs to an address it chose.
  const hourStart = now - (now % HOUR_MS);
  const counted = await Promise.all(targets.map((w) => countRedelivery(ctx, w.webhookId, hourStart, REDELIVERIES_PER_HOUR)));
  const refused = targets.filter((_, i) => !counted[i]);
  if (refused.length > 0) {
    throw new RateLimited(`at most ${REDELIVERIES_PER_HOUR} redeliveries per webhook per hour: ${refused.map((w) => w.webhookId).join(', ')} reached it`, Math.max(1, Math.ceil((hourStart + HOUR_MS - now) / 1000)));
  }
  await runtime().deliveryQueue.send(targets.map((w) => ({
    message: { kind: 'redeliver' as const, projectId, webhookId: w.webhookId, eventId: event.eventId, sequence: event.sequence, attempt: 1, dueAt: now },
    delaySeconds: 0,
  })));
  return { eventId: event.eventId, webhookIds: targets.map((w) => w.webhookId) };
}
