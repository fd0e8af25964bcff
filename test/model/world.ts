/**
 * The real side of the model test: fresh tables on DynamoDB Local for one run, the handlers wired to
 * the fault injector and a clock the test moves, and the three triggers emulated the way AWS runs
 * them, at least once:
 * - HTTP: a client that retries a 5xx (the request may have half happened);
 * - the usage stream: the real stream (test/support/stream.ts) handed to the debit handler in batches;
 *   a reported failure re-sends from the lowest failed record, a crashed invocation re-sends the whole
 *   batch bisected (bisectBatchOnError), and records can be redelivered or raced on purpose;
 * - the nightly run: the fan-out handler (retried when it fails), then its SQS messages to the
 *   charge-day handler, failed messages redelivered, duplicates on purpose.
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { localClient, type TableNames } from '../../local/dynamo';
import { handler as chargeDayHandler } from '../../functions/billing/charge-day';
import { handler as fanOutHandler } from '../../functions/billing/fan-out-days';
import { handler as debitHandler } from '../../functions/usage/debit-usage';
import { streamEventOf } from '../../local/stream-poller';
import { resetConfig } from '../../shared/config';
import { billingDayOf, startOfDay, type BillingDay } from '../../shared/domain/billing-days';
import { makeDocumentClient, resetRuntime, setRuntime, type ChargeMessage } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { call, type Answer, type EventOptions } from '../support/http';
import { inserts, StreamReader, type StreamRecord } from '../support/stream';
import { FaultInjector, type Invocation } from './faults';
import { type BusEvent } from '../../shared/runtime';
import { recordPayment } from '../../shared/billing/payments';

/** A client gives up after this many 5xx in a row: with a fault budget per step it never should. */
const CLIENT_TRIES = 25;
/** Deliveries of one batch before the test calls the stream stuck. */
const STREAM_TRIES = 60;
const SQS_ROUNDS = 30;

type RouteHandler = Parameters<typeof call>[0];

export interface HttpResult {
  answer: Answer;
  /** Some attempt may have committed part of the work without the client knowing. */
  ambiguous: boolean;
  attempts: number;
}

export interface DeliverOptions {
  batchSize: number;
  /** Invocation names must be unique within a step (they feed the fault decisions). */
  tag: string;
}

export interface DeliveryStats {
  invocations: number;
  failures: number;
}

export class WorldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorldError';
  }
}

/**
 * An SQS event carrying `messages` (as test/support/billing.ts's sqsEvent, which cannot be used here:
 * that module pulls in vitest, and the soak runs without it).
 */
export function sqsEventOf(messages: readonly ChargeMessage[], batch: string): SQSEvent {
  return {
    Records: messages.map((m, i) => ({
      messageId: `${batch}-m${i}`,
      receiptHandle: `${batch}-r${i}`,
      body: JSON.stringify(m),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'model', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:charge',
      awsRegion: 'eu-central-1',
    })),
  };
}

/** The event id of a stream record. */
export function eventIdOf(r: StreamRecord): string {
  return String(r.dynamodb?.NewImage?.eventId?.S);
}

export class World {
  readonly faults: FaultInjector;
  readonly raw: DynamoDBDocumentClient;
  readonly reader: StreamReader;
  readonly published: BusEvent[] = [];
  /** INSERT records read from the stream, not delivered yet, in stream order. */
  pending: StreamRecord[] = [];
  /** Records delivered at least once (for redeliveries). */
  readonly delivered: StreamRecord[] = [];
  /** Event ids whose INSERT has been read (each must come exactly once). */
  readonly inserted = new Set<string>();
  clock: number;
  /** Steps run so far, and how often a step ends with the full check (see commands.ts Scale). */
  steps = 0;
  fullCheckEvery = 1;
  private readonly queue: ChargeMessage[] = [];
  private invocationSeq = 0;

  private constructor(readonly endpoint: string, readonly tables: TableNames, readonly zone: string, start: number) {
    this.raw = makeDocumentClient(endpoint);
    const raw = this.raw;
    this.faults = new FaultInjector(raw, async (projectId, paymentId, amount) => {
      const out = await recordPayment(storeContext({ doc: raw }), projectId, paymentId, amount);
      return { projectId, paymentId, amount, balanceAfter: out.body.balance, date: billingDayOf(this.clock, this.zone) };
    });
    this.reader = new StreamReader(endpoint, tables.USAGE_TABLE);
    this.clock = start;
  }

  /**
   * Points the process's config and runtime at `tables` (created by the caller: useTables() in the
   * test, createTables in the soak) and at this world's client, clock, event sink and charge queue.
   */
  static create(endpoint: string, tables: TableNames, zone: string, start: number): World {
    Object.assign(process.env, tables, { DYNAMODB_ENDPOINT: endpoint, BILLING_TIME_ZONE: zone });
    resetConfig();
    resetRuntime();
    const w = new World(endpoint, tables, zone, start);
    setRuntime({
      doc: w.faults.doc,
      now: () => w.clock,
      events: { publish: async (events) => { w.published.push(...events); } },
      chargeQueue: {
        send: async (messages) => {
          const inv = w.faults.current();
          (inv?.sent ?? w.queue).push(...messages);
        },
      },
    });
    return w;
  }

  get today(): BillingDay {
    return billingDayOf(this.clock, this.zone);
  }

  nextName(what: string): string {
    return `${what}#${++this.invocationSeq}`;
  }

  /** Resets per-run counters used in invocation names, so a step's names depend on the step only. */
  beginStep(): void {
    this.invocationSeq = 0;
  }

  /** Calls an HTTP handler as a client that retries 5xx answers. */
  async http(handler: RouteHandler, routeKey: string, opts: EventOptions): Promise<HttpResult> {
    let ambiguous = false;
    const name = this.nextName(routeKey);
    for (let attempt = 1; ; attempt++) {
      const out = await this.faults.invoke(`${name}/${attempt}`, () => call(handler, routeKey, opts));
      if (!out.ok) throw out.error; // the route maps every error to an answer: this is a harness bug
      const answer = out.value!;
      if (out.inv.ambiguous || (answer.status >= 500 && out.inv.committedWrites > 0)) ambiguous = true;
      if (answer.status < 500) return { answer, ambiguous, attempts: attempt };
      if (attempt >= CLIENT_TRIES) throw new WorldError(`${routeKey}: still ${answer.status} after ${attempt} tries: ${JSON.stringify(answer.body)}`);
    }
  }

  /**
   * Reads the stream until the INSERTs of `eventIds` have all arrived; appends them (and any other new
   * INSERT) to `pending`. An INSERT for an event already inserted means it was stored twice.
   */
  async readStream(eventIds: Iterable<string>): Promise<void> {
    const want = new Set([...eventIds].filter((id) => !this.inserted.has(id)));
    // Nothing to wait for: do not read. (DynamoDB Local answers TrimmedDataAccessException when an
    // iterator taken on a still empty shard is used after the first records arrive.)
    if (want.size === 0) return;
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const r of inserts(await this.reader.read())) {
        const id = eventIdOf(r);
        if (this.inserted.has(id)) throw new WorldError(`event ${id} reached the stream twice (stored twice)`);
        this.inserted.add(id);
        want.delete(id);
        this.pending.push(r);
      }
      if (want.size === 0) return;
      if (Date.now() > deadline) throw new WorldError(`${want.size} stored events never reached the stream: ${[...want].slice(0, 5).join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Lambda's stream mapping over `records`: batches of `batchSize`; a reported failure re-sends from
   * the lowest failed record (the records after it again too); a crashed invocation (error or dead)
   * re-sends its whole batch, bisected.
   */
  async deliver(records: readonly StreamRecord[], opts: DeliverOptions): Promise<DeliveryStats> {
    const stats: DeliveryStats = { invocations: 0, failures: 0 };
    let cursor = 0;
    let size = opts.batchSize;
    let tries = 0;
    while (cursor < records.length) {
      const batch = records.slice(cursor, cursor + size);
      stats.invocations++;
      const out = await this.faults.invoke(`${opts.tag}/debit#${stats.invocations}`, () => debitHandler(streamEventOf(batch)));
      if (!out.ok || out.inv.dead) {
        stats.failures++;
        if (++tries > STREAM_TRIES) throw new WorldError(`stream stuck: batch at ${cursor} keeps crashing`);
        size = Math.max(1, Math.ceil(batch.length / 2));
        continue;
      }
      const failed = out.value!.batchItemFailures[0]?.itemIdentifier;
      if (failed === undefined) {
        cursor += batch.length;
        size = opts.batchSize;
        tries = 0;
        continue;
      }
      stats.failures++;
      if (++tries > STREAM_TRIES) throw new WorldError(`stream stuck: record ${failed} keeps failing`);
      const at = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
      if (at < 0) throw new WorldError(`the debit reported ${failed}, which is not in its batch`);
      cursor += at;
    }
    return stats;
  }

  /** Marks records as delivered (kept for redeliveries) and drops them from `pending`. */
  takePending(n: number): StreamRecord[] {
    const taken = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    this.delivered.push(...taken);
    return taken;
  }

  /** Moves the clock to `minutes` past the start of `day` (billing zone). */
  setClockTo(day: BillingDay, minutes: number): void {
    const at = startOfDay(day, this.zone) + minutes * 60_000;
    if (at < this.clock) throw new WorldError(`the clock never goes back (${new Date(at).toISOString()} < ${new Date(this.clock).toISOString()})`);
    this.clock = at;
  }

  /** The scheduled fan-out for the day before the clock's day, retried until it completes. Returns its messages. */
  async fanOut(tag: string): Promise<ChargeMessage[]> {
    const scheduledTime = new Date(this.clock).toISOString();
    const sent: ChargeMessage[] = [];
    for (let attempt = 1; ; attempt++) {
      const out = await this.faults.invoke(`${tag}/fanout#${attempt}`, async () => {
        const inv = this.faults.current() as Invocation;
        inv.sent = sent;
        return fanOutHandler({ scheduledTime });
      });
      if (out.ok && !out.inv.dead) return sent;
      if (attempt >= CLIENT_TRIES) throw new WorldError(`fan-out keeps failing: ${String(out.error)}`);
    }
  }

  /**
   * SQS to the charge-day handler: `batches` as given (duplicates allowed), each failed message (or the
   * whole batch of a crashed invocation) sent again until none fails.
   */
  async chargeMessages(batches: ChargeMessage[][], tag: string, concurrently = false): Promise<number> {
    let invocations = 0;
    const run = async (batch: ChargeMessage[], lane: string): Promise<void> => {
      let todo = batch;
      for (let round = 1; todo.length > 0; round++) {
        if (round > SQS_ROUNDS) throw new WorldError(`charge messages keep failing: ${JSON.stringify(todo)}`);
        invocations++;
        const event = sqsEventOf(todo, `${lane}-${round}`);
        const out = await this.faults.invoke(`${tag}/${lane}/charge#${round}`, () => chargeDayHandler(event));
        if (!out.ok || out.inv.dead) continue; // the whole batch comes back after the visibility timeout
        const failed = new Set((out.value as SQSBatchResponse).batchItemFailures.map((f) => f.itemIdentifier));
        todo = todo.filter((_, i) => failed.has(event.Records[i]!.messageId));
      }
    };
    if (concurrently) await Promise.all(batches.map((b, i) => run(b, `c${i}`)));
    else for (const [i, b] of batches.entries()) await run(b, `s${i}`);
    return invocations;
  }

  /** Closes the stream reader and drops the run's tables (DynamoDB Local keeps them in memory). */
  async dispose(): Promise<void> {
    this.reader.close();
    this.raw.destroy();
    const client = localClient(this.endpoint);
    try {
      for (const t of Object.values(this.tables)) await client.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined);
    } finally {
      client.destroy();
    }
  }
}
