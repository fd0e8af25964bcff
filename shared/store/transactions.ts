/**
 * TransactWriteItems with its cancellation turned into an outcome (which items failed, in request
 * order: docs/reliability.md rule 5), the retry of transient errors, and the one backoff every retry in
 * paygo waits with.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { Busy } from '../domain/errors';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit per TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

export type TransactOutcome =
  | { committed: true }
  | {
      committed: false;
      /** Per item, in request order: 'ConditionalCheckFailed', 'TransactionConflict', 'None', ... */
      reasons: string[];
      cause: TransactionCanceledException;
    };

export async function transact(doc: DynamoDBDocumentClient, items: TransactItem[]): Promise<TransactOutcome> {
  if (items.length === 0) return { committed: true };
  if (items.length > MAX_TRANSACTION_ITEMS) throw new RangeError(`a transaction takes at most ${MAX_TRANSACTION_ITEMS} items, got ${items.length}`);
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return { committed: true };
  } catch (e) {
    if (e instanceof TransactionCanceledException || (e instanceof Error && e.name === 'TransactionCanceledException')) {
      const cause = e as TransactionCanceledException;
      return { committed: false, reasons: (cause.CancellationReasons ?? []).map((r) => r.Code ?? 'None'), cause };
    }
    throw e;
  }
}

/** True when a thrown error is DynamoDB's refusal of a plain conditional write. */
export function isConditionFailed(e: unknown): boolean {
  return e instanceof Error && e.name === 'ConditionalCheckFailedException';
}

/** Errors worth retrying with backoff: conflicts, throttles, timeouts. */
export function isTransient(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  return ['TransactionConflictException', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TimeoutError', 'InternalServerError', 'ServiceUnavailable'].includes(e.name);
}

/** Cancellation reasons that are contention or capacity: worth a backoff and another round. */
export const TRANSIENT_REASONS: ReadonlySet<string> = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * How long to wait before retry `round` (0-based): "full jitter", a uniformly random wait below an
 * exponentially growing cap, so writers that collided spread out instead of colliding again in step.
 */
export function backoffMs(round: number, capMs = 1000, baseMs = 10): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(round, 16));
}

/**
 * Throttling, a conflict or a timeout that outlasted its retries: load, not a fault, so HTTP 503 with
 * Retry-After rather than 500. Whether the last try wrote is unknown; sending the same request again
 * is safe (every write is conditional or idempotent), and what was done is then reported as such.
 */
export class StoreBusy extends Busy {
  constructor(cause: Error) {
    super('the store');
    this.message = `the store is busy (${cause.name}); the outcome is unknown: send the same request again`;
    this.cause = cause;
  }
}

/**
 * Runs `attempt` until it returns a value, retrying transient errors with backoff (`tries` in all);
 * a transient error on the last try becomes StoreBusy (its `cause`).
 */
export async function withRetries<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isTransient(e)) throw e;
      if (i >= tries - 1) throw new StoreBusy(e);
      await sleep(backoffMs(i + 1));
    }
  }
}
