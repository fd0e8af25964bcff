/**
 * The twin's stand-in for Lambda's DynamoDB stream event source mapping: it reads a table's real
 * stream (DynamoDB Streams API on DynamoDB Local: the usage table's for the debit, the events table's
 * for the outbox reader), drops every record but INSERTs (the mapping's filter), and hands batches of
 * the exact records Lambda would send to the worker.
 *
 * Failure handling is Lambda's with `reportBatchItemFailures` (docs/reliability.md): the shard is
 * checkpointed at the LOWEST failed sequence number and everything from there on is read again from
 * the stream (a fresh iterator AT_SEQUENCE_NUMBER), including records that succeeded after it. A
 * thrown error, or a failure id that names no record of the batch, fails the whole batch. After
 * `maxRetries` failed attempts at the same position the records are set aside (logged and kept in
 * `failures`, like an on-failure destination that keeps records) and the shard moves past the batch.
 * Bisecting a failed batch is not emulated: a batch is always retried from its lowest failure.
 *
 * Shards: each is read by its own loop, a child only after its parent has been read to the end (per-
 * item order), and new shards are discovered while running (DynamoDB Local rolls shards too).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DEBIT_BATCH_SIZE, WORKERS } from '../shared/workers';
import { logger } from '../shared/logger';
import { localClient } from './dynamo';
import { lambdaContext, loadHandler } from './lambda';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  /** DynamoDB Local's address. */
  endpoint: string;
  /** The table whose stream is read (the usage table, the events table). */
  tableName: string;
  /** The worker the records go to, loaded lazily. @default WORKERS.debit */
  worker?: { entry: string; name: string };
  /** A handler instead of the worker's (tests). */
  handler?: StreamHandler;
  /** Records per invocation at most. @default 1000 */
  batchSize?: number;
  /** How long records are gathered before a batch smaller than batchSize is sent. @default 1000 */
  batchWindowMs?: number;
  /** Pause after an empty read of an open shard. @default 200 */
  pollIntervalMs?: number;
  /** Attempts after the first at one position before its records are set aside. @default 10 */
  maxRetries?: number;
  /** Pause before a retry, times the attempt number (capped at 10×). @default 200 */
  retryBackoffMs?: number;
  /** How often new shards are looked for. @default 1000 */
  shardRefreshMs?: number;
  /** Which records reach the handler. @default INSERT only, as the mapping's filter criteria */
  filter?: (record: DynamoDBRecord) => boolean;
}

/** Records set aside after maxRetries (what an on-failure destination that keeps records would get). */
export interface FailedBatch {
  shardId: string;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  attempts: number;
  records: DynamoDBRecord[];
  reason: string;
}

export interface StreamPoller {
  readonly streamArn: string;
  /** Batches given up on, oldest first. */
  readonly failures: FailedBatch[];
  /** Handler invocations so far (including retries). */
  readonly invocations: number;
  /** Stops reading; resolves when no read or invocation is in flight any more. */
  stop(): Promise<void>;
}

/** The event source mapping's filter `{eventName: ['INSERT']}`. */
export const insertOnly = (r: DynamoDBRecord): boolean => r.eventName === 'INSERT';

/** Starts polling the table's latest stream from TRIM_HORIZON (every record the stream still keeps). */
export async function startStreamPoller(opts: StreamPollerOptions): Promise<StreamPoller> {
  const ddb = localClient(opts.endpoint);
  let streamArn: string | undefined;
  try {
    streamArn = (await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }))).Table?.LatestStreamArn;
  } finally {
    ddb.destroy();
  }
  if (!streamArn) throw new Error(`table ${opts.tableName} has no stream`);
  const poller = new Poller(opts, streamArn);
  poller.start();
  return poller;
}

type Position = { type: 'TRIM_HORIZON' } | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; seq: string };

interface ShardState {
  shard: Shard;
  started: boolean;
  done: boolean;
}

const cmpSeq = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

class Poller implements StreamPoller {
  readonly failures: FailedBatch[] = [];
  invocations = 0;
  private readonly client: DynamoDBStreamsClient;
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, ShardState>();
  private readonly loops = new Set<Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private stopped = false;
  private discovery: Promise<void> | undefined;
  private readonly o: Required<Omit<StreamPollerOptions, 'handler' | 'worker'>> & { handler: StreamHandler };

  constructor(opts: StreamPollerOptions, readonly streamArn: string) {
    this.client = new DynamoDBStreamsClient({
      endpoint: opts.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    this.o = {
      endpoint: opts.endpoint,
      tableName: opts.tableName,
      handler: opts.handler ?? workerHandler(opts.worker ?? WORKERS.debit),
      batchSize: opts.batchSize ?? DEBIT_BATCH_SIZE,
      batchWindowMs: opts.batchWindowMs ?? 1000,
      pollIntervalMs: opts.pollIntervalMs ?? 200,
      maxRetries: opts.maxRetries ?? 10,
      retryBackoffMs: opts.retryBackoffMs ?? 200,
      shardRefreshMs: opts.shardRefreshMs ?? 1000,
      filter: opts.filter ?? insertOnly,
    };
  }

  start(): void {
    this.discovery = this.discover();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const wake of this.wakers) wake();
    await this.discovery;
    await Promise.all([...this.loops]);
    this.client.destroy();
  }

  /** Sleeps, waking early on stop. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); this.wakers.delete(done); resolve(); };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async discover(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.refreshShards();
      } catch (e) {
        if (!this.stopped) logger.warn('stream poller: DescribeStream failed', { error: msg(e) });
      }
      await this.sleep(this.o.shardRefreshMs);
    }
  }

  private async refreshShards(): Promise<void> {
    let start: string | undefined;
    do {
      const out = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
        { abortSignal: this.abort.signal },
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !this.shards.has(shard.ShardId)) this.shards.set(shard.ShardId, { shard, started: false, done: false });
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start && !this.stopped);
    this.startReadyShards();
  }

  /** A shard is read once its parent is read to the end (or the parent is no longer in the stream). */
  private startReadyShards(): void {
    if (this.stopped) return;
    for (const state of this.shards.values()) {
      if (state.started) continue;
      const parent = state.shard.ParentShardId ? this.shards.get(state.shard.ParentShardId) : undefined;
      if (parent && !parent.done) continue;
      state.started = true;
      const loop = this.readShard(state).catch((e: unknown) => {
        logger.error('stream poller: shard loop crashed', { shardId: state.shard.ShardId, error: msg(e) });
      });
      this.loops.add(loop);
      void loop.finally(() => this.loops.delete(loop));
    }
  }

  private async iteratorAt(shardId: string, pos: Position): Promise<string | undefined> {
    const out = await this.client.send(new GetShardIteratorCommand({
      StreamArn: this.streamArn,
      ShardId: shardId,
      ShardIteratorType: pos.type as ShardIteratorType,
      ...(pos.type === 'TRIM_HORIZON' ? {} : { SequenceNumber: pos.seq }),
    }), { abortSignal: this.abort.signal });
    return out.ShardIterator;
  }

  private async readShard(state: ShardState): Promise<void> {
    const shardId = state.shard.ShardId!;
    const o = this.o;
    // Where to read from when an iterator has to be made: the checkpoint.
    let position: Position = { type: 'TRIM_HORIZON' };
    let iterator: string | undefined;
    let needIterator = true;
    let pending: DynamoDBRecord[] = [];
    let pendingSince = 0;
    let lastRead: string | undefined;
    let redeliver = false;
    let retry: { seq: string; attempts: number } | undefined;
    let trims = 0;

    while (!this.stopped) {
      try {
        if (needIterator) {
          iterator = await this.iteratorAt(shardId, position);
          needIterator = false;
          pending = [];
          lastRead = undefined;
        }
        let readCount = 0;
        if (iterator && pending.length < o.batchSize) {
          const out = await this.client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, o.batchSize - pending.length) }),
            { abortSignal: this.abort.signal },
          );
          iterator = out.NextShardIterator;
          trims = 0;
          for (const raw of out.Records ?? []) {
            readCount++;
            const rec = toLambdaRecord(raw, this.streamArn);
            lastRead = rec.dynamodb?.SequenceNumber;
            if (!o.filter(rec)) continue;
            if (pending.length === 0) pendingSince = Date.now();
            pending.push(rec);
          }
          // Records the filter dropped are done as soon as nothing before them is pending.
          if (pending.length === 0 && lastRead) position = { type: 'AFTER_SEQUENCE_NUMBER', seq: lastRead };
        }
        const shardEnded = iterator === undefined;
        if (pending.length === 0) {
          if (shardEnded) break;
          if (readCount === 0) await this.sleep(o.pollIntervalMs);
          continue;
        }
        const due = redeliver || shardEnded || pending.length >= o.batchSize || Date.now() - pendingSince >= o.batchWindowMs;
        if (!due) {
          if (readCount === 0) await this.sleep(Math.min(o.pollIntervalMs, Math.max(1, pendingSince + o.batchWindowMs - Date.now())));
          continue;
        }
        redeliver = false;
        const batch = pending.slice(0, o.batchSize);
        const failedFrom = await this.invoke(batch);
        if (failedFrom === undefined) {
          retry = undefined;
          pending = pending.slice(batch.length);
          pendingSince = Date.now();
          const through = pending.length ? batch[batch.length - 1]!.dynamodb!.SequenceNumber! : lastRead;
          if (through) position = { type: 'AFTER_SEQUENCE_NUMBER', seq: through };
          continue;
        }
        const attempts = retry && retry.seq === failedFrom.seq ? retry.attempts + 1 : 1;
        if (attempts > o.maxRetries) {
          const fromIdx = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failedFrom.seq);
          const setAside = batch.slice(Math.max(0, fromIdx));
          const failed: FailedBatch = {
            shardId,
            firstSequenceNumber: failedFrom.seq,
            lastSequenceNumber: batch[batch.length - 1]!.dynamodb!.SequenceNumber!,
            attempts,
            records: setAside,
            reason: failedFrom.reason,
          };
          this.failures.push(failed);
          logger.error('stream poller: retries exhausted, records set aside', {
            shardId, firstSequenceNumber: failed.firstSequenceNumber, lastSequenceNumber: failed.lastSequenceNumber,
            records: setAside.length, attempts, reason: failedFrom.reason,
          });
          retry = undefined;
          pending = pending.slice(batch.length);
          pendingSince = Date.now();
          position = { type: 'AFTER_SEQUENCE_NUMBER', seq: failed.lastSequenceNumber };
          continue;
        }
        retry = { seq: failedFrom.seq, attempts };
        logger.warn('stream poller: batch failed, redelivering from the lowest failed record', {
          shardId, sequenceNumber: failedFrom.seq, attempt: attempts, maxRetries: o.maxRetries, reason: failedFrom.reason,
        });
        // Lambda's checkpoint: everything from the lowest failure on comes again, read afresh.
        position = { type: 'AT_SEQUENCE_NUMBER', seq: failedFrom.seq };
        needIterator = true;
        redeliver = true;
        await this.sleep(o.retryBackoffMs * Math.min(attempts, 10));
      } catch (e) {
        if (this.stopped) break;
        if (e instanceof ExpiredIteratorException) {
          needIterator = true;
          continue;
        }
        if (e instanceof TrimmedDataAccessException) {
          // DynamoDB Local sometimes answers this to a read racing the shard's first writes, with
          // nothing trimmed: a fresh iterator at the same checkpoint reads on. Only when that fails too
          // has data really aged out, and the oldest record still kept is the place to resume.
          trims++;
          if (trims > 1) {
            logger.warn('stream poller: records trimmed before they were read; resuming at the oldest record kept', { shardId, error: msg(e) });
            position = { type: 'TRIM_HORIZON' };
            trims = 0;
          }
          needIterator = true;
          continue;
        }
        logger.warn('stream poller: read failed', { shardId, error: msg(e) });
        needIterator = true;
        await this.sleep(1000);
      }
    }
    if (iterator === undefined && !this.stopped) {
      state.done = true;
      // The shard is closed and read: its children may start now.
      this.startReadyShards();
    }
  }

  /** One invocation. Returns undefined on success, the lowest failed position otherwise. */
  private async invoke(batch: DynamoDBRecord[]): Promise<{ seq: string; reason: string } | undefined> {
    const first = batch[0]!.dynamodb!.SequenceNumber!;
    let out: DynamoDBBatchResponse | void;
    try {
      this.invocations++;
      out = await this.o.handler({ Records: batch });
    } catch (e) {
      return { seq: first, reason: `handler threw: ${msg(e)}` };
    }
    const failures = out?.batchItemFailures ?? [];
    if (failures.length === 0) return undefined;
    const seqs = new Set(batch.map((r) => r.dynamodb?.SequenceNumber));
    // Lambda: an identifier that is empty or names no record of the batch fails the whole batch.
    if (failures.some((f) => !f.itemIdentifier || !seqs.has(f.itemIdentifier))) {
      return { seq: first, reason: 'batchItemFailures names a record not in the batch' };
    }
    const lowest = failures.map((f) => f.itemIdentifier).reduce((a, b) => (cmpSeq(a, b) <= 0 ? a : b));
    return { seq: lowest, reason: `${failures.length} record(s) reported failed` };
  }
}

function workerHandler(worker: { entry: string; name: string }): StreamHandler {
  return async (event) => {
    const handler = await loadHandler(worker.entry);
    return (await handler(event, lambdaContext(worker.name, 60_000))) as DynamoDBBatchResponse | void;
  };
}

/** Records read with the Streams API as the event Lambda's mapping would deliver (tests hand these to handlers). */
export function streamEventOf(records: readonly SdkRecord[], streamArn = 'arn:aws:dynamodb:local:000000000000:table/local/stream/local'): DynamoDBStreamEvent {
  return { Records: records.map((r) => toLambdaRecord(r, streamArn)) };
}

/** The record as Lambda delivers it: JSON-shaped attribute values, epoch seconds, the stream's ARN. */
export function toLambdaRecord(r: SdkRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const at = d.ApproximateCreationDateTime;
  return {
    ...(r.eventID ? { eventID: r.eventID } : {}),
    ...(r.eventName ? { eventName: r.eventName } : {}),
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion ?? 'local',
    dynamodb: {
      ...(at ? { ApproximateCreationDateTime: Math.floor(at.getTime() / 1000) } : {}),
      ...(d.Keys ? { Keys: toImage(d.Keys) } : {}),
      ...(d.NewImage ? { NewImage: toImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toImage(d.OldImage) } : {}),
      ...(d.SequenceNumber ? { SequenceNumber: d.SequenceNumber } : {}),
      ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
      ...(d.StreamViewType ? { StreamViewType: d.StreamViewType } : {}),
    },
    eventSourceARN: streamArn,
    ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
  };
}

function toImage(img: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(img)) out[k] = toAttr(v);
  return out;
}

/** SDK attribute values hold binaries as bytes; the Lambda event (JSON) holds them as base64. */
function toAttr(v: SdkAttributeValue): AttributeValue {
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toAttr) };
  if (v.M !== undefined) return { M: toImage(v.M) };
  throw new Error(`unsupported attribute value ${JSON.stringify(v)}`);
}

function msg(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
