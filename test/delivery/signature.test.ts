/**
 * Webhook signatures (shared/delivery/signature.ts) as any Standard Webhooks receiver checks them:
 * the specification's own test vectors, and the reference JavaScript library (`standardwebhooks`,
 * an implementation that shares no code with ours) verifying the headers we send.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import {
  InvalidWebhookSecret, newWebhookSecret, sign, signatureHeaders, verifySignature, webhookSecretKey,
} from '../../shared/delivery/signature';
import { webhookSecretProblem } from '../../shared/domain/webhook-secret';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('the specification\'s test vectors', () => {
  // From standard-webhooks/standard-webhooks: libraries/{javascript,python,go}'s "sign function works"
  // and libraries/rust's test_sign.
  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='],
    ['whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', 'msg_27UH4WbU6Z5A5EzD8u03UvzRbpk', 1649367553, '{"email":"test@example.com","username":"test_user"}', 'v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw='],
  ])('%s signs %s at %i as the specification says', (secret, id, timestamp, body, expected) => {
    expect(sign(id, timestamp, body, secret)).toBe(expected);
    expect(signatureHeaders({ id, timestamp, body, secret })).toEqual({
      'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': expected,
    });
    expect(verifySignature({ headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': expected }, body, secret, nowSeconds: timestamp })).toEqual({ ok: true, id, timestamp });
  });
});

describe('the reference library verifies what we sign', () => {
  it('accepts our headers for a fresh secret and a JSON body', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ eventId: 'evt_01', type: 'BalanceLow', detail: { projectId: 'p1', balance: 950 } });
    const headers = signatureHeaders({ id: 'evt_01', timestamp: nowSeconds(), body, secret });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('refuses them for another body, another id or another secret (so its acceptance means something)', () => {
    const secret = newWebhookSecret();
    const body = '{"a":1}';
    const headers = signatureHeaders({ id: 'evt_02', timestamp: nowSeconds(), body, secret });
    expect(() => new Webhook(secret).verify('{"a":2}', { ...headers })).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_03' })).toThrow(/No matching signature/);
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow(/No matching signature/);
  });

  it('accepts each secret of a rotation: two signatures, space separated', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"rotating":true}';
    const headers = signatureHeaders({ id: 'evt_04', timestamp: nowSeconds(), body, secret: [current, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual({ rotating: true });
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual({ rotating: true });
  });

  it('agrees on any JSON body, Unicode included, and any id (property)', () => {
    const secret = newWebhookSecret();
    const lib = new Webhook(secret);
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
    fc.assert(fc.property(fc.jsonValue(), fc.string({ unit: 'grapheme', maxLength: 50 }), id, (value, text, eventId) => {
      const body = JSON.stringify({ value, text });
      const headers = signatureHeaders({ id: eventId, timestamp: nowSeconds(), body, secret });
      expect(lib.verify(body, { ...headers })).toEqual(JSON.parse(body));
      expect(verifySignature({ headers: { ...headers }, body, secret, nowSeconds: nowSeconds() }).ok).toBe(true);
    }), { numRuns: 200 });
  });
});

describe('newWebhookSecret', () => {
  it('is whsec_ + base64 of 32 random bytes, never the same twice', () => {
    const secrets = Array.from({ length: 50 }, newWebhookSecret);
    for (const s of secrets) {
      expect(webhookSecretProblem(s)).toBeNull();
      expect(webhookSecretKey(s)).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(50);
  });
});

describe('verifySignature', () => {
  const secret = newWebhookSecret();
  const body = '{"eventId":"evt_9"}';
  const t = 1_760_000_000;
  const headers = signatureHeaders({ id: 'evt_9', timestamp: t, body, secret });
  const verify = (h: Record<string, string | string[] | undefined>, over: Partial<{ body: string; now: number; tolerance: number }> = {}) =>
    verifySignature({ headers: h, body: over.body ?? body, secret, nowSeconds: over.now ?? t, ...(over.tolerance ? { toleranceSeconds: over.tolerance } : {}) });

  it('accepts its own signature, whatever the case of the header names', () => {
    expect(verify(headers)).toEqual({ ok: true, id: 'evt_9', timestamp: t });
    expect(verify({ 'Webhook-Id': headers['webhook-id'], 'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'], 'Webhook-Signature': headers['webhook-signature'] }).ok).toBe(true);
  });

  it('refuses a changed body, id or timestamp', () => {
    expect(verify(headers, { body: '{"eventId":"evt_9" }' })).toEqual({ ok: false, reason: 'no signature matches' });
    expect(verify({ ...headers, 'webhook-id': 'evt_8' }).ok).toBe(false);
    expect(verify({ ...headers, 'webhook-timestamp': String(t + 1) }, { now: t }).ok).toBe(false);
  });

  it('refuses a timestamp outside the tolerance, either way, and accepts one at its edge', () => {
    expect(verify(headers, { now: t + 300 }).ok).toBe(true);
    expect(verify(headers, { now: t - 300 }).ok).toBe(true);
    expect(verify(headers, { now: t + 301 })).toEqual({ ok: false, reason: 'webhook-timestamp is more than 300 s from now' });
    expect(verify(headers, { now: t - 301 }).ok).toBe(false);
    expect(verify(headers, { now: t + 3600, tolerance: 3600 }).ok).toBe(true);
    expect(verify({ ...headers, 'webhook-timestamp': `${t}.0` }).ok).toBe(false);
    expect(verify({ ...headers, 'webhook-timestamp': `-${t}` }).ok).toBe(false);
  });

  it('accepts any one valid v1 signature among several, and skips other schemes', () => {
    const mine = headers['webhook-signature'];
    const other = sign('evt_9', t, body, newWebhookSecret());
    expect(verify({ ...headers, 'webhook-signature': `${other} v1a,${mine.slice(3)} ${mine}` }).ok).toBe(true);
    expect(verify({ ...headers, 'webhook-signature': `v1a,${mine.slice(3)} v2,${mine.slice(3)} ${other}` }).ok).toBe(false);
  });

  it('refuses a signature that decodes to ours but is not spelled as ours', () => {
    const mine = headers['webhook-signature'];
    expect(verify({ ...headers, 'webhook-signature': `${mine}!!` }).ok).toBe(false);
    expect(verify({ ...headers, 'webhook-signature': mine.replace(/=$/, '') }).ok).toBe(false);
    expect(verify({ ...headers, 'webhook-signature': `${mine},x` }).ok).toBe(false);
    expect(verify({ ...headers, 'webhook-signature': 'v1,' }).ok).toBe(false);
  });

  it('refuses missing or repeated headers', () => {
    expect(verify({ ...headers, 'webhook-signature': undefined })).toEqual({ ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' });
    expect(verify({ ...headers, 'webhook-id': [headers['webhook-id'], 'evt_x'] }).ok).toBe(false);
  });
});

describe('bad input to signing', () => {
  it('refuses a malformed secret without repeating it', () => {
    const secret = 'whsec_' + Buffer.alloc(16, 9).toString('base64');
    let thrown: unknown;
    try { sign('evt_1', 1, '{}', secret); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(InvalidWebhookSecret);
    expect((thrown as Error).message).toMatch(/24 to 64 bytes, this one 16/);
    expect((thrown as Error).message).not.toContain(secret.slice(6));
    expect(() => signatureHeaders({ id: 'evt_1', timestamp: 1, body: '{}', secret: [] })).toThrow(InvalidWebhookSecret);
  });

  it('refuses an id that could shift the signed text, and a timestamp that is not whole seconds', () => {
    const secret = newWebhookSecret();
    for (const id of ['', 'evt.1', 'evt 1', 'evt,1']) expect(() => sign(id, 1, '{}', secret), id).toThrow(/webhook id/);
    for (const ts of [1.5, -1, Number.NaN, 2 ** 53]) expect(() => sign('evt', ts, '{}', secret), String(ts)).toThrow(/Unix seconds/);
  });
});
