/**
 * The format of a webhook signing secret (Standard Webhooks, symmetric scheme): `whsec_` followed by
 * the standard base64 of 24 to 64 random bytes. Only the format lives here; making and using secrets
 * (random bytes, HMAC) is shared/delivery/signature.ts, because the domain imports nothing impure.
 */
import * as z from 'zod';

/** What every signing secret starts with, so people and secret scanners recognise one. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The specification's bounds on the key, in bytes (192 to 512 bits). */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// Padded standard base64 only: the receivers' libraries decode that form, and one spelling per key
// means a secret can be compared and logged (as a prefix) without ambiguity.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The number of bytes a well-formed padded base64 text decodes to. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/**
 * True when the bits the last character carries beyond the data are zero. Without this, four
 * different texts would decode to the same key (`...A=` and `...B=`), and the text would stop being
 * the one spelling of the key.
 */
function unusedBitsAreZero(base64: string): boolean {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  if (padding === 0) return true;
  const last = BASE64_ALPHABET.indexOf(base64[base64.length - 1 - padding]!);
  return (last & (padding === 2 ? 0b1111 : 0b11)) === 0;
}

/**
 * Why `text` is not a signing secret, or null when it is one: `whsec_` + canonical padded standard
 * base64 of 24 to 64 bytes. The message never repeats the text (it is a secret).
 */
export function webhookSecretProblem(text: string): string | null {
  if (!text.startsWith(WEBHOOK_SECRET_PREFIX)) return `a webhook secret starts with ${WEBHOOK_SECRET_PREFIX}`;
  const encoded = text.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || !unusedBitsAreZero(encoded)) {
    return `a webhook secret is ${WEBHOOK_SECRET_PREFIX} followed by padded standard base64 (A-Z a-z 0-9 + /)`;
  }
  const bytes = decodedLength(encoded);
  if (bytes < WEBHOOK_SECRET_MIN_BYTES || bytes > WEBHOOK_SECRET_MAX_BYTES) {
    return `a webhook secret holds ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} bytes, this one ${bytes}`;
  }
  return null;
}

/** A signing secret as text, checked with {@link webhookSecretProblem}. */
export const WebhookSecret = z.string().superRefine((text, ctx) => {
  const problem = webhookSecretProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}).meta({ description: 'whsec_ + base64 of 24 to 64 random bytes; shown once, when made' });
