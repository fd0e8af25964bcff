/**
 * The one optimistic commit every money path (and every timeline change) goes through:
 * read → decide → one transaction conditioned on what was read → on contention decide again.
 *
 * Per round, `decide` reads what it needs and returns either the outcome without writing (`done`),
 * or the transaction that makes the change, with its conditions on the versions it read (the caller
 * builds them: the project's `version`, an `attribute_not_exists` per money movement). Then:
 * - committed: its `result`;
 * - the answer was lost (the call threw after DynamoDB may have committed, or a retry of a committed
 *   call was cancelled because its own first try already wrote): the `receipt` item tells. Every
 *   round has a fresh `attemptId`, which the receipt item carries, so finding it stored with ours
 *   means this round committed, and it answers as such instead of deciding again on its own change;
 * - cancelled and not ours: `onCancelled` may turn the cancellation into the answer (a duplicate
 *   payment replays the first one; a refused change is a 409); otherwise it backs off with jitter and
 *   decides again on fresh reads;
 * - after `maxRounds` rounds of contention: Busy (HTTP 503 with Retry-After), nothing written.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Busy } from '../domain/errors';
import { backoffMs, sleep, transact, withRetries, type TransactItem, type TransactOutcome } from './transactions';

/** The attribute a receipt item carries: the id of the round that wrote it. */
export const RECEIPT_ATTRIBUTE = 'attemptId';

/** An item a commit writes with the round's id in `attribute` (@default RECEIPT_ATTRIBUTE), by table and key. */
export interface Receipt {
  table: string;
  key: Record<string, unknown>;
  attribute?: string;
}

export interface Commit<T> {
  items: TransactItem[];
  /** The outcome once these items commit. */
  result: T;
  /** The item of `items` that carries this round's `attemptId` (see the module comment). */
  receipt?: Receipt;
  /**
   * A cancellation that answers the request: `{ done }` to return it, a thrown DomainError to refuse,
   * undefined to back off and decide again.
   */
  onCancelled?: (reasons: readonly string[], cause: unknown) => Promise<{ done: T } | undefined> | { done: T } | undefined;
}

export type Decision<T> = Commit<T> | { done: T };

export interface Round {
  /** 0 for the first decision, then one more per cancelled transaction. */
  round: number;
  /** Unique per round: what the receipt item carries. */
  attemptId: string;
}

export interface CommitOptions {
  /** @default 50 */
  maxRounds?: number;
  /** Longest wait between rounds, ms. @default 500 */
  maxBackoffMs?: number;
}

/** True when the receipt item is stored and was written by the round `attemptId`. */
export async function receiptIsOurs(doc: DynamoDBDocumentClient, receipt: Receipt, attemptId: string): Promise<boolean> {
  const got = await withRetries(() => doc.send(new GetCommand({
    TableName: receipt.table,
    Key: receipt.key,
    ConsistentRead: true,
    ProjectionExpression: '#a',
    ExpressionAttributeNames: { '#a': receipt.attribute ?? RECEIPT_ATTRIBUTE },
  })));
  return got.Item?.[receipt.attribute ?? RECEIPT_ATTRIBUTE] === attemptId;
}

/** Runs `decide` until its transaction commits or it is done; see the module comment. `what` names it in errors. */
export async function optimisticCommit<T>(
  doc: DynamoDBDocumentClient,
  what: string,
  decide: (round: Round) => Promise<Decision<T>>,
  opts: CommitOptions = {},
): Promise<T> {
  const maxRounds = opts.maxRounds ?? 50;
  for (let round = 0; ; round++) {
    const attemptId = randomUUID();
    const decision = await decide({ round, attemptId });
    if ('done' in decision) return decision.done;
    const ours = () => (decision.receipt ? receiptIsOurs(doc, decision.receipt, attemptId) : Promise.resolve(false));
    let outcome: TransactOutcome;
    let sends = 0;
    try {
      outcome = await withRetries(() => { sends++; return transact(doc, decision.items); });
    } catch (e) {
      if (await ours()) return decision.result;
      throw e;
    }
    // A cancellation of the only send wrote nothing; after a resend it may be our first send's doing.
    if (outcome.committed || (sends > 1 && (await ours()))) return decision.result;
    const answer = await decision.onCancelled?.(outcome.reasons, outcome.cause);
    if (answer) return answer.done;
    if (round + 1 >= maxRounds) throw Object.assign(new Busy(what), { cause: outcome.cause });
    await sleep(backoffMs(round, opts.maxBackoffMs ?? 500));
  }
}
