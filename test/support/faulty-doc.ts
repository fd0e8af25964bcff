/**
 * A document client that lets a test decide, per command, to fail before sending it (nothing written)
 * or after (written, but the caller sees an error: the ambiguous "timed out after commit" case).
 * DynamoDB Local never throws conflicts or throttles, so this is how those paths get exercised.
 */
import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Injection {
  /** Runs before the command is sent: another writer committing in between (e.g. the nightly close). */
  interleave?: () => Promise<unknown>;
  before?: Error;
  after?: Error;
}

/** Inspect a command: its class name and input. */
export interface SentCommand {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any command's input
  input: any;
}

export function faultyDoc(doc: DynamoDBDocumentClient, decide: (cmd: SentCommand, n: number) => Injection | undefined): DynamoDBDocumentClient & { calls: SentCommand[] } {
  const calls: SentCommand[] = [];
  const wrapped = Object.create(doc) as DynamoDBDocumentClient & { calls: SentCommand[] };
  wrapped.calls = calls;
  const send = async (command: { constructor: { name: string }; input: unknown }) => {
    const sent = { name: command.constructor.name, input: command.input };
    const n = calls.push(sent) - 1;
    const fault = decide(sent, n);
    if (fault?.interleave) await fault.interleave();
    if (fault?.before) throw fault.before;
    const out = await (doc.send as (c: unknown) => Promise<unknown>)(command);
    if (fault?.after) throw fault.after;
    return out;
  };
  (wrapped as unknown as { send: typeof send }).send = send;
  return wrapped;
}

/** A transaction cancelled by contention: TransactionConflict on `conflictAt`, None elsewhere. */
export function conflictCancellation(items: number, conflictAt = items - 1): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [injected]',
    $metadata: {},
    CancellationReasons: Array.from({ length: items }, (_, i) => ({ Code: i === conflictAt ? 'TransactionConflict' : 'None' })),
  });
}

export function conflictException(): TransactionConflictException {
  return new TransactionConflictException({ message: 'Transaction is ongoing for the item [injected]', $metadata: {} });
}

/** An error nobody retries (a non-transient service failure). */
export function hardFailure(message = 'injected failure'): Error {
  const e = new Error(message);
  e.name = 'InjectedFailure';
  return e;
}

/** An error that looks like a lost response (transient: the SDK caller retries it). */
export function timeout(): Error {
  const e = new Error('socket timed out [injected]');
  e.name = 'TimeoutError';
  return e;
}

/** True when a TransactWrite touches the project item of `projectId`. */
export function touchesProject(cmd: SentCommand, projectId: string): boolean {
  if (cmd.name !== 'TransactWriteCommand') return false;
  const items = (cmd.input.TransactItems ?? []) as { Update?: { Key?: { pk?: string; sk?: string } } }[];
  return items.some((i) => i.Update?.Key?.pk === `project#${projectId}` && i.Update.Key.sk === 'project');
}
