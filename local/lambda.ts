/**
 * Calling the real Lambda handlers in process: each is loaded lazily from the `entry` file that the
 * CDK stack bundles (shared/http/routes.ts), so the twin runs exactly the code that is deployed, and
 * a handler file that another change is still writing only fails the requests that need it.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
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

/**
 * Imports `<REPO_ROOT>/<entry>` once and returns its `handler` export. A failed load is not cached, so
 * a file that appears later (or is fixed) is picked up by the next call.
 */
export const loadHandler: HandlerLoader = (entry) => {
  let p = loaded.get(entry);
  if (!p) {
    p = importHandler(entry);
    loaded.set(entry, p);
    p.catch(() => loaded.delete(entry));
  }
  return p;
};

async function importHandler(entry: string): Promise<LambdaHandler> {
  // A computed specifier: tsc must not try to resolve files other changes are still writing.
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
