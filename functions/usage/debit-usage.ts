/**
 * The usage table's stream → the real-time debit (shared/billing/debit-usage.ts). INSERT records only (the
 * debit's own marks come back as MODIFY and are ignored; the event source mapping filters them out
 * too). Failures are reported through `batchItemFailures` with ReportBatchItemFailures.
 *
 * Which failures are reported (docs/reliability.md rule 7): exactly one itemIdentifier, the lowest
 * sequence number among the records of the projects that failed. Lambda checkpoints at the lowest
 * failed record and re-sends everything after it anyway, so listing more would change nothing; the
 * records after it that did commit are found marked on redelivery and move no money again.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/logger';
import { metrics, MetricUnit, observed } from '../../shared/observability';
import { debitRecords, type DebitOutcome, type DebitRecord } from '../../shared/billing/debit-usage';
import { storeContext, type StoreContext } from '../../shared/composition/workers';
import { UsageStreamItem } from '../../shared/domain/messages';

/** The lowest of numeric sequence numbers (they are decimal strings of varying length). */
export function lowestSequenceNumber(sequenceNumbers: readonly string[]): string | undefined {
  let low: string | undefined;
  for (const s of sequenceNumbers) if (low === undefined || BigInt(s) < BigInt(low)) low = s;
  return low;
}

/** The INSERT records of a batch as debit records, and the sequence numbers of records that cannot be read. */
export function debitRecordsOf(records: readonly DynamoDBRecord[]): { records: DebitRecord[]; unreadable: string[] } {
  const out: DebitRecord[] = [];
  const unreadable: string[] = [];
  for (const r of records) {
    if (r.eventName !== 'INSERT') continue;
    const seq = r.dynamodb?.SequenceNumber;
    const image = r.dynamodb?.NewImage;
    if (!seq) continue;
    const parsed = UsageStreamItem.safeParse(image ? unmarshall(image as unknown as Record<string, AttributeValue>) : undefined);
    // A usage item without its fields is not ours to guess at: fail it, so it lands in the failure destination.
    if (!parsed.success) { unreadable.push(seq); continue; }
    out.push({ sequenceNumber: seq, item: parsed.data });
  }
  return { records: out, unreadable };
}

/** The batch response for a debit outcome: the lowest failed record, or nothing. */
export function batchResponseOf(outcome: Pick<DebitOutcome, 'failed'>, unreadable: readonly string[] = []): DynamoDBBatchResponse {
  const low = lowestSequenceNumber([...unreadable, ...outcome.failed.flatMap((f) => f.sequenceNumbers)]);
  return { batchItemFailures: low === undefined ? [] : [{ itemIdentifier: low }] };
}

/** Debits a stream batch with `ctx` (tests and the twin pass a context over DynamoDB Local or a faulty client). */
export async function debitStream(event: DynamoDBStreamEvent, ctx: StoreContext = storeContext()): Promise<DynamoDBBatchResponse> {
  const { records, unreadable } = debitRecordsOf(event.Records ?? []);
  if (unreadable.length > 0) logger.error('unreadable usage records', { sequenceNumbers: unreadable });
  const outcome = await debitRecords(ctx, records);
  if (outcome.debited > 0 || outcome.failed.length > 0) {
    logger.info('debited', { records: records.length, debited: outcome.debited, alreadyDebited: outcome.alreadyDebited, events: outcome.events, failedProjects: outcome.failed.length, ...(outcome.underpaid.events > 0 ? { underpaid: outcome.underpaid } : {}) });
  }
  metrics.addMetric('EventsDebited', MetricUnit.Count, outcome.debited);
  metrics.addMetric('EventsAlreadyDebited', MetricUnit.Count, outcome.alreadyDebited);
  metrics.addMetric('DebitFailedProjects', MetricUnit.Count, outcome.failed.length);
  // Accepted usage the balance could not pay in full (shared/billing/debit-usage.ts): money left behind, for an operator to see.
  metrics.addMetric('UsageUnpaid', MetricUnit.Count, outcome.underpaid.events);
  return batchResponseOf(outcome, unreadable);
}

/** Lambda entry point (DynamoDB stream event source mapping with ReportBatchItemFailures). */
export const handler = observed((event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => debitStream(event));
