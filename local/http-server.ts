/**
 * The HTTP API of the local twin: a node:http server that turns each request into the API Gateway HTTP
 * API (payload 2.0) event the deployed functions receive, runs the Lambda authorizer first on routes
 * that have one, and calls the same handler file the CDK stack deploys for the route.
 *
 * Where API Gateway answers by itself (no route, missing identity source, authorizer denial or error,
 * a function that runs past its time limit), the twin answers with docs/api.md's error body instead of API
 * Gateway's `{"message": ...}`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { DateTime } from 'luxon';
import { MAX_BODY_BYTES } from '../shared/http/route';
import { ROUTES, type RouteDefinition } from '../shared/http/routes';
import { WORKERS } from '../shared/workers';
import { logger } from '../shared/logger';
import { serveDocsPage } from './docs-page';
import { lambdaContext, loadHandler, type HandlerLoader } from './lambda';
import { compileRoutes, matchRoute } from './router';

export interface HttpServerOptions {
  /** @default ROUTES */
  routes?: readonly RouteDefinition[];
  /** @default WORKERS.authorizer.entry */
  authorizerEntry?: string;
  /** @default loadHandler (dynamic import of the entry file) */
  load?: HandlerLoader;
  /**
   * How long an authorizer answer is reused for the same Authorization header. API Gateway caches for
   * the stack's TTL (a minute); the twin defaults to no cache, so a revoked key stops at once.
   * @default 0
   */
  authorizerCacheTtlMs?: number;
  /** Bodies above this are refused with 413 before any handler runs. @default MAX_BODY_BYTES (1 MiB) */
  maxBodyBytes?: number;
  /** The clock for the authorizer cache and the event's time fields. @default Date.now */
  now?: () => number;
  /**
   * A route's function time limit: the handler's context reports it, and a handler that has not
   * answered by then gets a 503 with `Retry-After`, as API Gateway answers an integration timeout.
   * @default 30_000
   */
  functionTimeoutMs?: number;
}

/** What a client should wait before sending a timed-out request again, in seconds. */
const TIMEOUT_RETRY_AFTER_S = 1;

type AuthorizerAnswer = Partial<APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>>;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)\b)|[+/](json|xml)\b/i;

/** Thrown inside the server for answers API Gateway would give itself. */
class GatewayAnswer extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/**
 * Makes the twin's HTTP server (not listening yet: call `.listen(port)`). Every response carries an
 * `apigw-requestid` header, the same id the handler sees as `requestContext.requestId`.
 */
export function createHttpServer(opts: HttpServerOptions = {}): Server {
  const compiled = compileRoutes(opts.routes ?? ROUTES);
  const load = opts.load ?? loadHandler;
  const authorizerEntry = opts.authorizerEntry ?? WORKERS.authorizer.entry;
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const ttl = opts.authorizerCacheTtlMs ?? 0;
  const now = opts.now ?? Date.now;
  const functionTimeoutMs = opts.functionTimeoutMs ?? 30_000;
  const authCache = new Map<string, { at: number; answer: AuthorizerAnswer }>();

  async function authorize(event: APIGatewayProxyEventV2, route: RouteDefinition, authorization: string): Promise<Record<string, unknown>> {
    const cached = ttl > 0 ? authCache.get(authorization) : undefined;
    let answer: AuthorizerAnswer;
    if (cached && now() - cached.at < ttl) {
      answer = cached.answer;
    } else {
      const authEvent: APIGatewayRequestAuthorizerEventV2 = {
        version: '2.0',
        type: 'REQUEST',
        routeArn: `arn:aws:execute-api:local:local:local/$default/${route.method}${event.rawPath}`,
        identitySource: [authorization],
        routeKey: event.routeKey,
        rawPath: event.rawPath,
        rawQueryString: event.rawQueryString,
        cookies: event.cookies ?? [],
        headers: event.headers,
        ...(event.queryStringParameters ? { queryStringParameters: event.queryStringParameters } : {}),
        requestContext: event.requestContext,
        ...(event.pathParameters ? { pathParameters: event.pathParameters } : {}),
      };
      try {
        const handler = await load(authorizerEntry);
        answer = ((await handler(authEvent, lambdaContext(WORKERS.authorizer.name, 10_000))) ?? {}) as AuthorizerAnswer;
      } catch (e) {
        logger.error('authorizer failed', { requestId: event.requestContext.requestId, error: describe(e) });
        throw new GatewayAnswer(500, 'internal', `internal error; quote request id ${event.requestContext.requestId}`);
      }
      if (ttl > 0) authCache.set(authorization, { at: now(), answer });
    }
    // API Gateway: an explicit denial is a 403 before the route's function runs.
    if (answer.isAuthorized !== true) throw new GatewayAnswer(403, 'forbidden', 'the authorizer denied this request');
    return answer.context && typeof answer.context === 'object' ? answer.context : {};
  }

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const rawQueryString = q >= 0 ? url.slice(q + 1) : '';

    const match = matchRoute(compiled, method, rawPath);
    if (match.kind === 'not_found') throw new GatewayAnswer(404, 'not_found', `no route for ${method} ${rawPath}`);
    if (match.kind === 'bad_path') throw new GatewayAnswer(400, 'bad_request', 'the path has an invalid percent-encoding');
    if (match.kind === 'method_not_allowed') {
      throw new GatewayAnswer(405, 'method_not_allowed', `${method} is not allowed on ${rawPath}; allowed: ${match.allowed.join(', ')}`, { allow: match.allowed.join(', ') });
    }

    // A route may take more (a tariff of a plan version: up to 6 MB, a Lambda request's limit).
    const body = await readBody(req, Math.max(maxBody, match.route.maxBodyBytes ?? 0));
    const event = buildEvent(req, { requestId, routeKey: match.routeKey, rawPath, rawQueryString, params: match.params, body, at: now() });

    let lambda: Record<string, unknown> | undefined;
    if (match.route.auth) {
      const authorization = event.headers.authorization;
      // API Gateway does not call the authorizer when the identity source is missing: 401.
      if (!authorization) throw new GatewayAnswer(401, 'unauthorized', 'a valid API key is required: Authorization: Bearer <apiKey>');
      lambda = await authorize(event, match.route, authorization);
    }
    const fullEvent = lambda ? { ...event, requestContext: { ...event.requestContext, authorizer: { lambda } } } : event;

    let result: APIGatewayProxyResultV2<unknown>;
    try {
      const handler = await load(match.route.entry);
      const invocation = handler(fullEvent, lambdaContext(match.route.name, functionTimeoutMs, requestId)) as Promise<APIGatewayProxyResultV2<unknown>>;
      result = await withinTimeLimit(invocation, functionTimeoutMs, () => {
        // Lambda would stop the function here; in process it runs on, and what it did is unknown to the client.
        logger.warn('handler ran past its time limit: answered 503', { requestId, routeKey: match.routeKey, timeoutMs: functionTimeoutMs });
        invocation.then(
          () => logger.warn('handler finished after its time limit', { requestId, routeKey: match.routeKey }),
          (e: unknown) => logger.warn('handler failed after its time limit', { requestId, routeKey: match.routeKey, error: describe(e) }),
        );
      });
    } catch (e) {
      if (e instanceof GatewayAnswer) throw e;
      logger.error('handler failed', { requestId, routeKey: match.routeKey, error: describe(e) });
      throw new GatewayAnswer(500, 'internal', `internal error; quote request id ${requestId}`);
    }
    writeResult(res, result, requestId, method);
  }

  return createServer((req, res) => {
    if (serveDocsPage(req, res)) return;
    const requestId = randomUUID();
    serve(req, res, requestId).catch((e: unknown) => {
      if (e instanceof GatewayAnswer) {
        sendJson(res, e.status, { error: { code: e.code, message: e.message } }, { 'apigw-requestid': requestId, ...e.headers });
        return;
      }
      logger.error('twin http error', { requestId, error: describe(e) });
      sendJson(res, 500, { error: { code: 'internal', message: `internal error; quote request id ${requestId}` } }, { 'apigw-requestid': requestId });
    });
  });
}

/**
 * `invocation`'s answer, or a 503 GatewayAnswer once `ms` have passed without one (`onTimeout` runs
 * then). The outcome of a timed-out request is unknown, so the client is told to send it again, as
 * docs/api.md says of every 5xx.
 */
async function withinTimeLimit<T>(invocation: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new GatewayAnswer(503, 'timeout', `the function did not answer within ${ms / 1000} s; its outcome is unknown: send the same request again`, {
        'retry-after': String(TIMEOUT_RETRY_AFTER_S),
      }));
    }, ms);
  });
  try {
    return await Promise.race([invocation, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

interface RequestParts {
  requestId: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  params: Record<string, string>;
  body: Buffer;
  at: number;
}

/** The payload-2.0 event API Gateway HTTP API hands a Lambda integration. */
export function buildEvent(req: IncomingMessage, p: RequestParts): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    if (name === 'cookie') {
      // Payload 2.0 moves cookies out of the headers into their own array.
      cookies = values.flatMap((v) => v.split(/;\s*/)).filter((c) => c !== '');
      continue;
    }
    // Repeated headers are joined with commas, as API Gateway does.
    headers[name] = values.join(',');
  }
  // API Gateway sets it (https) whatever the client sent; the twin listens on plain http.
  headers['x-forwarded-proto'] = 'http';
  const query = parseQuery(p.rawQueryString);
  const contentType = headers['content-type'] ?? '';
  const isText = TEXT_TYPES.test(contentType);
  const hasBody = p.body.length > 0;
  const domainName = headers.host ?? 'localhost';
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  return {
    version: '2.0',
    routeKey: p.routeKey,
    rawPath: p.rawPath,
    rawQueryString: p.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: p.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: p.requestId,
      routeKey: p.routeKey,
      stage: '$default',
      time: DateTime.fromMillis(p.at, { zone: 'utc' }).setLocale('en-US').toFormat('dd/LLL/yyyy:HH:mm:ss ZZZ'),
      timeEpoch: p.at,
    },
    ...(Object.keys(p.params).length ? { pathParameters: p.params } : {}),
    ...(hasBody ? { body: isText ? p.body.toString('utf8') : p.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !isText,
  };
}

/** Query parameters as API Gateway gives them: decoded (`+` is a space), repeats joined with commas. */
export function parseQuery(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  // Query names are the client's: `?constructor=1` must be one more unknown name, not a lookup.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of new URLSearchParams(raw)) out[k] = Object.hasOwn(out, k) ? `${out[k]},${v}` : v;
  return Object.keys(out).length ? out : undefined;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const refuse = () => {
      // Keep reading and drop the rest: destroying the request would reset the socket before the
      // 413 reaches the client.
      req.removeListener('data', onData);
      req.resume();
      reject(tooLarge(max));
    };
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (b: Buffer) => {
      size += b.length;
      if (size > max) refuse();
      else chunks.push(b);
    };
    if (Number(req.headers['content-length'] ?? '0') > max) { refuse(); return; }
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

const tooLarge = (max: number) => new GatewayAnswer(413, 'payload_too_large', `the body exceeds ${max} bytes`, { connection: 'close' });

/** Maps a payload-2.0 handler result to the HTTP response, with API Gateway's inference rules. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2<unknown>, requestId: string, method: string): void {
  const base = { 'apigw-requestid': requestId };
  if (typeof result === 'string') {
    sendRaw(res, 200, { 'content-type': 'application/json', ...base }, Buffer.from(result), method);
    return;
  }
  if (!result || typeof result !== 'object' || !('statusCode' in result) || result.statusCode === undefined) {
    // No statusCode: API Gateway takes the whole returned value as a JSON body with 200.
    sendRaw(res, 200, { 'content-type': 'application/json', ...base }, Buffer.from(JSON.stringify(result ?? null)), method);
    return;
  }
  const r = result as Exclude<APIGatewayProxyResultV2, string>;
  const headers: Record<string, string | string[]> = { ...base };
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length && !headers['content-type']) headers['content-type'] = 'application/json';
  sendRaw(res, r.statusCode ?? 200, headers, body, method);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent) { res.end(); return; }
  sendRaw(res, status, { 'content-type': 'application/json', ...headers }, Buffer.from(JSON.stringify(body)), 'GET');
}

function sendRaw(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: Buffer, method: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(method === 'HEAD' ? undefined : body);
}

function describe(e: unknown): Record<string, unknown> {
  return e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { value: String(e) };
}
