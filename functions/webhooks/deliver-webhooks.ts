/**
 * The webhook delivery queue → drains and redeliveries (shared/billing/deliver-webhooks.ts). A message
 * whose work could not be done or recorded (the store or the queue failed, not the receiver) is
 * reported in `batchItemFailures` and comes back after the visibility timeout; after maxReceiveCount
 * it goes to the dead-letter queue, whose alarm tells the operator.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliverBatch } from '../../shared/billing/deliver-webhooks';
import type { DeliveryMessage } from '../../shared/billing/deliver-webhooks';
import { logger } from '../../shared/logger';
import { metrics, MetricUnit, observed } from '../../shared/observability';
import { storeContext, type StoreContext } from '../../shared/composition/workers';

function messageOf(body: string): DeliveryMessage | null {
  try {
    const m = JSON.parse(body) as Record<string, unknown>;
    if (typeof m.projectId !== 'string' || typeof m.webhookId !== 'string') return null;
    if (m.kind === 'drain') return m as DeliveryMessage;
    const ok = m.kind === 'redeliver' && typeof m.eventId === 'string' && Number.isSafeInteger(m.sequence) && Number.isSafeInteger(m.attempt) && Number.isSafeInteger(m.dueAt);
    return ok ? (m as DeliveryMessage) : null;
  } catch {
    return null;
  }
}

export async function deliverQueued(event: SQSEvent, ctx: StoreContext = storeContext()): Promise<SQSBatchResponse> {
  const byMessage = new Map<DeliveryMessage, string>();
  for (const r of event.Records) {
    const m = messageOf(r.body);
    // Not ours to guess at: dropped with a log line (retrying cannot make it readable).
    if (m) byMessage.set(m, r.messageId); else logger.error('unreadable delivery message dropped', { messageId: r.messageId });
  }
  const out = await deliverBatch(ctx, [...byMessage.keys()]);
  const counts: Record<string, number> = {};
  for (const outcome of out.outcomes.values()) counts[outcome] = (counts[outcome] ?? 0) + 1;
  metrics.addMetric('WebhookEndpointsWaiting', MetricUnit.Count, (counts.waiting ?? 0) + (counts.retrying ?? 0));
  metrics.addMetric('WebhookDeliveryFailures', MetricUnit.Count, out.failed.length);
  if (out.outcomes.size > 0) logger.info('webhook deliveries', counts);
  return { batchItemFailures: out.failed.map((m) => ({ itemIdentifier: byMessage.get(m)! })) };
}

/** Lambda entry point (SQS event source mapping with ReportBatchItemFailures). */
export const handler = observed((event: SQSEvent): Promise<SQSBatchResponse> => deliverQueued(event));
