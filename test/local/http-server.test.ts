/**
 * The twin's HTTP layer with recording handlers: the events it builds have API Gateway's payload-2.0
 * shape, the authorizer runs first and its context reaches the route, and the gateway's own answers
 * (404, 405, 401, 403, 413, 500, and 503 for a function past its time limit) carry docs/api.md's error body
 * and never a stack trace.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../local/http-server';
import type { LambdaHandler } from '../../local/lambda';
import type { RouteDefinition } from '../../shared/http/routes';

const routes: RouteDefinition[] = [
  { method: 'GET', path: '/health', name: 'GetHealth', entry: 'health', auth: false, tables: {} },
  { method: 'GET', path: '/projects/{projectId}', name: 'GetProject', entry: 'echo', auth: true, tables: {} },
  { method: 'POST', path: '/projects/{projectId}/payments', name: 'CreatePayment', entry: 'echo', auth: true, tables: {} },
  { method: 'DELETE', path: '/projects/{projectId}/numbers/{number}', name: 'RemoveNumber', entry: 'echo', auth: true, tables: {} },
  { method: 'GET', path: '/boom', name: 'Boom', entry: 'boom', auth: false, tables: {} },
  { method: 'GET', path: '/shapes/{kind}', name: 'Shapes', entry: 'shapes', auth: false, tables: {} },
];

let events: APIGatewayProxyEventV2[] = [];
let authEvents: APIGatewayRequestAuthorizerEventV2[] = [];
let authAnswer: unknown = { isAuthorized: true, context: { role: 'admin', apiKeyId: 'ak_1' } };

const handlers: Record<string, LambdaHandler> = {
  health: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' }),
  echo: async (e) => {
    events.push(e as APIGatewayProxyEventV2);
    return { statusCode: 201, body: JSON.stringify({ ok: true }), cookies: ['a=1', 'b=2'] };
  },
  boom: async () => { throw new Error('secret internals at /work/main/x.ts:1'); },
  shapes: async (e) => {
    const kind = (e as APIGatewayProxyEventV2).pathParameters?.kind;
    if (kind === 'string') return 'just a string';
    if (kind === 'object') return { any: 'object' };
    return { statusCode: 200, isBase64Encoded: true, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2]).toString('base64') };
  },
  authorizer: async (e) => {
    authEvents.push(e as APIGatewayRequestAuthorizerEventV2);
    if (authAnswer instanceof Error) throw authAnswer;
    return authAnswer;
  },
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createHttpServer({
    routes,
    authorizerEntry: 'authorizer',
    maxBodyBytes: 1024,
    load: async (entry) => handlers[entry]!,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((r) => server.close(r)); });
beforeEach(() => {
  events = [];
  authEvents = [];
  authAnswer = { isAuthorized: true, context: { role: 'admin', apiKeyId: 'ak_1' } };
});

const errorBody = expect.objectContaining({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });

describe('events', () => {
  it('builds a payload-2.0 event with the authorizer context, params, query and body', async () => {
    const res = await fetch(`${base}/projects/p%201/payments?a=1&b=x%2By&a=2&c=1+2`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json', 'X-Custom': 'v', cookie: 'c1=v1; c2=v2' },
      body: JSON.stringify({ paymentId: 'pay-1', amount: 100 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(events).toHaveLength(1);
    const e = events[0]! as APIGatewayProxyEventV2 & { requestContext: { authorizer?: { lambda?: unknown } } };
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: 'POST /projects/{projectId}/payments',
      rawPath: '/projects/p%201/payments',
      rawQueryString: 'a=1&b=x%2By&a=2&c=1+2',
      // Repeats joined with commas; `+` is a space and %2B a plus, as API Gateway decodes them.
      queryStringParameters: { a: '1,2', b: 'x+y', c: '1 2' },
      pathParameters: { projectId: 'p 1' },
      body: '{"paymentId":"pay-1","amount":100}',
      isBase64Encoded: false,
      cookies: ['c1=v1', 'c2=v2'],
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        stage: '$default',
        routeKey: 'POST /projects/{projectId}/payments',
        requestId: res.headers.get('apigw-requestid'),
        http: { method: 'POST', path: '/projects/p%201/payments', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        authorizer: { lambda: { role: 'admin', apiKeyId: 'ak_1' } },
      },
    });
    expect(e.headers['x-custom']).toBe('v');
    expect(e.headers.cookie).toBeUndefined();
    expect(e.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(e.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    // The authorizer saw the identity source and the route.
    expect(authEvents[0]).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      identitySource: ['Bearer k1'],
      routeKey: 'POST /projects/{projectId}/payments',
      routeArn: 'arn:aws:execute-api:local:local:local/$default/POST/projects/p%201/payments',
      pathParameters: { projectId: 'p 1' },
    });
  });

  it('base64-encodes a body that is not text', async () => {
    await fetch(`${base}/projects/p1/payments`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0xff, 0x00, 0x10]),
    });
    expect(events[0]).toMatchObject({ body: Buffer.from([0xff, 0x00, 0x10]).toString('base64'), isBase64Encoded: true });
  });

  it('passes a GET without body, query or cookies without those fields', async () => {
    await fetch(`${base}/projects/p1`, { headers: { authorization: 'Bearer k1' } });
    const e = events[0]!;
    expect(e.body).toBeUndefined();
    expect(e.queryStringParameters).toBeUndefined();
    expect(e.cookies).toBeUndefined();
    expect(e.isBase64Encoded).toBe(false);
  });

  it('maps string, statusless and base64 handler results the way API Gateway does', async () => {
    const s = await fetch(`${base}/shapes/string`);
    expect([s.status, s.headers.get('content-type'), await s.text()]).toEqual([200, 'application/json', 'just a string']);
    const o = await fetch(`${base}/shapes/object`);
    expect([o.status, await o.json()]).toEqual([200, { any: 'object' }]);
    const b = await fetch(`${base}/shapes/binary`);
    expect(Buffer.from(await b.arrayBuffer())).toEqual(Buffer.from([0, 1, 2]));
  });
});

describe('gateway answers', () => {
  it('404 with the error body for an unknown path, without calling anything', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.stringContaining('/nope') } });
  });

  it('405 with Allow for a known path and another method', async () => {
    const res = await fetch(`${base}/projects/p1`, { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
  });

  it('401 without an Authorization header; the authorizer is not called', async () => {
    const res = await fetch(`${base}/projects/p1`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(authEvents).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('403 when the authorizer denies; 500 without internals when it throws', async () => {
    authAnswer = { isAuthorized: false };
    const denied = await fetch(`${base}/projects/p1`, { headers: { authorization: 'Bearer k' } });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual(errorBody);
    authAnswer = new Error('db down at /work/main/shared/store/x.ts');
    const failed = await fetch(`${base}/projects/p1`, { headers: { authorization: 'Bearer k' } });
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(JSON.parse(text)).toEqual(errorBody);
    expect(text).not.toMatch(/work\/main|db down/);
    expect(events).toHaveLength(0);
  });

  it('an empty authorizer context reaches the route as an empty lambda context (the route answers 401)', async () => {
    authAnswer = { isAuthorized: true, context: {} };
    await fetch(`${base}/projects/p1`, { headers: { authorization: 'Bearer unknown' } });
    expect(events[0]!.requestContext).toMatchObject({ authorizer: { lambda: {} } });
  });

  it('calls the authorizer on every request (no cache by default)', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${base}/projects/p1`, { headers: { authorization: 'Bearer k1' } });
    expect(authEvents).toHaveLength(3);
  });

  it('413 for a body above the limit, before any handler runs', async () => {
    const res = await fetch(`${base}/projects/p1/payments`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: 'x'.repeat(2048),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(authEvents).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('500 with the request id and no stack trace when a handler throws', async () => {
    const res = await fetch(`${base}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: expect.stringContaining(res.headers.get('apigw-requestid')!) } });
    expect(text).not.toMatch(/secret|x\.ts|at /);
  });
});

describe('function time limit', () => {
  it('answers 503 with Retry-After and the error body when the handler runs past it; a late answer is dropped', async () => {
    let finish: (() => void) | undefined;
    let remainingAtStart = Number.NaN;
    let calls = 0;
    const slowRoutes: RouteDefinition[] = [{ method: 'POST', path: '/usage', name: 'PostUsage', entry: 'slow', auth: false, tables: {} }];
    const slow = createHttpServer({
      routes: slowRoutes,
      functionTimeoutMs: 200,
      load: async () => async (_event: unknown, context: Context) => {
        // Only the first call is slow.
        if (calls++ === 0) {
          remainingAtStart = context.getRemainingTimeInMillis();
          await new Promise<void>((r) => { finish = r; });
        }
        return { statusCode: 202, body: '{"accepted":1,"duplicates":0}' };
      },
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/usage`;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await res.json()).toEqual({ error: { code: 'timeout', message: expect.stringContaining('send the same request again') } });
      // The handler saw the same limit in its context.
      expect(remainingAtStart).toBeGreaterThan(0);
      expect(remainingAtStart).toBeLessThanOrEqual(200);
      // The slow call answers after all: dropped, and the server takes the next request as usual.
      finish!();
      const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(again.status).toBe(202);
    } finally {
      finish?.();
      await new Promise((r) => slow.close(r));
    }
  });

  it('a handler that answers in time is not affected', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('retry-after')).toBeNull();
  });
});

describe('authorizer cache', () => {
  it('reuses an answer for the same header within the TTL only', async () => {
    let now = 1_000_000;
    const cached = createHttpServer({ routes, authorizerEntry: 'authorizer', authorizerCacheTtlMs: 60_000, now: () => now, load: async (e) => handlers[e]! });
    await new Promise<void>((r) => cached.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(cached.address() as AddressInfo).port}/projects/p1`;
    try {
      await fetch(url, { headers: { authorization: 'Bearer k1' } });
      await fetch(url, { headers: { authorization: 'Bearer k1' } });
      expect(authEvents).toHaveLength(1);
      await fetch(url, { headers: { authorization: 'Bearer k2' } });
      expect(authEvents).toHaveLength(2);
      now += 60_000;
      await fetch(url, { headers: { authorization: 'Bearer k1' } });
      expect(authEvents).toHaveLength(3);
    } finally {
      await new Promise((r) => cached.close(r));
    }
  });
});
