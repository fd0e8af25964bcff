/**
 * The outbox reader (docs/reliability.md "Events"): events arrive from the Events table's stream, in
 * sequence order per project, each at least once. Each batch goes to the operator's bus (detail-type:
 * the event type; detail: the event) and becomes one delivery per matching enabled webhook, queued at
 * once. A failure throws, so the stream hands the batch over again: a repeat publishes or queues an
 * event twice, never loses one, and every consumer deduplicates by `eventId` (the `webhook-id`).
 */
import type { ProjectEvent } from '../domain/events';
import { runtime, type DeliveryMessage } from '../runtime';
import type { StoreContext } from '../store/context';
import { listWebhookItems, subscribes, type WebhookItem } from '../store/webhooks';
// Links the EventBridge publisher and the SQS delivery queue into the relay only.
import '../aws/event-bus';
import '../aws/delivery-queue';

export type { DeliveryMessage };

export interface Relayed {
  published: number;
  /** Drain messages queued: one per endpoint that takes an event of the batch. */
  deliveries: number;
}

/** One drain per endpoint that takes any of `events`: it delivers them, and any before them, in order. */
export function drainsFor(events: readonly ProjectEvent[], webhooksOf: ReadonlyMap<string, readonly WebhookItem[]>): DeliveryMessage[] {
  const out: DeliveryMessage[] = [];
  for (const [projectId, webhooks] of webhooksOf) {
    const mine = events.filter((e) => e.projectId === projectId);
    for (const w of webhooks) if (mine.some((e) => subscribes(w, e))) out.push({ kind: 'drain', projectId, webhookId: w.webhookId });
  }
  return out;
}

/** Relays one stream batch of events; throws when the bus or the queue refuses, so the batch comes again. */
export async function relayEvents(ctx: StoreContext, events: readonly ProjectEvent[]): Promise<Relayed> {
  if (events.length === 0) return { published: 0, deliveries: 0 };
  const rt = runtime();
  await rt.events.publish(events.map((e) => ({ type: e.type, detail: e as unknown as Record<string, unknown> })));
  const projectIds = [...new Set(events.map((e) => e.projectId))];
  const webhooks = new Map(await Promise.all(projectIds.map(async (id) => [id, await listWebhookItems(ctx, id)] as const)));
  const deliveries = drainsFor(events, webhooks);
  if (deliveries.length > 0) await rt.deliveryQueue.send(deliveries.map((message) => ({ message, delaySeconds: 0 })));
  return { published: events.length, deliveries: deliveries.length };
}
