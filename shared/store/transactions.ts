/**
 * TransactWriteItems with its cancellation turned into a domain outcome: which items failed their
 * condition (CancellationReasons, in request order), so a caller can drop the items already done
 * and retry the rest (RELIABILITY.md rule 5).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

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

export async function transact(doc: DynamoDBDocumentClient, items: TransactItem[], token?: string): Promise<TransactOutcome> {
  if (items.length === 0) return { committed: true };
  if (items.length > MAX_TRANSACTION_ITEMS) throw new RangeError(`a transaction takes at most ${MAX_TRANSACTION_ITEMS} items, got ${items.length}`);
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items, ...(token ? { ClientRequestToken: token } : {}) }));
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
export function isTransient(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return ['TransactionConflictException', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TimeoutError', 'InternalServerError', 'ServiceUnavailable'].includes(e.name);
}

/** Runs `attempt` until it returns a value, retrying transient errors with jittered backoff. */
export async function withRetries<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isTransient(e) || i >= tries - 1) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** i) * (0.5 + Math.random() / 2)));
    }
  }
}
