/**
 * Calling the real Lambda handlers in process: each is loaded from the `entry` file that the CDK
 * stack bundles (shared/http/routes.ts, shared/workers.ts), so the twin runs exactly the code that is
 * deployed.
 *
 * The twin runs many invocations in one process at once, which one Lambda execution environment only
 * does with multi-concurrency. Powertools (logger keys and Lambda context, metrics) keeps its state
 * per invocation in Lambda's InvokeStore when AWS_LAMBDA_MAX_CONCURRENCY is set; the twin sets up the
 * same store and runs each invocation in its own context, so a log line carries the function and
 * request that wrote it, not whichever invocation started last.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

/** The repository root: `entry` paths in ROUTES and WORKERS are relative to it. */
export const REPO_ROOT = resolve(__dirname, '..');

/** A Lambda handler as the twin calls it (async; the callback style is not used in paygo). */
export type LambdaHandler<E = unknown, R = unknown> = (event: E, context: Context) => Promise<R>;

/** Resolves a handler by its entry path. Tests inject fakes through this. */
export type HandlerLoader = (entry: string) => Promise<LambdaHandler>;

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Thrown when an entry file cannot be loaded or exports no `handler`. */
export class HandlerUnavailable extends Error {
  constructor(readonly entry: string, reason: string) {
    super(`handler ${entry} is not available: ${reason}`);
    this.name = 'HandlerUnavailable';
  }
}

/** Throws naming every entry whose file does not exist: a twin that would answer 500 should not start. */
export function assertHandlerFiles(entries: readonly string[]): void {
  const missing = entries.filter((entry) => !existsSync(resolve(REPO_ROOT, entry)));
  if (missing.length > 0) throw new HandlerUnavailable(missing.join(', '), 'no such file');
}

/** Imports `<REPO_ROOT>/<entry>` once and returns its `handler`, run in its own invocation context. */
export const loadHandler: HandlerLoader = (entry) => {
  let p = loaded.get(entry);
  if (!p) {
    p = importHandler(entry).then(inOwnInvocation);
    loaded.set(entry, p);
  }
  return p;
};

let invokeStore: Promise<InvokeStoreBase | undefined> | undefined;

/**
 * The multi-concurrency InvokeStore, made once. The env switch that makes Powertools use it is set
 * only once it exists (Powertools refuses the switch without a store); if the AWS SDK already made a
 * single-invocation store in this process, the twin leaves Powertools on its shared state.
 */
function invocationStore(): Promise<InvokeStoreBase | undefined> {
  invokeStore ??= InvokeStore.getInstanceAsync(true).then((store) => {
    if (!('als' in store)) return undefined;
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '1000';
    return store;
  });
  return invokeStore;
}

function inOwnInvocation(handler: LambdaHandler): LambdaHandler {
  return async (event, context) => {
    const store = await invocationStore();
    if (!store) return handler(event, context);
    return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () => handler(event, context));
  };
}

async function importHandler(entry: string): Promise<LambdaHandler> {
  const file = resolve(REPO_ROOT, entry);
  let mod: unknown;
  try {
    mod = await import(file);
  } catch (e) {
    throw new HandlerUnavailable(entry, e instanceof Error ? e.message : String(e));
  }
  const handler = exportOf(mod, 'handler');
  if (typeof handler !== 'function') throw new HandlerUnavailable(entry, 'the module exports no `handler` function');
  return handler as LambdaHandler;
}

/** Reads a named export from a module loaded either as CommonJS or as ESM (`default` wraps CJS). */
export function exportOf(mod: unknown, name: string): unknown {
  if (!mod || typeof mod !== 'object') return undefined;
  const direct = (mod as Record<string, unknown>)[name];
  if (direct !== undefined) return direct;
  const dflt = (mod as Record<string, unknown>).default;
  return dflt && typeof dflt === 'object' ? (dflt as Record<string, unknown>)[name] : undefined;
}

/** A Lambda context object for one invocation (what Powertools and middy read from it). */
export function lambdaContext(functionName: string, timeoutMs = 30_000, awsRequestId: string = randomUUID()): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
