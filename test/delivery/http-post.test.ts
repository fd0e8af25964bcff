/**
 * One delivery attempt (shared/delivery/http-post.ts) against real servers on this machine: what
 * counts as delivered, what fails and how it reads, that a redirect is not followed, that the
 * deadline holds, and that no connection is ever opened to an address that is not public, whatever
 * the name resolves to, while the connection goes to exactly the address that was checked.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, postWebhook, retryAfterSeconds, USER_AGENT, type ResolveHost } from '../../shared/delivery/http-post';
import { newWebhookSecret, signatureHeaders, verifySignature } from '../../shared/delivery/signature';

// A self-signed certificate for hooks.example (and nothing else), made for these tests only.
const FIXTURES = path.join(__dirname, 'fixtures');
const CERT = fs.readFileSync(path.join(FIXTURES, 'hooks.example.crt'), 'utf8');
const KEY = fs.readFileSync(path.join(FIXTURES, 'hooks.example.key'), 'utf8');

interface Received { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; localAddress: string }

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Starts `server` on `host`, port `port` (0: any), and closes it (and its connections) after the test. */
async function listen<S extends net.Server>(server: S, host = '127.0.0.1', port = 0): Promise<{ server: S; port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => { connections++; sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  closers.push(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
  return { server, port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

/** An HTTP server that records each request and answers with `answer`. */
async function receiver(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void, host = '127.0.0.1', tls = false) {
  const received: Received[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body, localAddress: req.socket.localAddress! });
      answer(req, res);
    });
  };
  const sni: string[] = [];
  const server = tls
    ? https.createServer({ cert: CERT, key: KEY, SNICallback: (name, cb) => { sni.push(name); cb(null, undefined); } }, handler)
    : http.createServer(handler);
  const started = await listen(server, host);
  return { ...started, received, sni };
}

/** A resolver that answers `addresses` for every name and counts its calls. */
function resolvingTo(...addresses: string[]): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    return addresses.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const BODY = JSON.stringify({ eventId: 'evt_1', type: 'BalanceLow', detail: { projectId: 'p1', balance: 950 } });

describe('postWebhook', () => {
  it('delivers: a POST of the body with the signature headers, JSON and our user agent; a 200 is ok', async () => {
    const r = await receiver((_, res) => res.writeHead(200).end('thanks'));
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const result = await postWebhook({
      url: `http://127.0.0.1:${r.port}/hooks/paygo?x=1`, body: BODY, allowLoopback: true,
      headers: { ...signatureHeaders({ id: 'evt_1', timestamp: now, body: BODY, secret }) },
    });
    expect(result).toMatchObject({ ok: true, status: 200, address: '127.0.0.1' });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const [got] = r.received;
    expect(got).toMatchObject({ method: 'POST', url: '/hooks/paygo?x=1', body: BODY });
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['user-agent']).toBe(USER_AGENT);
    expect(got!.headers['content-length']).toBe(String(Buffer.byteLength(BODY)));
    expect(verifySignature({ headers: got!.headers, body: got!.body, secret, nowSeconds: now })).toMatchObject({ ok: true, id: 'evt_1' });
  });

  it('counts any 2xx as delivered, and sends a non-ASCII body byte for byte', async () => {
    const r = await receiver((_, res) => res.writeHead(204).end());
    const body = JSON.stringify({ name: 'Київ 🙂' });
    expect(await postWebhook({ url: `http://localhost:${r.port}/`, headers: {}, body, allowLoopback: true })).toMatchObject({ ok: true, status: 204 });
    expect(r.received[0]!.body).toBe(body);
    expect(r.received[0]!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('fails on a 500, with its status', async () => {
    const r = await receiver((_, res) => res.writeHead(500).end('oops'));
    expect(await postWebhook({ url: `http://127.0.0.1:${r.port}/`, headers: {}, body: BODY, allowLoopback: true }))
      .toMatchObject({ ok: false, status: 500, error: 'answered 500' });
  });

  it('does not follow a redirect: a 301 is a failed attempt, and its target sees nothing', async () => {
    const target = await receiver((_, res) => res.writeHead(200).end());
    const r = await receiver((_, res) => res.writeHead(301, { location: `http://127.0.0.1:${target.port}/elsewhere` }).end());
    expect(await postWebhook({ url: `http://127.0.0.1:${r.port}/`, headers: {}, body: BODY, allowLoopback: true }))
      .toMatchObject({ ok: false, status: 301, error: 'redirect (301) not followed' });
    expect(r.received).toHaveLength(1);
    expect(target.connections()).toBe(0);
  });

  it('gives up at the deadline when no answer comes, and says so', async () => {
    const r = await receiver(() => { /* never answers */ });
    const result = await postWebhook({ url: `http://127.0.0.1:${r.port}/`, headers: {}, body: BODY, allowLoopback: true, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, status: null, error: 'timeout after 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('counts the deadline over connection and answer together: a server that accepts and never speaks times out', async () => {
    const silent = await listen(net.createServer(() => { /* accepts, reads nothing */ }));
    const result = await postWebhook({ url: `http://127.0.0.1:${silent.port}/`, headers: {}, body: BODY, allowLoopback: true, timeoutMs: 1_000 });
    expect(result).toMatchObject({ ok: false, status: null, error: 'timeout after 1 s' });
  });

  it('a 2xx status in time is delivered even when the body then dawdles past the deadline', async () => {
    const r = await receiver((_, res) => { res.writeHead(200); res.write('partial'); /* never ends */ });
    const result = await postWebhook({ url: `http://127.0.0.1:${r.port}/`, headers: {}, body: BODY, allowLoopback: true, timeoutMs: 400 });
    expect(result).toMatchObject({ ok: true, status: 200 });
  });

  it('reads at most 64 KB of an answer, then hangs up', async () => {
    let finished = false;
    let closedEarly = false;
    const r = await receiver((_, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const pump = () => {
        while (sent < 20 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        res.end(() => { finished = true; });
      };
      res.on('close', () => { closedEarly = !finished; });
      pump();
    });
    const result = await postWebhook({ url: `http://127.0.0.1:${r.port}/`, headers: {}, body: BODY, allowLoopback: true, timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(MAX_RESPONSE_BYTES).toBe(65_536);
    await expect.poll(() => closedEarly, { timeout: 2_000 }).toBe(true);
  });

  it('reports a refused connection', async () => {
    const gone = await listen(net.createServer());
    const port = gone.port;
    await new Promise<void>((resolve) => gone.server.close(() => resolve()));
    expect(await postWebhook({ url: `http://127.0.0.1:${port}/`, headers: {}, body: BODY, allowLoopback: true }))
      .toMatchObject({ ok: false, status: null, error: 'connection refused' });
  });

  it('reports a name that does not resolve', async () => {
    const lookup: ResolveHost = async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }); };
    expect(await postWebhook({ url: 'https://hooks.example/', headers: {}, body: BODY, allowLoopback: false, lookup }))
      .toMatchObject({ ok: false, status: null, error: 'host hooks.example not found' });
  });

  it('never throws, even for a URL that is not one', async () => {
    expect(await postWebhook({ url: 'not a url', headers: {}, body: BODY, allowLoopback: false })).toMatchObject({ ok: false, status: null, error: 'refused: not an absolute URL' });
    expect(await postWebhook({ url: 'http://hooks.example.com/', headers: {}, body: BODY, allowLoopback: false })).toMatchObject({ ok: false, error: 'refused: must start with https://' });
    expect(await postWebhook({ url: 'http://127.0.0.1:9/', headers: { 'webhook-id': 'evt\r\nx: injected' }, body: BODY, allowLoopback: true }))
      .toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^request not sent: Invalid character in header content/) });
  });
});

describe('postWebhook refuses addresses that are not public, before connecting', () => {
  it('refuses loopback when loopback is not allowed: as an address, as localhost, and as what a name resolves to', async () => {
    const r = await receiver((_, res) => res.writeHead(200).end());
    expect(await postWebhook({ url: `https://127.0.0.1:${r.port}/`, headers: {}, body: BODY, allowLoopback: false }))
      .toMatchObject({ ok: false, status: null, error: 'refused: 127.0.0.1 is a loopback address' });
    expect(await postWebhook({ url: `https://localhost:${r.port}/`, headers: {}, body: BODY, allowLoopback: false }))
      .toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^refused: host localhost is this machine/) });
    const lookup = resolvingTo('127.0.0.1');
    expect(await postWebhook({ url: `https://hooks.example:${r.port}/`, headers: {}, body: BODY, allowLoopback: false, lookup }))
      .toMatchObject({ ok: false, status: null, error: 'refused: 127.0.0.1 is a loopback address' });
    expect(lookup.calls).toEqual(['hooks.example']);
    expect(r.connections()).toBe(0);
  });

  it.each([
    ['10.0.0.1', 'refused: 10.0.0.1 is a private address'],
    ['169.254.169.254', 'refused: 169.254.169.254 is a cloud metadata address'],
    ['::ffff:127.0.0.1', 'refused: ::ffff:127.0.0.1 is a loopback address'],
    ['fd00:ec2::254', 'refused: fd00:ec2::254 is a cloud metadata address'],
    ['0.0.0.0', 'refused: 0.0.0.0 is an unspecified address'],
    ['100.100.1.1', 'refused: 100.100.1.1 is a carrier-grade NAT address'],
  ])('a name resolving to %s is refused, and nothing is connected to', async (address, error) => {
    // The local server stands where a connection to a loopback spelling would land.
    const r = await listen(net.createServer());
    const lookup = resolvingTo(address);
    const result = await postWebhook({ url: `https://hooks.example:${r.port}/`, headers: {}, body: BODY, allowLoopback: false, lookup });
    expect(result).toEqual({ ok: false, status: null, error, durationMs: expect.any(Number) });
    expect(lookup.calls).toHaveLength(1);
    expect(r.connections()).toBe(0);
  });

  it('refuses a name when ANY of its addresses is not public, even if another is', async () => {
    const lookup = resolvingTo('93.184.215.14', '10.0.0.5');
    expect(await postWebhook({ url: 'https://hooks.example/', headers: {}, body: BODY, allowLoopback: false, lookup }))
      .toMatchObject({ ok: false, status: null, error: 'refused: 10.0.0.5 is a private address' });
    const onTwin = resolvingTo('127.0.0.1', '192.168.1.10');
    expect(await postWebhook({ url: 'http://localhost:1/', headers: {}, body: BODY, allowLoopback: true, lookup: onTwin }))
      .toMatchObject({ ok: false, status: null, error: 'refused: 192.168.1.10 is a private address' });
  });

  it('refuses private IP address hosts, which are never looked up', async () => {
    const lookup = resolvingTo('93.184.215.14');
    for (const [url, error] of [
      ['https://10.1.2.3/', 'refused: 10.1.2.3 is a private address'],
      ['https://[::ffff:a9fe:a9fe]/', 'refused: ::ffff:a9fe:a9fe is a cloud metadata address'],
      ['http://[fe80::1]:9/', 'refused: fe80::1 is a link-local address'],
    ] as const) {
      expect(await postWebhook({ url, headers: {}, body: BODY, allowLoopback: true, lookup }), url).toMatchObject({ ok: false, status: null, error });
    }
    expect(lookup.calls).toEqual([]);
  });
});

describe('postWebhook connects to the address it checked', () => {
  it('the connection goes to the resolved address, resolved once, while the request names the host', async () => {
    // Listening on 127.0.0.2 only: the request can arrive only if the connection used that answer.
    const r = await receiver((_, res) => res.writeHead(200).end(), '127.0.0.2');
    let calls = 0;
    // A rebinding resolver: the first answer is allowed, any later one would not be.
    const lookup: ResolveHost = async () => (calls++ === 0 ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]);
    const result = await postWebhook({ url: `http://localhost:${r.port}/h`, headers: {}, body: BODY, allowLoopback: true, lookup });
    expect(result).toMatchObject({ ok: true, status: 200, address: '127.0.0.2' });
    expect(calls).toBe(1);
    expect(r.received[0]).toMatchObject({ localAddress: '127.0.0.2', url: '/h' });
    expect(r.received[0]!.headers.host).toBe(`localhost:${r.port}`);
  });

  it('over TLS: pinned to the checked address, with SNI and the certificate checked against the host name', async () => {
    const r = await receiver((_, res) => res.writeHead(200).end(), '127.0.0.2', true);
    const lookup = resolvingTo('127.0.0.2');
    const result = await postWebhook({ url: `https://hooks.example:${r.port}/tls`, headers: {}, body: BODY, allowLoopback: true, lookup, ca: CERT });
    expect(result).toMatchObject({ ok: true, status: 200, address: '127.0.0.2' });
    expect(r.sni).toEqual(['hooks.example']);
    expect(r.received[0]!.headers.host).toBe(`hooks.example:${r.port}`);
  });

  it('over TLS: a certificate for another name, or one nobody vouches for, is a failed attempt', async () => {
    const r = await receiver((_, res) => res.writeHead(200).end(), '127.0.0.1', true);
    const wrongName = await postWebhook({ url: `https://other.example:${r.port}/`, headers: {}, body: BODY, allowLoopback: true, lookup: resolvingTo('127.0.0.1'), ca: CERT });
    expect(wrongName).toMatchObject({ ok: false, status: null, error: 'TLS certificate not accepted (ERR_TLS_CERT_ALTNAME_INVALID)' });
    const untrusted = await postWebhook({ url: `https://hooks.example:${r.port}/`, headers: {}, body: BODY, allowLoopback: true, lookup: resolvingTo('127.0.0.1') });
    expect(untrusted).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^TLS certificate not accepted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)$/) });
    expect(r.received).toHaveLength(0);
  });
});

describe('Retry-After (issue 19 §7)', () => {
  it('reads seconds or an HTTP date, up to an hour; anything else leaves the schedule', () => {
    const now = Date.parse('2026-03-10T10:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('3600', now)).toBe(3600);
    expect(retryAfterSeconds('3601', now)).toBeNull();
    expect(retryAfterSeconds('Tue, 10 Mar 2026 10:10:00 GMT', now)).toBe(600);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(undefined, now)).toBeNull();
  });
});
