/**
 * Every create takes an Idempotency-Key (issue 19 §4): through the real authorizer and handlers, the
 * same key and body again answers the first answer (status too) and creates nothing; another body is
 * 409 idempotency_conflict. The webhook limit holds under concurrent creates, and redelivery is
 * limited to 10 requests per webhook per hour.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { API, type RouteKey } from '../../shared/http/routes';
import { billingEnv } from '../support/billing';
import { callApi, type ApiAnswer } from './api';
import { pricesBody } from './fuzz-cases';
import { snapshotTables, diffSnapshots } from './snapshot';
import { makeWorld, type World } from './world';

let w: World;

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
  w = await makeWorld('idempotency');
});

/** The creates docs/api.md lists, each with a request and another body for the same key. */
function creates(): { key: RouteKey; path: string; body: object; other: object; id: (a: ApiAnswer) => string }[] {
  return [
    { key: 'POST /projects', path: '/projects', body: { name: 'idem project' }, other: { name: 'idem project 2' }, id: (a) => a.body.projectId },
    { key: 'POST /api-keys', path: '/api-keys', body: { role: 'telephony' }, other: { role: 'admin' }, id: (a) => a.body.apiKeyId },
    { key: 'POST /plans', path: '/plans', body: { planId: 'idem-plan', name: 'Idem', currency: 'UAH', ...pricesBody() }, other: { planId: 'idem-plan-2', name: 'Idem', currency: 'UAH', ...pricesBody() }, id: (a) => a.body.planId },
    { key: 'POST /plans/{planId}/versions', path: '/plans/standard/versions', body: { effectiveFrom: '2026-07-01', ...pricesBody() }, other: { effectiveFrom: '2026-08-01', ...pricesBody() }, id: (a) => String(a.body.version) },
    { key: 'POST /projects/{projectId}/webhooks', path: '', body: { url: 'https://hooks.example.com/idem' }, other: { url: 'https://hooks.example.com/other' }, id: (a) => a.body.webhookId },
  ];
}

describe('Idempotency-Key on every create', () => {
  it('is declared on each create route docs/api.md lists', () => {
    for (const c of creates()) expect((API[c.key] as { idempotent?: boolean }).idempotent, c.key).toBe(true);
  });

  it.each(creates().map((c) => [c.key, c] as const))('%s: a repeat answers the first answer and creates nothing; another body is a 409', async (_, c) => {
    const path = c.path || `/projects/${w.a.id}/webhooks`;
    const headers = { 'idempotency-key': `idem-${c.key.replace(/\W+/g, '-')}` };
    const first = await callApi('POST', path, { key: w.admin, body: c.body, headers });
    expect(first.status, first.text.slice(0, 300)).toBe(201);
    const before = await snapshotTables();
    const again = await callApi('POST', path, { key: w.admin, body: c.body, headers });
    expect(again.status, again.text.slice(0, 300)).toBe(201);
    expect(c.id(again)).toBe(c.id(first));
    // A key or a secret is shown once: never kept in clear for a replay.
    expect(again.body.apiKey).toBeUndefined();
    expect(again.body.secret).toBeUndefined();
    const conflict = await callApi('POST', path, { key: w.admin, body: c.other, headers });
    expect([conflict.status, conflict.body.error?.code]).toEqual([409, 'idempotency_conflict']);
    expect(diffSnapshots(before, await snapshotTables())).toEqual([]);
  });

  it('keys are the caller\'s own: the same key from another project makes its own webhook', async () => {
    const headers = { 'idempotency-key': 'shared-key-1' };
    const a = await callApi('POST', `/projects/${w.a.id}/webhooks`, { key: w.a.key, body: { url: 'https://hooks.example.com/a' }, headers });
    const b = await callApi('POST', `/projects/${w.b.id}/webhooks`, { key: w.b.key, body: { url: 'https://hooks.example.com/a' }, headers });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.webhookId).not.toBe(b.body.webhookId);
  });

  it('refuses a malformed key with a 400, creating nothing', async () => {
    const before = await snapshotTables();
    const res = await callApi('POST', '/api-keys', { key: w.admin, body: { role: 'telephony' }, headers: { 'idempotency-key': 'a b' } });
    expect(res.status).toBe(400);
    expect(diffSnapshots(before, await snapshotTables())).toEqual([]);
  });
});

describe('the webhook limit', () => {
  it('holds under 30 concurrent creates: exactly 10 webhooks, the rest 409 too_many_webhooks', async () => {
    const { b } = await makeWorld('limit');
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      callApi('POST', `/projects/${b.id}/webhooks`, { key: b.key, body: { url: `https://hooks.example.com/burst-${i}` } })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && a.body.error.code === 'too_many_webhooks')).toBe(true);
    const list = await callApi('GET', `/projects/${b.id}/webhooks`, { key: b.key });
    expect(list.body.webhooks).toHaveLength(10);
  });
});

describe('redelivery', () => {
  it('takes 10 requests per webhook per hour, then 429 rate_limited with Retry-After', async () => {
    const { a, admin } = await makeWorld('redeliver');
    const hook = await callApi('POST', `/projects/${a.id}/webhooks`, { key: a.key, body: { url: 'https://hooks.example.com/r' } });
    await callApi('POST', `/projects/${a.id}/payments`, { key: admin, body: { paymentId: 'pay-redeliver', amount: 100 } });
    const events = await callApi('GET', `/projects/${a.id}/events`, { key: a.key });
    const eventId = events.body.events[0].eventId as string;
    const one = () => callApi('POST', `/projects/${a.id}/events/${eventId}/redeliver`, { key: a.key, body: { webhookId: hook.body.webhookId } });
    for (let i = 0; i < 10; i++) expect((await one()).status).toBe(202);
    const refused = await one();
    expect([refused.status, refused.body.error?.code]).toEqual([429, 'rate_limited']);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });
});
