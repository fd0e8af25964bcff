/**
 * The one route factory: every API handler is `httpRoute('<METHOD> <path>').handler(fn)`. It checks the
 * caller's role and project scope, parses the body and query with the contract's zod schemas, and maps
 * every error to docs/api.md's error body in one place. A handler only parses, calls the store, answers.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { Busy, Conflict, DomainError, Forbidden, NotFound, RateLimited, Unauthorized, ValidationFailed } from '../domain/errors';
import type { Role } from '../domain/roles';
import { Id } from '../domain/values';
import { logger } from '../logger';
import { observabilityMiddlewares } from '../observability';
import { PORTAL_ACCESS } from './portal-access';
import { API, routeOf, type ParamsOf, type Route, type RouteKey, type RouteSpec } from './routes';

/** What the authorizer puts in the request context (functions/auth/authorize-key.ts). */
export interface AuthContext {
  role: Role;
  projectId?: string;
  apiKeyId: string;
  /** A portal link's token (shared/billing/portal-token.ts): limited to PORTAL_ACCESS's routes. */
  portal?: { changes: boolean; expiresAt: number };
}

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Partial<AuthContext> | undefined>;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface HttpResult {
  status: number;
  body?: unknown;
  /** Served instead of the JSON body when the client sends `Accept: text/csv` and the route has csv. */
  csv?: string;
  /** The file name a CSV answer is saved as (Content-Disposition); characters outside `A-Za-z0-9._-` become `_`. */
  filename?: string;
  /** Served instead of the JSON body when the client sends `Accept: application/pdf` and the route has pdf: made only then. */
  pdf?: { render: () => Promise<Uint8Array>; filename: string };
  headers?: Record<string, string>;
  /** Served as it is instead of a JSON body (the portal's page and assets). */
  text?: { contentType: string; body: string };
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type BodyOf<K extends RouteKey> = (typeof API)[K] extends { body: infer B } ? Out<B> : undefined;
type QueryOf<K extends RouteKey> = (typeof API)[K] extends { query: infer Q } ? Out<Q> : undefined;
type AuthOf<K extends RouteKey> = (typeof API)[K] extends { roles: 'public' } ? AuthContext | null : AuthContext;

export interface RouteRequest<K extends RouteKey> {
  auth: AuthOf<K>;
  body: BodyOf<K>;
  query: QueryOf<K>;
  /** The path's parameters, percent-decoded, every one present. */
  params: ParamsOf<K>;
  headers: Record<string, string>;
  requestId: string;
  event: HttpEvent;
}

/** Request bodies above this are refused before parsing (the largest legal one, 500 events, is ~150 KB). */
export const MAX_BODY_BYTES = 1_048_576;

export const ok = (body: unknown): HttpResult => ({ status: 200, body });
export const created = (body: unknown): HttpResult => ({ status: 201, body });
export const accepted = (body: unknown): HttpResult => ({ status: 202, body });
export const noContent = (): HttpResult => ({ status: 204 });

const ROLES: readonly string[] = ['admin', 'project', 'telephony'];

/** The caller, or null when the authorizer found no valid key. */
export function authOf(event: HttpEvent): AuthContext | null {
  const ctx = event.requestContext.authorizer?.lambda;
  if (!ctx || typeof ctx.role !== 'string' || !ROLES.includes(ctx.role) || typeof ctx.apiKeyId !== 'string') return null;
  const out: AuthContext = { role: ctx.role as Role, apiKeyId: ctx.apiKeyId, ...(ctx.projectId ? { projectId: ctx.projectId } : {}) };
  const portal = (ctx as { portal?: unknown }).portal;
  if (portal !== undefined) {
    const expiresAt = Number((ctx as { portalExpiresAt?: unknown }).portalExpiresAt);
    // A portal context is a project's and nothing else; anything half-formed is no caller at all.
    if ((portal !== 'read' && portal !== 'change') || !Number.isFinite(expiresAt) || out.role !== 'project' || !out.projectId) return null;
    out.portal = { changes: portal === 'change', expiresAt };
  }
  return out;
}

/**
 * A portal token calls only the page's routes, changes only with a link that allows them, and stops
 * at its expiry even while API Gateway still has the authorizer's answer cached (up to a minute).
 */
export function assertPortalAccess(auth: AuthContext, key: string, nowMs: number): void {
  if (!auth.portal) return;
  if (auth.portal.expiresAt <= nowMs) throw new Unauthorized();
  const access = PORTAL_ACCESS.get(key);
  if (!access) throw new Forbidden(`a portal link may not call ${key}`);
  if (access === 'change' && !auth.portal.changes) throw new Forbidden('this portal link is read-only');
}

/**
 * Path parameters that name a stored thing. A value no id can take (10k characters, `/`, quotes) is
 * not found before any read: DynamoDB refuses keys over 2048 bytes with an error that would be a 500.
 */
const PATH_IDS: Readonly<Record<string, string>> = {
  projectId: 'project', apiKeyId: 'API key', productId: 'product', planId: 'plan', version: 'version', webhookId: 'webhook', eventId: 'event',
};

/** NotFound for a path id that cannot exist (see PATH_IDS); the value is not echoed back. */
export function assertPathIds(params: Record<string, string>): void {
  for (const [name, what] of Object.entries(PATH_IDS)) {
    const value = params[name];
    if (value !== undefined && !Id.safeParse(value).success) throw new NotFound(what);
  }
}

/** A project key may act on its own project only; admin and telephony keys are not project-scoped. */
export function assertProjectScope(auth: AuthContext, projectId: string): void {
  if (auth.role === 'project' && auth.projectId !== projectId) throw new Forbidden('this key belongs to another project');
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const details = issuesOf(r.error);
    throw new ValidationFailed(`invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return r.data;
}

function readBody(event: HttpEvent, op: RouteSpec): unknown {
  if (!op.body) return undefined;
  const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  const max = op.maxBodyBytes ?? MAX_BODY_BYTES;
  if (Buffer.byteLength(raw) > max) throw new DomainError('payload_too_large', `the body exceeds ${max} bytes`, 413);
  if (raw.trim() === '') {
    if (op.optionalBody) return {};
    throw new ValidationFailed('a JSON body is required');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DomainError('invalid_json', 'the body is not valid JSON', 400);
  }
  // zod drops a `__proto__` key of a record without a word: refused here instead, so a body that
  // names one is a 400, never half read (names are data). The scan runs only when the text has one.
  if (raw.includes('__proto__') && hasProtoKey(parsed)) throw new ValidationFailed('a body may not name __proto__ as a key', [{ path: '__proto__', message: 'not a name a key may have' }]);
  return parsed;
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasProtoKey);
  return Object.keys(value).some((k) => k === '__proto__' || hasProtoKey((value as Record<string, unknown>)[k]));
}

function lowerHeaders(event: HttpEvent): Record<string, string> {
  // Header names are the client's: a record without a prototype, so `constructor` is just unknown.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return body === undefined
    ? { statusCode: status, headers }
    : { statusCode: status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The error body of docs/api.md; unknown errors become a 500 naming the request id and nothing else. */
export function errorResponse(error: unknown, requestId: string): HttpResponse {
  if (error instanceof DomainError) {
    const body = { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
    return json(error.status, body, error instanceof Busy || error instanceof RateLimited ? { 'retry-after': String(error.retryAfterSec) } : {});
  }
  if (error instanceof z.ZodError) {
    return json(400, { error: { code: 'validation_failed', message: 'invalid input', details: issuesOf(error) } });
  }
  logger.error('unhandled error', { requestId, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return json(500, { error: { code: 'internal', message: `internal error; quote request id ${requestId}` } });
}

/** `attachment; filename="…"`: a browser saves the answer as that file instead of showing it. */
export function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`;
}

function withHeaders(res: HttpResponse, headers: Record<string, string>): HttpResponse {
  return Object.keys(headers).length ? { ...res, headers: { ...res.headers, ...headers } } : res;
}

/**
 * Where `idempotent` routes keep their answers (docs/api.md "Idempotency of every create"). The HTTP
 * layer does not know the store: shared/composition/api.ts plugs it in when a handler imports it.
 */
export interface IdempotencyPort {
  /** Claims `scope` for a request of this fingerprint, or says what an earlier one made of it. */
  claim(scope: string, fingerprint: string, token: string): Promise<
    | { kind: 'claimed'; token: string }
    | { kind: 'replay'; answer: { status: number; body?: string } }
    | { kind: 'conflict' }
    | { kind: 'inProgress' }
  >;
  complete(scope: string, token: string, answer: { status: number; body?: string }): Promise<void>;
  release(scope: string, token: string): Promise<void>;
}

let idempotencyPort: IdempotencyPort | undefined;

/** Plugs in the store of idempotency records (shared/composition/api.ts does, once per process). */
export function useIdempotencyStore(port: IdempotencyPort): void {
  idempotencyPort = port;
}

/** Fields an answer shows once and an idempotent replay leaves out (they are not kept in clear). */
const SHOWN_ONCE = ['apiKey', 'secret'] as const;

function withoutSecrets(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => !(SHOWN_ONCE as readonly string[]).includes(k)));
}

/**
 * Runs `run` once per `Idempotency-Key` (when the request has one): the same key with the same method,
 * path and body within 24 hours answers the first answer, status too, and runs nothing; another request
 * under the key is 409 idempotency_conflict. Only a success is kept: a refused or failed request
 * gives its key back, so the same request may be sent again.
 */
async function onceper(op: Route, auth: AuthContext | null, headers: Record<string, string>, request: string, run: () => Promise<HttpResult>): Promise<HttpResult> {
  const idempotencyKey = op.idempotent ? headers['idempotency-key'] : undefined;
  if (idempotencyKey === undefined) return run();
  if (!Id.safeParse(idempotencyKey).success) throw new ValidationFailed('Idempotency-Key must be 1 to 128 letters, digits or . _ : @ -', [{ path: 'Idempotency-Key', message: 'letters, digits and . _ : @ - only, 1 to 128' }]);
  const port = idempotencyPort;
  if (!port) throw new Error(`${op.key} is idempotent but no idempotency store is plugged in: its handler must import storeContext from shared/composition`);
  // Keys are the caller's own: two projects (or an admin and a project) never share one.
  const scope = `${op.key}|${auth?.role ?? 'public'}|${auth?.projectId ?? ''}|${idempotencyKey}`;
  const claim = await port.claim(scope, request, globalThis.crypto.randomUUID());
  if (claim.kind === 'conflict') throw new Conflict('idempotency_conflict', 'this Idempotency-Key was used for a different request');
  if (claim.kind === 'inProgress') throw new Busy('a request with this Idempotency-Key is still being answered', 1);
  if (claim.kind === 'replay') {
    return { status: claim.answer.status, ...(claim.answer.body !== undefined ? { body: JSON.parse(claim.answer.body) as unknown } : {}), headers: { 'idempotent-replayed': 'true' } };
  }
  // Keeping or giving back the key is bookkeeping: if it fails, the create's own answer still stands
  // (a repeat then finds the claim unanswered and runs again, as after a crash).
  const settle = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (e) {
      logger.warn(`idempotency record not ${what}`, { routeKey: op.key, error: e instanceof Error ? e.message : String(e) });
    }
  };
  let result: HttpResult;
  try {
    result = await run();
  } catch (e) {
    await settle('given back', () => port.release(scope, claim.token));
    throw e;
  }
  if (result.status >= 200 && result.status < 300) {
    const kept = op.secret ? withoutSecrets(result.body) : result.body;
    await settle('stored', () => port.complete(scope, claim.token, { status: result.status, ...(kept !== undefined ? { body: JSON.stringify(kept) } : {}) }));
  } else {
    await settle('given back', () => port.release(scope, claim.token));
  }
  return result;
}

/** How long before the function's own limit a request still running answers 503 `timeout`. */
export const TIMEOUT_MARGIN_MS = 500;

/** docs/api.md's 503 `timeout`: the outcome is unknown, the same request may be sent again. */
export function timeoutResponse(): HttpResponse {
  logger.warn('request ran past its time limit: answered 503 timeout');
  return json(503, { error: { code: 'timeout', message: 'the request ran past its time limit; its outcome is unknown: send the same request again' } }, { 'retry-after': '1' });
}

export function httpRoute<K extends RouteKey>(key: K) {
  const op = routeOf(key);
  // A key or secret must not be kept by a browser, a proxy or a CDN: every answer of such a route.
  const noStore: Record<string, string> = op.secret ? { 'cache-control': 'no-store' } : {};
  const paramNames = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return {
    handler(fn: (req: RouteRequest<K>) => Promise<HttpResult>) {
      const core = async (event: HttpEvent): Promise<HttpResponse> => {
        const requestId = event.requestContext?.requestId ?? 'local';
        try {
          const auth = authOf(event);
          if (op.roles !== 'public') {
            if (!auth) throw new Unauthorized();
            if (!op.roles.includes(auth.role)) throw new Forbidden(`a ${auth.role} key may not call ${key}`);
            assertPortalAccess(auth, key, Date.now());
          }
          const params = Object.create(null) as Record<string, string>;
          for (const name of paramNames) {
            const value = event.pathParameters?.[name];
            // API Gateway always fills declared parameters; an event without one matches no route.
            if (value === undefined || value === '') throw new NotFound(`${name} in the path`);
            params[name] = value;
          }
          if (auth && params.projectId) assertProjectScope(auth, params.projectId);
          assertPathIds(params);
          const headers = lowerHeaders(event);
          const body = op.body ? parseWith(op.body, readBody(event, op), 'body') : undefined;
          const query = op.query ? parseWith(op.query, event.queryStringParameters ?? {}, 'query') : undefined;
          const concretePath = op.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
          const request = `${op.method} ${concretePath}\n${op.body ? JSON.stringify(body) : ''}`;
          const result = await onceper(op, auth, headers, request, () => fn({ auth: auth as AuthOf<K>, body: body as BodyOf<K>, query: query as QueryOf<K>, params: params as ParamsOf<K>, headers, requestId, event }));
          if (result.pdf && op.pdf && (headers.accept ?? '').includes('application/pdf')) {
            // Binary: API Gateway (and the twin) send base64 bodies marked isBase64Encoded as bytes.
            const bytes = await result.pdf.render();
            return {
              statusCode: result.status,
              headers: { 'content-type': 'application/pdf', 'content-disposition': attachment(result.pdf.filename), ...noStore, ...result.headers },
              body: Buffer.from(bytes).toString('base64'),
              isBase64Encoded: true,
            };
          }
          if (result.csv !== undefined && op.csv && (headers.accept ?? '').includes('text/csv')) {
            return { statusCode: result.status, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': attachment(result.filename ?? 'export.csv'), ...noStore, ...result.headers }, body: result.csv };
          }
          if (result.text) return { statusCode: result.status, headers: { 'content-type': result.text.contentType, ...noStore, ...result.headers }, body: result.text.body };
          return withHeaders(json(result.status, result.body, result.headers), noStore);
        } catch (error) {
          return withHeaders(errorResponse(error, requestId), noStore);
        }
      };
      // Logs with the Lambda context, EMF metrics (cold starts), X-Ray; `core` stays undecorated for tests.
      // A request about to run past the function's time answers docs/api.md's 503 `timeout` itself
      // (middy's default would throw, and the client would see a 500).
      const handler = middy<HttpEvent, HttpResponse>({ timeoutEarlyInMillis: TIMEOUT_MARGIN_MS, timeoutEarlyResponse: () => withHeaders(timeoutResponse(), noStore) })
        .use(observabilityMiddlewares()).handler(core);
      return Object.assign(handler, { core });
    },
  };
}
