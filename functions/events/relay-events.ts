/**
 * The Events table's stream → the outbox reader (shared/billing/outbox.ts): each new event to the
 * operator's bus and to the project's webhooks. INSERT records only (TTL deletions come back as
 * REMOVE; the event source mapping filters them out too). A batch that cannot be relayed is
 * reported from its first record, so Lambda hands it over again (bisecting on repeats) and nothing
 * is skipped; what was relayed before the failure is relayed again, and consumers deduplicate by
 * `eventId`.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { relayEvents } from '../../shared/billing/outbox';
import { errorMessage } from '../../shared/domain/errors';
import { ProjectEvent } from '../../shared/domain/events';
import { logger } from '../../shared/logger';
import { metrics, MetricUnit, observed } from '../../shared/observability';
import { storeContext, type StoreContext } from '../../shared/composition/workers';

/** The batch's events in stream order, and the first record that is not one (never guessed at). */
export function eventsOf(event: DynamoDBStreamEvent): { events: ProjectEvent[]; sequenceNumbers: string[]; unreadable?: string } {
  const events: ProjectEvent[] = [];
  const sequenceNumbers: string[] = [];
  for (const r of event.Records ?? []) {
    const seq = r.dynamodb?.SequenceNumber;
    if (r.eventName !== 'INSERT' || !seq) continue;
    const parsed = ProjectEvent.safeParse(r.dynamodb?.NewImage ? unmarshall(r.dynamodb.NewImage as unknown as Record<string, AttributeValue>) : undefined);
    if (!parsed.success) return { events, sequenceNumbers, unreadable: seq };
    events.push(parsed.data as ProjectEvent);
    sequenceNumbers.push(seq);
  }
  return { events, sequenceNumbers };
}

export async function relayStream(event: DynamoDBStreamEvent, ctx: StoreContext = storeContext()): Promise<DynamoDBBatchResponse> {
  const { events, sequenceNumbers, unreadable } = eventsOf(event);
  try {
    const relayed = await relayEvents(ctx, events);
    metrics.addMetric('EventsRelayed', MetricUnit.Count, relayed.published);
    metrics.addMetric('WebhookDeliveriesQueued', MetricUnit.Count, relayed.deliveries);
    if (relayed.published > 0) logger.info('events relayed', { ...relayed });
  } catch (e) {
    logger.error('relaying events failed', { events: events.length, error: errorMessage(e) });
    return { batchItemFailures: sequenceNumbers.length > 0 ? [{ itemIdentifier: sequenceNumbers[0]! }] : [] };
  }
  if (unreadable) {
    // The events before it are relayed; from it on the batch comes again, and ends in the failure destination.
    logger.error('unreadable event record', { sequenceNumber: unreadable });
    return { batchItemFailures: [{ itemIdentifier: unreadable }] };
  }
  return { batchItemFailures: [] };
}

/** Lambda entry point (DynamoDB stream event source mapping with ReportBatchItemFailures). */
export const handler = observed((event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => relayStream(event));
