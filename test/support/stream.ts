/**
 * The usage table's real stream on DynamoDB Local, read with the DynamoDB Streams API, and a small
 * emulation of Lambda's event source mapping on top: batches in shard order, an INSERT filter, and
 * ReportBatchItemFailures honoured by re-sending from the lowest failed record.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { localClient } from '../../local/dynamo';
import { streamEventOf } from '../../local/stream-poller';

export type StreamRecord = _Record;

/** Reads every record of a table's stream once, from TRIM_HORIZON on, shard by shard. */
export class StreamReader {
  private readonly streams: DynamoDBStreamsClient;
  private readonly dynamo: DynamoDBClient;
  private streamArn?: string;
  /** Open shard iterators; null once a closed shard is read to its end. */
  private readonly iterators = new Map<string, string | null>();
  /** The last sequence number read per shard: where a fresh iterator resumes. */
  private readonly lastSeq = new Map<string, string>();

  constructor(endpoint: string, private readonly tableName: string) {
    this.streams = new DynamoDBStreamsClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    this.dynamo = localClient(endpoint);
  }

  private async arn(): Promise<string> {
    if (!this.streamArn) {
      const t = await this.dynamo.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (!t.Table?.LatestStreamArn) throw new Error(`${this.tableName} has no stream`);
      this.streamArn = t.Table.LatestStreamArn;
    }
    return this.streamArn;
  }

  /** The records written since the last call (all of them the first time), in sequence order per shard. */
  async read(): Promise<StreamRecord[]> {
    const arn = await this.arn();
    const out: StreamRecord[] = [];
    const d = await this.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    // Parents before children keeps per-item order across a shard split.
    for (const shard of d.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      if (!this.iterators.has(id)) {
        const it = await this.streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }));
        this.iterators.set(id, it.ShardIterator ?? null);
      }
      let iterator = this.iterators.get(id) ?? null;
      while (iterator) {
        let r;
        try {
          r = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        } catch (e) {
          // DynamoDB Local: a TRIM_HORIZON iterator taken on an empty shard can go stale once records
          // arrive. Take a fresh one where this reader got to, as the twin's poller does.
          if (!(e instanceof TrimmedDataAccessException)) throw e;
          const seq = this.lastSeq.get(id);
          iterator = (await this.streams.send(new GetShardIteratorCommand({
            StreamArn: arn, ShardId: id, ...(seq ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: seq } : { ShardIteratorType: 'TRIM_HORIZON' }),
          }))).ShardIterator ?? null;
          continue;
        }
        out.push(...(r.Records ?? []));
        const lastRecord = r.Records?.[r.Records.length - 1]?.dynamodb?.SequenceNumber;
        if (lastRecord) this.lastSeq.set(id, lastRecord);
        const next = r.NextShardIterator ?? null;
        if (!r.Records?.length) { iterator = next; break; }
        iterator = next;
      }
      this.iterators.set(id, iterator);
    }
    return out;
  }

  /** Reads until `settled` holds or `timeoutMs` passes (stream records show up a moment after the write). */
  async readUntil(settled: (all: StreamRecord[]) => boolean, timeoutMs = 10_000): Promise<StreamRecord[]> {
    const all: StreamRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      all.push(...(await this.read()));
      if (settled(all) || Date.now() > deadline) return all;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.streams.destroy();
    this.dynamo.destroy();
  }
}

export const inserts = (records: readonly StreamRecord[]) => records.filter((r) => r.eventName === 'INSERT');

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface DeliveryLog {
  invocations: number;
  /** The itemIdentifier of each failed invocation, in order. */
  failures: string[];
}

/**
 * Hands `records` to `handler` the way Lambda's stream mapping does: INSERT records only (the mapping's
 * filter), in batches of `batchSize`, and after a reported failure the next batch starts again at the
 * lowest failed record, so the records after it that already succeeded come again too.
 */
export async function deliver(handler: StreamHandler, records: readonly StreamRecord[], opts: { batchSize?: number; maxInvocations?: number } = {}): Promise<DeliveryLog> {
  const batchSize = opts.batchSize ?? 100;
  const maxInvocations = opts.maxInvocations ?? 1000;
  const list = inserts(records);
  const log: DeliveryLog = { invocations: 0, failures: [] };
  let cursor = 0;
  while (cursor < list.length) {
    if (log.invocations++ >= maxInvocations) throw new Error(`stream not drained after ${maxInvocations} invocations`);
    const batch = list.slice(cursor, cursor + batchSize);
    const res = await handler(streamEventOf(batch));
    const failed = res.batchItemFailures[0]?.itemIdentifier;
    if (failed === undefined) { cursor += batch.length; continue; }
    const at = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
    if (at < 0) throw new Error(`handler reported ${failed}, which is not in its batch`);
    log.failures.push(failed);
    cursor += at;
  }
  return log;
}
