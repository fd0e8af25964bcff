/**
 * API Gateway HTTP API (payload 2.0) events for the route handlers, as the authorizer would have
 * decorated them, and a caller that runs the real (middy-wrapped) handler and parses its answer.
 */
import type { Context } from 'aws-lambda';
import type { AuthContext, HttpEvent, HttpResponse } from '../../shared/http/route';

export const ADMIN: AuthContext = { role: 'admin', apiKeyId: 'ak_test_admin' };
export const TELEPHONY: AuthContext = { role: 'telephony', apiKeyId: 'ak_test_telephony' };
export const projectAuth = (projectId: string): AuthContext => ({ role: 'project', projectId, apiKeyId: `ak_test_${projectId}` });

export interface EventOptions {
  /** Path parameters, named as in shared/http/routes.ts. */
  params?: Record<string, string>;
  /** A value to send as JSON. */
  body?: unknown;
  /** The raw body text (malformed JSON and the like); wins over `body`. */
  rawBody?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** The authorizer's context; null: no valid key (the authorizer answered an empty context). */
  auth?: AuthContext | null;
}

/** An API Gateway v2 event for `routeKey` (`'POST /projects/{projectId}/payments'`). */
export function apiEvent(routeKey: string, opts: EventOptions = {}): HttpEvent {
  const [method, template] = routeKey.split(' ') as [string, string];
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(opts.params?.[name] ?? `missing-${name}`));
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const query = opts.query ?? {};
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json', ...opts.headers },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(opts.params ? { pathParameters: opts.params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      authorizer: { lambda: opts.auth === undefined ? ADMIN : opts.auth ?? {} },
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  } as HttpEvent;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read fields of many shapes
  body: any;
  headers: Record<string, string | number | boolean>;
}

type RouteHandler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

// middy answers early when the remaining time runs out; a loaded test machine must not trip that.
const lambdaContext = { functionName: 'test', awsRequestId: 'test', getRemainingTimeInMillis: () => 600_000 } as unknown as Context;

/** Runs the real handler on `event` and parses the JSON answer. */
export async function invoke(handler: RouteHandler, event: HttpEvent): Promise<Answer> {
  const res = await handler(event, lambdaContext);
  const text = typeof res.body === 'string' ? res.body : undefined;
  return { status: res.statusCode ?? 200, body: text ? JSON.parse(text) : undefined, headers: (res.headers ?? {}) as Answer['headers'] };
}

/** The `auth` option: an authorizer context, or null for a request without a valid key. */
export type Auth = EventOptions['auth'];

/** `invoke(handler, apiEvent(routeKey, opts))`. `opts` is required so `Parameters<typeof call>[2]` is EventOptions. */
export function call(handler: RouteHandler, routeKey: string, opts: EventOptions): Promise<Answer> {
  return invoke(handler, apiEvent(routeKey, opts));
}
