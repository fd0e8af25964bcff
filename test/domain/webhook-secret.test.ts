/**
 * The format of a webhook signing secret (shared/domain/webhook-secret.ts): `whsec_` + canonical
 * padded standard base64 of 24 to 64 bytes, refused otherwise with a message that never repeats it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WebhookSecret, webhookSecretProblem } from '../../shared/domain/webhook-secret';

const b64 = (bytes: number, fill = 7) => Buffer.alloc(bytes, fill).toString('base64');

describe('webhook secret format', () => {
  it('accepts the specification\'s example secrets and 24 to 64 bytes in padded base64', () => {
    expect(webhookSecretProblem('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeNull();
    expect(webhookSecretProblem('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD')).toBeNull();
    for (const n of [24, 25, 26, 32, 63, 64]) expect(webhookSecretProblem(`whsec_${b64(n)}`), String(n)).toBeNull();
  });

  it.each([
    ['', /starts with whsec_/],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', /starts with whsec_/],
    ['WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', /starts with whsec_/],
    ['whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', /starts with whsec_/],
    ['whsec_', /holds 24 to 64 bytes, this one 0/],
    [`whsec_${b64(23)}`, /this one 23/],
    [`whsec_${b64(65)}`, /this one 65/],
    [`whsec_${b64(32).replace(/=$/, '')}`, /padded standard base64/],
    [`whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`, /padded standard base64/],
    [`whsec_${b64(32)} `, /padded standard base64/],
    [`whsec_${b64(32).slice(0, 20)}\n${b64(32).slice(20)}`, /padded standard base64/],
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx=', /padded standard base64/],
  ])('refuses %j', (secret, problem) => {
    expect(webhookSecretProblem(secret)).toMatch(problem);
  });

  it('refuses a spelling whose unused bits are set: one text per key', () => {
    const canonical = b64(32, 0); // 43 characters of A, then =: the last A carries 2 unused bits
    expect(webhookSecretProblem(`whsec_${canonical}`)).toBeNull();
    expect(webhookSecretProblem(`whsec_${canonical.replace(/A=$/, 'B=')}`)).toMatch(/padded standard base64/);
    expect(webhookSecretProblem(`whsec_${b64(25, 0).replace(/A==$/, 'Q==')}`)).toBeNull(); // Q = 010000: its 4 unused bits are 0
    expect(webhookSecretProblem(`whsec_${b64(25, 0).replace(/A==$/, 'B==')}`)).toMatch(/padded standard base64/);
  });

  it('accepts exactly what Buffer writes back unchanged (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 4, unit: 'binary-ascii' }), fc.nat(), (bytes, noise, at) => {
      const good = Buffer.from(bytes).toString('base64');
      expect(webhookSecretProblem(`whsec_${good}`)).toBeNull();
      const i = at % (good.length + 1);
      const bad = good.slice(0, i) + noise + good.slice(i);
      const roundTrips = Buffer.from(bad, 'base64').toString('base64') === bad;
      const length = Buffer.from(bad, 'base64').length;
      expect(webhookSecretProblem(`whsec_${bad}`) === null, bad).toBe(roundTrips && /^[A-Za-z0-9+/=]*$/.test(bad) && length >= 24 && length <= 64);
    }));
  });

  it('never repeats the secret in its message', () => {
    const secret = `whsec_${b64(16)}`;
    const r = WebhookSecret.safeParse(secret);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).not.toContain(b64(16));
  });
});
