/**
 * `callApi`: a request through the same steps as the local twin and API Gateway HTTP API: match the
 * route in ROUTES, run the real Lambda authorizer (functions/auth/authorize-key.ts) on the
 * Authorization header, then the route's real handler module (its `entry`) with the authorizer's
 * context in `requestContext.authorizer.lambda`. Nothing is faked between the header and the handler.
 *
 * Where API Gateway answers by itself (no route, no Authorization header on a route with an
 * authorizer, an authorizer denial) the answer is docs/api.md's error body, as the twin gives, and
 * `via` says `gateway` so a test can tell whether its request reached the handler.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import type { HttpEvent, HttpResponse } from '../../shared/http/route';
import { ROUTES, type RouteDefinition } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import { lambdaContext as twinLambdaContext } from '../../local/lambda';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CallOptions {
  /** The API key, sent as `Authorization: Bearer <key>`; null or absent: no Authorization header. */
  key?: string | null;
  /** Sent as JSON. */
  body?: unknown;
  /** Raw body text (malformed JSON and the like); wins over `body`. */
  rawBody?: string;
  /** Query parameters as API Gateway hands them over (decoded). */
  query?: Record<string, string>;
  /** Extra headers; an `authorization` here wins over `key`. */
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body, if any. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields of many shapes
  body: any;
  /** The body text exactly as the handler answered it. */
  text: string;
  headers: Record<string, string>;
  /** `handler`: the route's function answered; `gateway`: API Gateway (or the twin) answered itself. */
  via: 'gateway' | 'handler';
  /** `GET /projects/{projectId}`, when a route matched. */
  routeKey?: string;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const REPO_ROOT = resolve(__dirname, '../..');
const modules = new Map<string, Promise<Handler>>();

/** The `handler` export of an entry file (relative to the repository root), loaded once. */
export function handlerOf(entry: string): Promise<Handler> {
  let p = modules.get(entry);
  if (!p) {
    p = (async () => {
      // A computed specifier, as the twin loads them: the entry path from ROUTES is what runs.
      const mod = (await import(resolve(REPO_ROOT, entry))) as { handler?: unknown; default?: { handler?: unknown } };
      const handler = mod.handler ?? mod.default?.handler;
      if (typeof handler !== 'function') throw new Error(`${entry} exports no handler`);
      return handler as Handler;
    })();
    modules.set(entry, p);
  }
  return p;
}

/** `GET /projects/{projectId}` for a route definition. */
export const routeKeyOf = (r: Pick<RouteDefinition, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** Every route key of ROUTES. */
export const ROUTE_KEYS: readonly string[] = ROUTES.map(routeKeyOf);

interface Match { route: RouteDefinition; params: Record<string, string> }

/**
 * API Gateway's matching: `{param}` is one non-empty segment (percent-decoded), a literal segment
 * beats a parameter. Returns null when no route of that method matches.
 */
export function matchRoute(method: string, rawPath: string): Match | null | 'bad_path' {
  const parts = rawPath.split('/').slice(1);
  let best: { m: Match; literals: number } | null = null;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const segs = route.path.split('/').slice(1);
    if (segs.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      const seg = segs[i]!;
      const part = parts[i]!;
      const p = /^\{(\w+)\}$/.exec(seg);
      if (!p) { ok = seg === part; literals += 2 ** (16 - i); continue; }
      if (part === '') { ok = false; continue; }
      try { params[p[1]!] = decodeURIComponent(part); } catch { return 'bad_path'; }
    }
    if (ok && (!best || literals > best.literals)) best = { m: { route, params }, literals };
  }
  return best?.m ?? null;
}

// middy answers early when the remaining time runs out; a loaded test machine must not trip that.
const lambdaContext = (functionName: string): Context => twinLambdaContext(functionName, 600_000);

function gateway(status: number, code: string, message: string): ApiAnswer {
  const body = { error: { code, message } };
  return { status, body, text: JSON.stringify(body), headers: { 'content-type': 'application/json' }, via: 'gateway' };
}

/**
 * Sends `method path` through the authorizer and the route's handler. `path` is the raw path: encode
 * path parameters yourself (`encodeURIComponent`), as a client would.
 */
export async function callApi(method: Method, path: string, opts: CallOptions = {}): Promise<ApiAnswer> {
  const match = matchRoute(method, path);
  if (match === 'bad_path') return gateway(400, 'bad_request', 'the path has an invalid percent-encoding');
  if (!match) return gateway(404, 'not_found', `no route for ${method} ${path}`);
  const { route, params } = match;
  const routeKey = routeKeyOf(route);
  const requestId = randomUUID();

  const headers: Record<string, string> = {};
  const rawBody = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (rawBody !== undefined) headers['content-type'] = 'application/json';
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const query = opts.query && Object.keys(opts.query).length ? opts.query : undefined;
  const rawQueryString = query ? new URLSearchParams(query).toString() : '';

  const event = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'contract',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest-contract' },
      requestId,
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(rawBody !== undefined ? { body: rawBody } : {}),
    isBase64Encoded: false,
  } as unknown as HttpEvent;

  if (route.auth) {
    const authorization = headers.authorization;
    // API Gateway does not call the authorizer without its identity source: 401.
    if (!authorization) return { ...gateway(401, 'unauthorized', 'a valid API key is required: Authorization: Bearer <apiKey>'), routeKey };
    const authEvent = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:local:000000000000:contract/$default/${route.method}${route.path}`,
      identitySource: [authorization],
      routeKey,
      rawPath: path,
      rawQueryString,
      cookies: [],
      headers,
      ...(query ? { queryStringParameters: query } : {}),
      ...(Object.keys(params).length ? { pathParameters: params } : {}),
      requestContext: event.requestContext,
    } as unknown as APIGatewayRequestAuthorizerEventV2;
    const authorizer = await handlerOf(WORKERS.authorizer.entry);
    const answer = (await authorizer(authEvent, lambdaContext(WORKERS.authorizer.name))) as { isAuthorized?: boolean; context?: Record<string, unknown> };
    // An explicit denial: API Gateway answers 403 before the route's function runs.
    if (answer?.isAuthorized !== true) return { ...gateway(403, 'forbidden', 'the authorizer denied this request'), routeKey };
    (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: answer.context ?? {} };
  }

  const handler = await handlerOf(route.entry);
  const res = (await handler(event, lambdaContext(route.name))) as HttpResponse;
  const text = typeof res.body === 'string' ? res.body : '';
  const outHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) outHeaders[k.toLowerCase()] = String(v);
  let body: unknown;
  if (text && (outHeaders['content-type'] ?? '').includes('json')) {
    try { body = JSON.parse(text); } catch { body = undefined; }
  }
  return { status: res.statusCode ?? 200, body, text, headers: outHeaders, via: 'handler', routeKey };
}

/** The statuses GET /openapi.json declares for `routeKey` (from the document the route serves). */
export async function declaredStatuses(routeKey: string): Promise<Set<number>> {
  declared ??= callApi('GET', '/openapi.json').then((r) => r.body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> });
  const [method, path] = routeKey.split(' ') as [string, string];
  const op = (await declared).paths[path]?.[method.toLowerCase()];
  return new Set(Object.keys(op?.responses ?? {}).map(Number));
}
let declared: Promise<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }> | undefined;
