/**
 * Signing webhooks the Standard Webhooks way (symmetric scheme): the signature is HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the bytes of the secret after `whsec_`, sent
 * as `v1,<base64>` in `webhook-signature`. Any receiver with a Standard Webhooks library verifies it
 * (test/delivery/signature.test.ts checks that with the reference JavaScript library and the
 * specification's own test vectors).
 *
 * `verifySignature` is here for our tests and for receivers written against this module (the twin's
 * examples); the service itself only signs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_SECRET_PREFIX, webhookSecretProblem } from '../domain/webhook-secret';

/** The bytes of a new secret: 256 bits, more than the specification's minimum of 192. */
const SECRET_BYTES = 32;

/** How far a receiver lets a timestamp be from its clock, by default (the reference libraries' 5 min). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** The three headers that carry a webhook's identity and signature (a type, so it fits any header record). */
export type WebhookSignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** What is signed: the event's id, the attempt's time in Unix seconds and the exact body sent. */
export interface SignatureInput {
  id: string;
  timestamp: number;
  body: string;
  /**
   * The secret, or several during a rotation (newest first): each gives one `v1,` signature, space
   * separated, and a receiver accepts the message when any of them verifies.
   */
  secret: string | readonly string[];
}

/** A secret that is not `whsec_` + base64 of 24 to 64 bytes. Never carries the secret itself. */
export class InvalidWebhookSecret extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'InvalidWebhookSecret';
  }
}

/** A new signing secret, `whsec_` + base64 of 32 random bytes: shown to its owner once. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key inside `secret`; throws {@link InvalidWebhookSecret} unless it is well formed. */
export function webhookSecretKey(secret: string): Buffer {
  const problem = webhookSecretProblem(secret);
  if (problem) throw new InvalidWebhookSecret(problem);
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}

function checkSigned(id: string, timestamp: number): void {
  // A `.` in the id would let two different (id, timestamp, body) sign the same text.
  if (id === '' || id.includes('.') || /[\s,]/.test(id)) throw new RangeError(`a webhook id is one word without . or ,: got ${JSON.stringify(id)}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`a webhook timestamp is whole Unix seconds, got ${timestamp}`);
}

function hmac(key: Buffer, id: string, timestamp: number, body: string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
}

/** `v1,<base64 HMAC>` of one message with one secret. */
export function sign(id: string, timestamp: number, body: string, secret: string): string {
  checkSigned(id, timestamp);
  return `v1,${hmac(webhookSecretKey(secret), id, timestamp, body).toString('base64')}`;
}

/**
 * The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of one delivery attempt.
 * `body` must be exactly the bytes sent (as UTF-8): the signature covers them, not the JSON value.
 */
export function signatureHeaders(input: SignatureInput): WebhookSignatureHeaders {
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0) throw new InvalidWebhookSecret('at least one webhook secret is needed to sign');
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': secrets.map((s) => sign(input.id, input.timestamp, input.body, s)).join(' '),
  };
}

/** Headers as a receiver has them: any case, possibly repeated (Node's `IncomingHttpHeaders`). */
export type ReceivedHeaders = Record<string, string | readonly string[] | undefined>;

/** What a receiver checks a message with. */
export interface VerifyInput {
  headers: ReceivedHeaders;
  body: string;
  secret: string;
  /** The receiver's clock, Unix seconds. */
  nowSeconds: number;
  toleranceSeconds?: number;
}

/** The verdict on a received message; `reason` says why it was refused. */
export type Verification = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

function header(headers: ReceivedHeaders, name: string): string | undefined {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  // Repeated, the header is ambiguous: which one was meant is exactly what an attacker would choose.
  return typeof entry === 'string' ? entry : undefined;
}

/**
 * Verifies a received webhook: the three headers present, the timestamp within `toleranceSeconds`
 * (default 5 min) of `nowSeconds` either way (so a captured message cannot be replayed later), and
 * one of the space-separated `v1,` signatures equal to ours, compared in constant time. Signatures of
 * other schemes (`v1a,`) are skipped, as the specification says. A malformed `secret` is the
 * receiver's own mistake, not the message's: it throws {@link InvalidWebhookSecret}.
 */
export function verifySignature(input: VerifyInput): Verification {
  const id = header(input.headers, 'webhook-id');
  const stamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !stamp || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^[0-9]{1,15}$/.test(stamp)) return { ok: false, reason: 'webhook-timestamp is not whole Unix seconds' };
  const timestamp = Number(stamp);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - timestamp) > tolerance) return { ok: false, reason: `webhook-timestamp is more than ${tolerance} s from now` };
  const expected = hmac(webhookSecretKey(input.secret), id, timestamp, input.body);
  const matched = signatures.split(' ').some((candidate) => {
    if (!candidate.startsWith('v1,')) return false;
    const value = candidate.slice(3);
    const given = Buffer.from(value, 'base64');
    // Buffer's decoder skips what is not base64; only the one spelling of a signature counts.
    if (given.toString('base64') !== value) return false;
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matched ? { ok: true, id, timestamp } : { ok: false, reason: 'no signature matches' };
}
