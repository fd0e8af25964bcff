/**
 * The twin's queues: an in-process stand-in for SQS plus Lambda's SQS event source mapping, one for
 * the charge-day work (the ChargeQueue port of shared/runtime.ts) and one for webhook deliveries (the
 * DeliveryQueue port, whose messages carry their own delay as SQS's DelaySeconds does). Batches of up
 * to 10 SQS-shaped records go to the handler; with partial batch responses only the failed messages
 * come back, after a visibility delay, and a message received `maxReceiveCount` times without success
 * moves to the dead-letter list (logged), as the redrive policy does on AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WORKERS } from '../shared/workers';
import { logger } from '../shared/logger';
import type { ChargeMessage, ChargeQueue, DeliveryMessage, DeliveryQueue } from '../shared/runtime';
import { lambdaContext, loadHandler } from './lambda';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface InProcessQueueOptions {
  /** @default the queue's worker (WORKERS.chargeDay / WORKERS.deliverWebhooks), loaded lazily */
  handler?: SqsHandler;
  /** Records per invocation at most (SQS: 10). @default 10 */
  batchSize?: number;
  /** Invocations at once. @default 2 */
  concurrency?: number;
  /** How long a failed message stays invisible before it is delivered again. @default 1000 */
  visibilityDelayMs?: number;
  /** Receives before a message moves to the dead-letter list (the redrive policy). @default 5 */
  maxReceiveCount?: number;
  /** @default 'paygo-charge-day' / 'paygo-webhook-deliveries' */
  queueName?: string;
}

/** A message the queue gave up on. */
export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  reason: string;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  visibleAt: number;
}

/** An SQS queue in memory, delivering to a Lambda-style handler. */
export class InProcessQueue {
  /** Messages moved to the dead-letter queue, oldest first. */
  readonly deadLetters: DeadLetter[] = [];
  private readonly waiting: Message[] = [];
  private inFlight = 0;
  private inFlightMessages = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly handler: SqsHandler;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly visibilityDelayMs: number;
  private readonly maxReceiveCount: number;
  private readonly arn: string;

  constructor(opts: InProcessQueueOptions & { handler: SqsHandler }) {
    this.handler = opts.handler;
    this.batchSize = Math.min(10, opts.batchSize ?? 10);
    this.concurrency = opts.concurrency ?? 2;
    this.visibilityDelayMs = opts.visibilityDelayMs ?? 1000;
    this.maxReceiveCount = opts.maxReceiveCount ?? 5;
    this.arn = `arn:aws:sqs:local:000000000000:${opts.queueName ?? 'paygo-charge-day'}`;
  }

  /** Accepted at once, delivered asynchronously (like SendMessageBatch), each after its delay. */
  protected enqueue(entries: readonly { body: string; delayMs: number }[]): void {
    if (this.stopped) throw new Error(`queue ${this.arn} is stopped`);
    const now = Date.now();
    for (const e of entries) {
      this.waiting.push({ messageId: randomUUID(), body: e.body, sentAt: now, receiveCount: 0, visibleAt: now + e.delayMs });
    }
    this.pump();
  }

  /** Messages not yet deleted or dead-lettered (waiting, invisible or in flight). */
  /**
   * Moves every dead letter back to the queue, as SQS's redrive (StartMessageMoveTask) does, with a
   * fresh receive count; `npm run ops -- redrive` against the twin. Returns how many moved. A second
   * call finds the dead-letter list empty and moves nothing.
   */
  redrive(): number {
    const moved = this.deadLetters.splice(0, this.deadLetters.length);
    this.enqueue(moved.map((d) => ({ body: d.body, delayMs: 0 })));
    return moved.length;
  }

  get depth(): number {
    return this.waiting.length + this.inFlightMessages;
  }

  /** Resolves when nothing is waiting, invisible or in flight: every message succeeded or is dead. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; resolves when in-flight invocations have finished. Undelivered messages are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.waiting.length) logger.warn('queue stopped with undelivered messages', { queue: this.arn, count: this.waiting.length });
    this.waiting.length = 0;
    await this.idle();
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.inFlight === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (!this.stopped && this.inFlight < this.concurrency) {
      const now = Date.now();
      const batch = this.takeVisible(now);
      if (batch.length === 0) break;
      this.inFlight++;
      this.inFlightMessages += batch.length;
      void this.deliver(batch).finally(() => {
        this.inFlight--;
        this.inFlightMessages -= batch.length;
        this.pump();
        this.notifyIdle();
      });
    }
    this.armTimer();
    this.notifyIdle();
  }

  private takeVisible(now: number): Message[] {
    const batch: Message[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.batchSize;) {
      if (this.waiting[i]!.visibleAt <= now) batch.push(...this.waiting.splice(i, 1));
      else i++;
    }
    return batch;
  }

  /** Wakes the pump when the earliest invisible message becomes visible again. */
  private armTimer(): void {
    if (this.stopped || this.waiting.length === 0) return;
    const at = Math.min(...this.waiting.map((m) => m.visibleAt));
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - Date.now()));
  }

  private async deliver(batch: Message[]): Promise<void> {
    const now = Date.now();
    for (const m of batch) {
      m.receiveCount++;
      m.firstReceivedAt ??= now;
    }
    let failedIds: Set<string>;
    let reason: string;
    try {
      const out = await this.handler({ Records: batch.map((m) => this.toRecord(m)) });
      const failures = out?.batchItemFailures ?? [];
      const ids = new Set(batch.map((m) => m.messageId));
      // Lambda: an identifier that is empty or names no message of the batch fails the whole batch.
      failedIds = failures.some((f) => !f.itemIdentifier || !ids.has(f.itemIdentifier)) ? ids : new Set(failures.map((f) => f.itemIdentifier));
      reason = 'reported in batchItemFailures';
    } catch (e) {
      failedIds = new Set(batch.map((m) => m.messageId));
      reason = `handler threw: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (this.stopped) return;
    for (const m of batch) {
      if (!failedIds.has(m.messageId)) continue;
      if (m.receiveCount >= this.maxReceiveCount) {
        const dead: DeadLetter = { messageId: m.messageId, body: m.body, receiveCount: m.receiveCount, reason };
        this.deadLetters.push(dead);
        logger.error('message moved to the dead-letter queue', { queue: this.arn, ...dead });
      } else {
        m.visibleAt = Date.now() + this.visibilityDelayMs;
        this.waiting.push(m);
      }
    }
  }

  private toRecord(m: Message): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: `${m.messageId}#${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'local',
    };
  }
}

/** The charge-day queue: its messages are due at once. */
export class InProcessChargeQueue extends InProcessQueue implements ChargeQueue {
  constructor(opts: InProcessQueueOptions = {}) {
    super({ queueName: 'paygo-charge-day', ...opts, handler: opts.handler ?? workerHandler(WORKERS.chargeDay, 120_000) });
  }

  async send(messages: ChargeMessage[]): Promise<void> {
    this.enqueue(messages.map((m) => ({ body: JSON.stringify(m), delayMs: 0 })));
  }
}

/** The webhook delivery queue: each message visible after its own delay, as SQS's DelaySeconds. */
export class InProcessDeliveryQueue extends InProcessQueue implements DeliveryQueue {
  constructor(opts: InProcessQueueOptions = {}) {
    super({ queueName: 'paygo-webhook-deliveries', ...opts, handler: opts.handler ?? workerHandler(WORKERS.deliverWebhooks, 60_000) });
  }

  async send(entries: { message: DeliveryMessage; delaySeconds: number }[]): Promise<void> {
    this.enqueue(entries.map((e) => ({ body: JSON.stringify(e.message), delayMs: e.delaySeconds * 1000 })));
  }
}

function workerHandler(worker: { entry: string; name: string }, timeoutMs: number): SqsHandler {
  return async (event) => {
    const handler = await loadHandler(worker.entry);
    return (await handler(event, lambdaContext(worker.name, timeoutMs))) as SQSBatchResponse | void;
  };
}
