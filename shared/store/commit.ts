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
 * - cancelled and not ours: the cancellation is told in the caller's words (a Cancellation): each
 *   item may carry what its failed condition means (`guard(item, 'duplicate', eventId)`); an item
 *   without one was conditioned on something read (a version) that moved, so its failure is
 *   contention, as are DynamoDB's conflicts and throttles. `onCancelled` may turn the named outcomes
 *   into the answer (a duplicate payment replays the first one; a refused change is a 409), or say
 *   that they settled part of the work (`'again'`: decide again at once); otherwise the commit backs
 *   off with jitter and decides again on fresh reads;
 * - after `maxRounds` rounds of contention: Busy (HTTP 503 with Retry-After), nothing written by
 *   that round (`busy` may name the error, for a caller whose earlier rounds did write).
 *
 * DynamoDB's cancellation codes and the positions of items in the request stay in this file: a caller
 * reads names and the tags it gave, never `CancellationReasons[i]`.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Busy } from '../domain/errors';
import { backoffMs, sleep, transact, TRANSIENT_REASONS, withRetries, type TransactItem, type TransactOutcome } from './transactions';

/** The attribute a receipt item carries: the id of the round that wrote it. */
export const RECEIPT_ATTRIBUTE = 'attemptId';

/** An item a commit writes with the round's id in `attribute` (@default RECEIPT_ATTRIBUTE), by table and key. */
export interface Receipt {
  table: string;
  key: Record<string, unknown>;
  attribute?: string;
}

/**
 * A transaction item with what its failed condition means to the caller (`ifFailed`: `duplicate`,
 * `not_found`, or any name the caller answers to) and, optionally, which of the caller's things it is
 * (`tag`: an eventId, a plan id), so a cancellation can say which failed without a position.
 */
export interface Guarded<N extends string = string> {
  item: TransactItem;
  ifFailed: N;
  tag?: string;
}

/** `item` whose failed condition means `ifFailed` (see Guarded). */
export function guard<N extends string>(item: TransactItem, ifFailed: N, tag?: string): Guarded<N> {
  return { item, ifFailed, ...(tag !== undefined ? { tag } : {}) };
}

/** What a cancelled transaction means, in the names its items were guarded with. */
export interface Cancellation<N extends string = string> {
  /** The outcomes named by the items whose condition failed, each once. */
  names: N[];
  /** True when some guarded item's condition failed with `name`. */
  has(name: N): boolean;
  /** The tags of the items whose condition failed with `name`, in the order they were added (untagged items: none). */
  tags(name: N): string[];
  /**
   * Contention: an unguarded item's condition failed (what it was conditioned on moved), or DynamoDB
   * reported a conflict or throttling. Deciding again on fresh reads is the answer to it.
   */
  contended: boolean;
  /**
   * A cancellation neither a condition nor contention explains (a malformed or oversized write),
   * described for an error message; deciding again will not cure it.
   */
  fault?: string;
  cause: unknown;
}

/** What onCancelled makes of a cancellation: the answer, `'again'` (at once), or undefined (back off). */
export type CancelledAnswer<T> = { done: T } | 'again' | undefined;

export interface Commit<T, N extends string = string> {
  items: (TransactItem | Guarded<N>)[];
  /** The outcome once these items commit. */
  result: T;
  /** The item of `items` that carries this round's `attemptId` (see the module comment). */
  receipt?: Receipt;
  /**
   * A cancellation that answers the request: `{ done }` to return it, a thrown DomainError to refuse,
   * `'again'` when the named outcomes settled part of the work (the next decision leaves those items
   * out, so it goes at once and is not counted as contention), undefined to back off and decide again.
   */
  onCancelled?: (cancelled: Cancellation<N>) => Promise<CancelledAnswer<T>> | CancelledAnswer<T>;
}

const isGuarded = (i: TransactItem | Guarded): i is Guarded => 'ifFailed' in i && 'item' in i;

/** The caller's reading of a cancellation, from DynamoDB's per-item codes (in request order). */
export function cancellationOf<N extends string>(items: readonly (TransactItem | Guarded<N>)[], reasons: readonly string[], cause: unknown): Cancellation<N> {
  const named = new Map<N, string[]>();
  const hit = new Set<N>();
  let contended = false;
  const faults: string[] = [];
  items.forEach((item, i) => {
    const code = reasons[i] ?? 'None';
    if (code === 'None') return;
    if (code === 'ConditionalCheckFailed') {
      if (!isGuarded(item)) { contended = true; return; }
      hit.add(item.ifFailed);
      if (item.tag === undefined) return;
      const tags = named.get(item.ifFailed);
      if (tags) tags.push(item.tag); else named.set(item.ifFailed, [item.tag]);
      return;
    }
    if (TRANSIENT_REASONS.has(code)) contended = true;
    else faults.push(code);
  });
  return {
    names: [...hit],
    has: (name) => hit.has(name),
    tags: (name) => [...(named.get(name) ?? [])],
    contended,
    ...(faults.length > 0 ? { fault: faults.join(', ') } : {}),
    cause,
  };
}

export type Decision<T, N extends string = string> = Commit<T, N> | { done: T };

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
  /** The error after maxRounds of contention (its `cause` is set to the last cancellation). @default Busy(what) */
  busy?: () => Error;
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
export async function optimisticCommit<T, N extends string = string>(
  doc: DynamoDBDocumentClient,
  what: string,
  decide: (round: Round) => Promise<Decision<T, N>>,
  opts: CommitOptions = {},
): Promise<T> {
  const maxRounds = opts.maxRounds ?? 50;
  for (let round = 0, contended = 0; ; round++) {
    const attemptId = randomUUID();
    const decision = await decide({ round, attemptId });
    if ('done' in decision) return decision.done;
    const ours = () => (decision.receipt ? receiptIsOurs(doc, decision.receipt, attemptId) : Promise.resolve(false));
    const items = decision.items.map((i) => (isGuarded(i) ? i.item : i));
    let outcome: TransactOutcome;
    let sends = 0;
    try {
      outcome = await withRetries(() => { sends++; return transact(doc, items); });
    } catch (e) {
      if (await ours()) return decision.result;
      throw e;
    }
    // A cancellation of the only send wrote nothing; after a resend it may be our first send's doing.
    if (outcome.committed || (sends > 1 && (await ours()))) return decision.result;
    const cancelled = cancellationOf(decision.items, outcome.reasons, outcome.cause);
    const answer = await decision.onCancelled?.(cancelled);
    // Only a named outcome can have settled anything; 'again' on contention alone would spin.
    if (answer === 'again' && cancelled.names.length > 0) continue;
    if (typeof answer === 'object') return answer.done;
    if (++contended >= maxRounds) throw Object.assign(opts.busy?.() ?? new Busy(what), { cause: outcome.cause });
    await sleep(backoffMs(contended - 1, opts.maxBackoffMs ?? 500));
  }
}
