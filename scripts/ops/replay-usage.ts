/**
 * `npm run ops -- replay-usage --bucket <FailedRecordsBucket> [--dry-run]`: debits the usage records
 * the real-time debit gave up on (its stream mapping parked each failed batch in the bucket as one
 * object: the invocation record with the batch's records in `payload`). Each object's records go
 * through the same debit as the stream (functions/usage/debit-usage.ts), against the tables named by
 * PROJECTS_TABLE, LEDGER_TABLE, EVENTS_TABLE (and the other *_TABLE variables); an object whose records all
 * went through is moved under `replayed/`.
 *
 * Safe to run twice and safe against a stream that recovered by itself: every usage event is debited
 * at most once by its `debit#<eventId>` mark, so a record already debited moves no money again, and
 * a replayed object is not read again.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { debitStream } from '../../functions/usage/debit-usage';
import type { StoreContext } from '../../shared/store/context';

/** The failure bucket as this command needs it (S3 in production, a Map in tests). */
export interface FailureObjects {
  /** Keys of the objects not yet replayed. */
  list(): Promise<string[]>;
  get(key: string): Promise<string>;
  /** Moves the object out of the way (`replayed/<key>`). */
  markReplayed(key: string): Promise<void>;
}

export const REPLAYED_PREFIX = 'replayed/';

export interface ReplayUsageResult {
  objects: number;
  records: number;
  /** Objects whose records all went through (moved under replayed/). */
  replayed: number;
  /** Objects some record of which failed again (left in place), with why. */
  failed: { key: string; error: string }[];
  dryRun: boolean;
}

/** The stream records of one failure object (payload as an object or as a JSON string). */
export function recordsOf(objectText: string): DynamoDBRecord[] {
  const doc = JSON.parse(objectText) as { payload?: unknown; Records?: unknown };
  const payload = typeof doc.payload === 'string' ? JSON.parse(doc.payload) as { Records?: unknown } : (doc.payload as { Records?: unknown } | undefined) ?? doc;
  if (!Array.isArray(payload.Records)) throw new Error('no Records in the object (not a stream failure record?)');
  return payload.Records as DynamoDBRecord[];
}

export async function replayUsage(bucket: FailureObjects, ctx: StoreContext, opts: { dryRun?: boolean } = {}): Promise<ReplayUsageResult> {
  const keys = (await bucket.list()).filter((k) => !k.startsWith(REPLAYED_PREFIX)).sort();
  const result: ReplayUsageResult = { objects: keys.length, records: 0, replayed: 0, failed: [], dryRun: Boolean(opts.dryRun) };
  for (const key of keys) {
    let records: DynamoDBRecord[];
    try {
      records = recordsOf(await bucket.get(key));
    } catch (e) {
      result.failed.push({ key, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    result.records += records.length;
    if (opts.dryRun) continue;
    const response = await debitStream({ Records: records }, ctx);
    if (response.batchItemFailures.length > 0) {
      result.failed.push({ key, error: `records from sequence number ${response.batchItemFailures[0]!.itemIdentifier} failed again: see the debit's log lines above` });
      continue;
    }
    await bucket.markReplayed(key);
    result.replayed += 1;
  }
  return result;
}
