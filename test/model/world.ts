/**
 * The real side of the model test: fresh tables on DynamoDB Local for one run, the handlers wired to
 * the fault injector and a clock the test moves, and the triggers emulated the way AWS runs them, at
 * least once:
 * - HTTP: a client that retries a 5xx (the request may have half happened);
 * - the usage stream: the real stream (test/support/stream.ts) handed to the debit handler in batches;
 *   a reported failure re-sends from the lowest failed record, a crashed invocation re-sends the whole
 *   batch bisected (bisectBatchOnError), and records can be redelivered or raced on purpose;
 * - the nightly run: the fan-out handler (retried when it fails), then its SQS messages to the
 *   charge-day handler, failed messages redelivered, duplicates on purpose;
 * - the Events stream: the same emulation, to the outbox relay (functions/events/relay-events.ts);
 * - the webhook delivery queue: SQS with delays (the fake clock decides what is visible), a visibility
 *   timeout before a failed or crashed batch comes back, the dead-letter queue after 5 receives, and
 *   duplicates on purpose; the batches go to deliverBatch with the model's receivers as the POST.
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
import { billingDayOf, type BillingDay } from '../../shared/domain/billing-days';
import { startOfDay } from '../../shared/domain/day-bounds';
import { makeDocumentClient, resetRuntime, setRuntime, type ChargeMessage } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { call, type Answer, type EventOptions } from '../support/http';
import { inserts, StreamReader, type StreamRecord } from '../support/stream';
import { FaultInjector, hash32, InjectedCrash, type Invocation } from './faults';
import { type BusEvent, type DeliveryMessage } from '../../shared/runtime';
import { recordPayment } from '../../shared/billing/payments';
import { handler as relayHandler } from '../../functions/events/relay-events';
import { deliverBatch, type DeliveryDeps } from '../../shared/billing/deliver-webhooks';
import { aesGcmSecretBox } from '../../local/secret-box';
import type { SecretBox } from '../../shared/delivery/secret-box';
import { randomBytes } from 'node:crypto';
import { Receivers } from './receivers';
import { EventBook } from './event-checks';

/** A client gives up after this many 5xx in a row: with a fault budget per step it never should. */
const CLIENT_TRIES = 25;
/** Deliveries of one batch before the test calls the stream stuck. */
const STREAM_TRIES = 60;
const SQS_ROUNDS = 30;
/** The delivery queue's visibility timeout (6 × the delivery function's 3 minutes) and maxReceiveCount (lib/constructs/event-delivery.ts). */
export const DELIVERY_VISIBILITY_MS = 18 * 60_000;
export const DELIVERY_MAX_RECEIVES = 5;
/** SQS hands the delivery function at most this many messages at once. */
const DELIVERY_BATCH = 10;

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
  /** Which stream and function: the usage stream to the debit (default), or the Events stream to the relay. */
  consumer?: 'debit' | 'relay';
}

/** A message on the delivery queue: visible from `visibleAt` (the fake clock), received `receives` times. */
export interface QueuedDelivery {
  message: DeliveryMessage;
  visibleAt: number;
  receives: number;
}

/** How a delivery step takes its messages from the queue. */
export type DeliveryQueueMode = 'plain' | 'dup-batch' | 'dup-again' | 'dup-concurrent' | 'shuffled';

export interface DeliveryRunStats {
  invocations: number;
  /** Messages that came back (a failure reported, or the invocation crashed). */
  returned: number;
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

/** One table's stream as its event source mapping sees it: read once, handed on, kept for redeliveries. */
export class StreamFeed {
  readonly reader: StreamReader;
  /** INSERT records read from the stream, not delivered yet, in stream order. */
  pending: StreamRecord[] = [];
  /** Records delivered at least once (for redeliveries). */
  readonly delivered: StreamRecord[] = [];
  /** Event ids whose INSERT has been read (each must come exactly once). */
  readonly inserted = new Set<string>();

  constructor(endpoint: string, table: string, private readonly what: string) {
    this.reader = new StreamReader(endpoint, table);
  }

  /**
   * Reads the stream until the INSERTs of `eventIds` have all arrived; appends them (and any other new
   * INSERT) to `pending`. An INSERT for an id already inserted means it was stored twice.
   */
  async read(eventIds: Iterable<string>): Promise<void> {
    const want = new Set([...eventIds].filter((id) => !this.inserted.has(id)));
    // Nothing to wait for: do not read. (DynamoDB Local answers TrimmedDataAccessException when an
    // iterator taken on a still empty shard is used after the first records arrive.)
    if (want.size === 0) return;
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const r of inserts(await this.reader.read())) {
        const id = eventIdOf(r);
        if (this.inserted.has(id)) throw new WorldError(`${this.what} ${id} reached the stream twice (stored twice)`);
        this.inserted.add(id);
        want.delete(id);
        this.pending.push(r);
      }
      if (want.size === 0) return;
      if (Date.now() > deadline) throw new WorldError(`${want.size} stored ${this.what}s never reached the stream: ${[...want].slice(0, 5).join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Marks the first `n` pending records as delivered (kept for redeliveries) and drops them from `pending`. */
  take(n: number): StreamRecord[] {
    const taken = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    this.delivered.push(...taken);
    return taken;
  }
}

export class World {
  readonly faults: FaultInjector;
  readonly raw: DynamoDBDocumentClient;
  /** The usage table's stream (to the debit) and the Events table's (to the relay). */
  readonly usage: StreamFeed;
  readonly outbox: StreamFeed;
  /** What reached the operator's bus. */
  readonly published: BusEvent[] = [];
  /** The webhook delivery queue, and its dead-letter queue. */
  queue: QueuedDelivery[] = [];
  readonly deadLetters: QueuedDelivery[] = [];
  readonly secrets: SecretBox = aesGcmSecretBox(randomBytes(32));
  readonly receivers: Receivers;
  /** The project events read after each step, and what each step left (event-checks.ts). */
  readonly book = new EventBook();
  /** Messages moved back from the dead-letter queue at the end of a run. */
  redriven = 0;
  clock: number;
  /** Steps run so far, and how often a step ends with the full check (see commands.ts Scale). */
  steps = 0;
  fullCheckEvery = 1;
  private readonly chargeQueue: ChargeMessage[] = [];
  private invocationSeq = 0;

  private constructor(readonly endpoint: string, readonly tables: TableNames, readonly zone: string, start: number) {
    this.raw = makeDocumentClient(endpoint);
    const raw = this.raw;
    this.faults = new FaultInjector(raw, async (projectId, paymentId, amount) => {
      const out = await recordPayment(storeContext({ doc: raw }), projectId, paymentId, amount);
      return { projectId, paymentId, amount, balanceAfter: out.body.balance, date: billingDayOf(this.clock, this.zone) };
    });
    this.usage = new StreamFeed(endpoint, tables.USAGE_TABLE, 'usage event');
    this.outbox = new StreamFeed(endpoint, tables.EVENTS_TABLE, 'project event');
    this.receivers = new Receivers(() => this.clock, (ms) => { this.clock += ms; });
    this.clock = start;
  }

  /** What the delivery function is given: the model's receivers as the POST, this world's queue and secret box. */
  get deliveryDeps(): DeliveryDeps {
    return {
      post: async (input) => {
        // A crashed invocation's sandbox is gone: it sends nothing more.
        if (this.faults.current()?.dead) throw new InjectedCrash('(the invocation is dead: no POST)');
        return this.receivers.post(input);
      },
      secrets: this.secrets,
      queue: { send: async (entries) => this.enqueue(entries) },
    };
  }

  /** SQS SendMessage: each message visible after its delay; a dead invocation sends nothing. */
  enqueue(entries: readonly { message: DeliveryMessage; delaySeconds: number }[]): void {
    if (this.faults.current()?.dead) throw new InjectedCrash('(the invocation is dead: no SendMessage)');
    for (const e of entries) this.queue.push({ message: e.message, visibleAt: this.clock + e.delaySeconds * 1000, receives: 0 });
  }

  /**
   * Points the process's config and runtime at `tables` (created by the caller: useTables() in the
   * test, createTables in the soak) and at this world's client, clock, event sink, charge and delivery
   * queues and secret box.
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
          (inv?.sent ?? w.chargeQueue).push(...messages);
        },
      },
      deliveryQueue: { send: async (entries) => w.enqueue(entries) },
      secrets: w.secrets,
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
   * Lambda's stream mapping over `records`: batches of `batchSize`; a reported failure re-sends from
   * the lowest failed record (the records after it again too); a crashed invocation (error or dead)
   * re-sends its whole batch, bisected.
   */
  async deliver(records: readonly StreamRecord[], opts: DeliverOptions): Promise<DeliveryStats> {
    const relay = opts.consumer === 'relay';
    const stats: DeliveryStats = { invocations: 0, failures: 0 };
    let cursor = 0;
    let size = opts.batchSize;
    let tries = 0;
    while (cursor < records.length) {
      const batch = records.slice(cursor, cursor + size);
      stats.invocations++;
      const out = relay
        ? await this.faults.invoke(`${opts.tag}/relay#${stats.invocations}`, () => relayHandler(streamEventOf(batch)))
        : await this.faults.invoke(`${opts.tag}/debit#${stats.invocations}`, () => debitHandler(streamEventOf(batch)));
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
      if (at < 0) throw new WorldError(`the ${relay ? 'relay' : 'debit'} reported ${failed}, which is not in its batch`);
      cursor += at;
    }
    return stats;
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

  /**
   * The delivery function on the queue: the messages visible now, in batches of 10, each to
   * deliverBatch with the receivers as the POST. A message reported failed, or every message of a
   * crashed invocation, comes back after the visibility timeout; after 5 receives it goes to the
   * dead-letter queue. With `horizonMs`, the clock moves to each later message as it comes due, up to
   * that far ahead (retries, and the hops of a long delay, come due this way). `mode` adds SQS's own
   * duplicates: a message twice in a batch, a batch received again, two receivers at once.
   */
  async runDeliveries(opts: { tag: string; mode: DeliveryQueueMode; horizonMs: number; maxInvocations: number }): Promise<DeliveryRunStats> {
    const stats: DeliveryRunStats = { invocations: 0, returned: 0 };
    const until = this.clock + opts.horizonMs;
    /** One receipt of `batch` by the delivery function: the messages it did not get done. */
    const receive = async (batch: readonly QueuedDelivery[], lane: string): Promise<QueuedDelivery[]> => {
      stats.invocations++;
      for (const q of batch) q.receives++;
      // A copy of a message arrives as its own parsed object, as SQS would hand it over.
      const copies = batch.map((q) => ({ q, message: q.message }));
      if (opts.mode === 'dup-batch') copies.push(...batch.map((q) => ({ q, message: { ...q.message } })));
      const out = await this.faults.invoke(`${opts.tag}/deliver#${stats.invocations}${lane}`, () => deliverBatch(storeContext(), copies.map((c) => c.message), this.deliveryDeps));
      if (!out.ok || out.inv.dead) return [...batch];
      const failed = new Set(out.value!.failed);
      return batch.filter((q) => copies.some((c) => c.q === q && failed.has(c.message)));
    };
    while (stats.invocations < opts.maxInvocations) {
      let due = this.queue.filter((q) => q.visibleAt <= this.clock);
      if (due.length === 0) {
        const next = Math.min(...this.queue.map((q) => q.visibleAt));
        if (!Number.isFinite(next) || next > until) break;
        this.clock = next;
        continue;
      }
      if (opts.mode === 'shuffled') {
        const key = (q: QueuedDelivery) => hash32(`${opts.tag}|${stats.invocations}|${JSON.stringify(q.message)}|${q.visibleAt}`);
        due = [...due].sort((a, b) => key(a) - key(b));
      }
      const batch = due.slice(0, DELIVERY_BATCH);
      this.queue = this.queue.filter((q) => !batch.includes(q));
      const back = new Set<QueuedDelivery>();
      if (opts.mode === 'dup-concurrent') {
        // Two pollers got the same messages (SQS's at-least-once): both deliver them, at once.
        for (const q of (await Promise.all([receive(batch, 'a'), receive(batch, 'b')])).flat()) back.add(q);
      } else {
        for (const q of await receive(batch, '')) back.add(q);
        // The same batch received again, after the first receipt was done with it.
        if (opts.mode === 'dup-again') for (const q of await receive(batch, 'again')) back.add(q);
      }
      for (const q of back) {
        // Not deleted: visible again after the visibility timeout, or dead-lettered after the last receive.
        stats.returned++;
        if (q.receives >= DELIVERY_MAX_RECEIVES) this.deadLetters.push(q);
        else this.queue.push(Object.assign(q, { visibleAt: this.clock + DELIVERY_VISIBILITY_MS }));
      }
    }
    return stats;
  }

  /** Closes the stream readers and drops the run's tables (DynamoDB Local keeps them in memory). */
  async dispose(): Promise<void> {
    this.usage.reader.close();
    this.outbox.reader.close();
    this.raw.destroy();
    const client = localClient(this.endpoint);
    try {
      for (const t of Object.values(this.tables)) await client.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined);
    } finally {
      client.destroy();
    }
  }
}
