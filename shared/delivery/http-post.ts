/**
 * One delivery attempt of a webhook: a POST that counts as delivered on a 2xx answer within the
 * deadline, and as a failed attempt on anything else, reported in a few words and never thrown.
 *
 * The URL is a customer's, so the request must never reach anything but the public internet
 * (server-side request forgery). The host is resolved by our own `lookup`, which refuses the
 * connection when ANY address the name resolves to is not public, and hands the socket exactly the
 * addresses it checked: nothing resolves the name a second time, so a DNS answer that changes
 * between check and connect (rebinding) changes nothing. TLS still verifies the certificate against,
 * and sends SNI for, the host name. Redirects are not followed (a 3xx is a failed attempt): following
 * one would send the signed body to a place nobody checked.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { classifyAddress, describeAddressClass, isIpAddress } from '../domain/ip-address';
import { checkWebhookUrl } from '../domain/webhook-url';

/** The deadline of an attempt, connection and answer together (docs: "a 2xx answer within 10 s"). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** How much of an answer's body is read (then dropped): enough to let a receiver finish its write. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** Sent with every delivery, so a receiver's logs say who called. */
export const USER_AGENT = 'paygo-webhooks/1.0';

/** Resolves a host name to every address it has (`dns.lookup` with `all: true` by default). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

/** One delivery attempt. */
export interface PostWebhookInput {
  url: string;
  /** The signature headers (and any other); `content-type`, `user-agent` and `content-length` are set here. */
  headers: Readonly<Record<string, string>>;
  /** The exact text signed. */
  body: string;
  timeoutMs?: number;
  /** The twin's setting: loopback addresses (and `http://` to them) are allowed. Off on AWS. */
  allowLoopback: boolean;
  /** For tests: how host names resolve. */
  lookup?: ResolveHost;
  /** For tests: the certificates to trust instead of the system's. */
  ca?: string | Buffer;
}

/** What an attempt came to; `error` is a few words for people, set whenever `ok` is false. */
export interface PostWebhookResult {
  ok: boolean;
  /** The answer's status, null when there was none (refused, timed out, no connection). */
  status: number | null;
  error?: string;
  durationMs: number;
  /** The address connected to, when a connection was made. */
  address?: string;
  /** A 429's or 503's Retry-After in seconds, when it asks for at most an hour. */
  retryAfterSec?: number;
}

/**
 * A Retry-After header (seconds, or an HTTP date) as whole seconds from `nowMs`, when it asks for at
 * most an hour (docs/api.md); null otherwise: a longer or unreadable one leaves the schedule as it is.
 */
export function retryAfterSeconds(header: string | undefined, nowMs: number): number | null {
  if (header === undefined) return null;
  const text = header.trim();
  const seconds = /^\d{1,10}$/.test(text) ? Number(text) : (Number.isFinite(Date.parse(text)) ? Math.ceil((Date.parse(text) - nowMs) / 1000) : NaN);
  return Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= 3600 ? seconds : null;
}

const defaultResolve: ResolveHost = (hostname) => dns.lookup(hostname, { all: true });

/** An error whose message is already what the result says. */
class AttemptFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttemptFailed';
  }
}

/** Why `address` may not be connected to, or null when it may. */
function refusal(address: string, allowLoopback: boolean): string | null {
  const cls = classifyAddress(address);
  if (cls === 'public' || (cls === 'loopback' && allowLoopback)) return null;
  return `refused: ${address} is ${describeAddressClass(cls)}`;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves with `resolve`, refuses the connection (an error, before
 * any socket is opened) unless every address is allowed, and answers with exactly the addresses it
 * checked. Answers in both shapes `net` asks for: a list with `all` (when it tries several addresses,
 * as Node 20+ does by default) and one address without.
 */
function guardedLookup(resolve: ResolveHost, allowLoopback: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then((found) => {
      const addresses = found.filter((a) => !options.family || a.family === options.family);
      if (addresses.length === 0) throw new AttemptFailed(`host ${hostname} not found`);
      for (const a of addresses) {
        const refused = refusal(a.address, allowLoopback);
        if (refused) throw new AttemptFailed(refused);
      }
      if (options.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }).catch((e: NodeJS.ErrnoException) => callback(e, ''));
  };
}

/** A Node error's code, looking inside the AggregateError that trying several addresses gives. */
function codeOf(e: unknown): string | undefined {
  if (e instanceof AggregateError && e.errors.length > 0) return codeOf(e.errors[0]);
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** A failed connection or request in a few words. */
function describeError(e: unknown, hostname: string): string {
  if (e instanceof AttemptFailed) return e.message;
  const code = codeOf(e);
  if (code === 'ENOTFOUND') return `host ${hostname} not found`;
  if (code && NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  if (code && /CERT|ALTNAME|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return `TLS certificate not accepted (${code})`;
  if (code && /SSL|TLS/.test(code)) return `TLS handshake failed (${code})`;
  const message = e instanceof Error ? e.message : String(e);
  return message === 'socket hang up' ? 'connection closed without an answer' : `request failed: ${code ?? message}`.slice(0, 200);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The verdict on an answer's status. */
function verdict(status: number): Pick<PostWebhookResult, 'ok' | 'error'> {
  if (status >= 200 && status <= 299) return { ok: true };
  if (status >= 300 && status <= 399) return { ok: false, error: `redirect (${status}) not followed` };
  return { ok: false, error: `answered ${status}` };
}

/**
 * What is wrong with the URL before any connection: an IP address host that may not be reached, or
 * what the registration check says (a URL registered under older rules is held to today's).
 */
function urlRefusal(url: string, allowLoopback: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'refused: not an absolute URL';
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  // `net` does not call `lookup` for an IP address, so an address host is checked here.
  if (isIpAddress(host)) {
    const refused = refusal(host, allowLoopback);
    if (refused) return refused;
  }
  const checked = checkWebhookUrl(url, { allowLoopbackHttp: allowLoopback });
  return checked.ok ? null : `refused: ${checked.problems.join('; ')}`;
}

/**
 * Delivers one attempt: POSTs `body` to `url` with `headers`, and resolves (never rejects) with
 * `ok` true only on a 2xx answer within `timeoutMs`. Refused addresses, timeouts, connection and TLS
 * errors and non-2xx answers are `ok: false` with a short `error`. At most 64 KB of the answer's body
 * is read, then the connection is closed; nothing of it is kept.
 */
export function postWebhook(input: PostWebhookInput): Promise<PostWebhookResult> {
  const started = performance.now();
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const elapsed = () => Math.round(performance.now() - started);
  const refused = urlRefusal(input.url, input.allowLoopback);
  if (refused) return Promise.resolve({ ok: false, status: null, error: refused, durationMs: elapsed() });

  const url = new URL(input.url);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let status: number | null = null;
    let retryAfterSec: number | undefined;
    let address: string | undefined;
    let request: http.ClientRequest | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: Pick<PostWebhookResult, 'ok' | 'error'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request?.destroy();
      resolve({ ...outcome, status, durationMs: elapsed(), ...(address ? { address } : {}), ...(retryAfterSec !== undefined ? { retryAfterSec } : {}) });
    };

    try {
      request = transport.request(url, {
        method: 'POST',
        headers: {
          ...input.headers,
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'content-length': Buffer.byteLength(input.body, 'utf8'),
        },
        agent: false, // a fresh connection per attempt: a pooled socket would skip the lookup's check
        lookup: guardedLookup(input.lookup ?? defaultResolve, input.allowLoopback),
        ...(input.ca ? { ca: input.ca } : {}),
      });
    } catch (e) {
      // A header Node refuses (a newline in a value, say): the attempt fails like any other.
      finish({ ok: false, error: `request not sent: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200) });
      return;
    }
    // Once the status is in, the deadline only cuts the reading of the body short.
    deadline = setTimeout(() => finish(status === null ? { ok: false, error: `timeout after ${seconds(timeoutMs)}` } : verdict(status)), timeoutMs);

    request.on('socket', (socket) => socket.once('connect', () => { address = socket.remoteAddress; }));
    request.on('response', (response) => {
      status = response.statusCode ?? null;
      address ??= response.socket.remoteAddress;
      if (status === 429 || status === 503) retryAfterSec = retryAfterSeconds(response.headers['retry-after'], Date.now()) ?? undefined;
      const done = () => finish(status === null ? { ok: false, error: 'answer without a status' } : verdict(status));
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_RESPONSE_BYTES) done();
      });
      // 'close' also comes when the receiver hangs up mid-body: the status is what counts.
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('error', (e) => finish({ ok: false, error: describeError(e, url.hostname) }));
    request.end(input.body);
  });
}
