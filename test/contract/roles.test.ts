/**
 * The role × route matrix (issue 5 §3), from docs/api.md's role column, through the real authorizer and
 * handlers: admin, project (own), project (another project's key), telephony, no key, an unknown key
 * and a revoked key, against every route of ROUTES with a valid request, so the outcome depends on
 * the caller alone. A refused call changes nothing (whole-table snapshots) and an answer to another
 * project's key carries none of the project's data.
 */
import { seedStatement } from './statement-fixture';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/billing-days';
import { billingEnv } from '../support/billing';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { storeContext } from '../../shared/store/context';
import { usageItemOf } from '../../shared/store/usage';
import { pricesBody } from './fuzz-cases';
import { callApi, declaredStatuses, ROUTE_KEYS, type ApiAnswer, type Method } from './api';
import { diffSnapshots, snapshotTables } from './snapshot';
import { errorProblems, makeWorld, type World } from './world';

type Who = 'admin' | 'own' | 'other' | 'telephony' | 'none' | 'unknown' | 'revoked';
const WHO: readonly Who[] = ['admin', 'own', 'other', 'telephony', 'none', 'unknown', 'revoked'];

/** docs/api.md's role column. */
type Column = 'public' | 'any' | 'admin' | 'owner' | 'platform' | 'planReader';
/** `ok`: any 2xx; `hidden`: 403, or 404 where that avoids revealing the project. */
type Outcome = 'ok' | 401 | 403 | 'hidden';

const ROLE_COLUMN: Record<string, Column> = {
  'GET /health': 'public',
  'GET /openapi.json': 'public',
  'GET /catalog': 'any',
  'POST /quote': 'any',
  'GET /plans': 'admin',
  // Both projects are on `standard`: each project key may read it.
  'GET /plans/{planId}': 'planReader',
  'POST /plans': 'admin',
  'POST /plans/{planId}/versions': 'admin',
  'DELETE /plans/{planId}/versions/{version}': 'admin',
  'PUT /projects/{projectId}/plan': 'admin',
  'POST /api-keys': 'admin',
  'DELETE /api-keys/{apiKeyId}': 'admin',
  'POST /projects': 'admin',
  'GET /projects/{projectId}': 'owner',
  'POST /projects/{projectId}/payments': 'admin',
  'GET /projects/{projectId}/products': 'owner',
  'PUT /projects/{projectId}/products/{productId}': 'owner',
  'POST /projects/{projectId}/numbers': 'owner',
  'DELETE /projects/{projectId}/numbers/{number}': 'owner',
  'POST /projects/{projectId}/sessions': 'platform',
  'POST /usage': 'platform',
  'POST /projects/{projectId}/authorize': 'platform',
  'GET /projects/{projectId}/ledger': 'owner',
  'GET /projects/{projectId}/usage': 'owner',
  'GET /projects/{projectId}/forecast': 'owner',
  'GET /projects/{projectId}/events': 'owner',
  'POST /projects/{projectId}/events/{eventId}/redeliver': 'owner',
  'GET /projects/{projectId}/alerts': 'owner',
  'PUT /projects/{projectId}/alerts': 'owner',
  'POST /projects/{projectId}/webhooks': 'owner',
  'GET /projects/{projectId}/webhooks': 'owner',
  'DELETE /projects/{projectId}/webhooks/{webhookId}': 'owner',
  'GET /projects/{projectId}/webhooks/{webhookId}/deliveries': 'owner',
  'POST /admin/billing-runs': 'admin',
  // issue 18
  'POST /projects/{projectId}/adjustments': 'admin',
  'POST /projects/{projectId}/usage/{eventId}/refund': 'admin',
  'POST /projects/{projectId}/credits': 'admin',
  'GET /projects/{projectId}/credits': 'owner',
  'DELETE /projects/{projectId}/credits/{grantId}': 'admin',
  'PUT /projects/{projectId}/auto-topup': 'owner',
  'GET /projects/{projectId}/auto-topup': 'owner',
  'POST /projects/{projectId}/topups/{topupId}/failed': 'admin',
  'GET /projects/{projectId}/statements': 'owner',
  'GET /projects/{projectId}/statements/{month}': 'owner',
  // issue 23
  'POST /projects/{projectId}/portal-sessions': 'owner',
  'GET /projects/{projectId}/products/{productId}/price': 'owner',
  'GET /portal': 'public',
  'GET /portal/{asset}': 'public',
  // issue 22
  'GET /projects/{projectId}/reports/usage': 'owner',
  'GET /projects/{projectId}/reports/spend': 'owner',
  'GET /admin/billing-runs/{date}': 'admin',
};

function expected(column: Column, who: Who): Outcome {
  if (column === 'public') return 'ok';
  if (who === 'none' || who === 'unknown' || who === 'revoked') return 401;
  switch (column) {
    case 'any': return 'ok';
    case 'admin': return who === 'admin' ? 'ok' : 403;
    case 'owner': return who === 'admin' || who === 'own' ? 'ok' : who === 'other' ? 'hidden' : 403;
    case 'platform': return who === 'admin' || who === 'telephony' ? 'ok' : who === 'other' ? 'hidden' : 403;
    case 'planReader': return who === 'telephony' ? 403 : 'ok';
  }
}

interface Req { method: Method; path: string; body?: unknown; query?: Record<string, string> }

let w: World;
let seq = 0;
const next = () => ++seq;

function keyOf(who: Who): string | null {
  switch (who) {
    case 'admin': return w.admin;
    case 'own': return w.a.key;
    case 'other': return w.b.key;
    case 'telephony': return w.telephony;
    case 'none': return null;
    case 'unknown': return w.unknown;
    case 'revoked': return w.revoked;
  }
}

async function asAdmin(method: Method, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await callApi(method, path, { key: w.admin, body });
  if (res.status >= 300) throw new Error(`setup ${method} ${path}: ${res.status} ${res.text}`);
  return res;
}

/** A valid request for each route, always aimed at project A; fresh ids so a repeat also succeeds. */
const REQUESTS: Record<string, () => Promise<Req>> = {
  'GET /health': async () => ({ method: 'GET', path: '/health' }),
  'GET /openapi.json': async () => ({ method: 'GET', path: '/openapi.json' }),
  'GET /catalog': async () => ({ method: 'GET', path: '/catalog' }),
  'POST /quote': async () => ({ method: 'POST', path: '/quote', body: { products: ['telephony', 'analytics'], seats: 5, sessionsPer30Days: 12_000, numbers: { local: 2 } } }),
  'GET /plans': async () => ({ method: 'GET', path: '/plans' }),
  'GET /plans/{planId}': async () => ({ method: 'GET', path: '/plans/standard' }),
  'POST /plans': async () => ({ method: 'POST', path: '/plans', body: { planId: `roles-${next()}`, name: 'Roles', currency: 'UAH', ...pricesBody() } }),
  'POST /plans/{planId}/versions': async () => ({ method: 'POST', path: '/plans/standard/versions', body: { effectiveFrom: addDays('2026-04-01', next()), ...pricesBody() } }),
  'DELETE /plans/{planId}/versions/{version}': async () => {
    const made = await asAdmin('POST', '/plans/standard/versions', { effectiveFrom: addDays('2027-04-01', next()), ...pricesBody() });
    return { method: 'DELETE', path: `/plans/standard/versions/${made.body.version}` };
  },
  'PUT /projects/{projectId}/plan': async () => ({ method: 'PUT', path: `/projects/${w.a.id}/plan`, body: { planId: 'standard', effectiveFrom: addDays('2026-03-11', next()) } }),
  'POST /api-keys': async () => ({ method: 'POST', path: '/api-keys', body: { role: 'project', projectId: w.a.id } }),
  'DELETE /api-keys/{apiKeyId}': async () => {
    const made = await asAdmin('POST', '/api-keys', { role: 'telephony' });
    return { method: 'DELETE', path: `/api-keys/${made.body.apiKeyId}` };
  },
  'POST /projects': async () => ({ method: 'POST', path: '/projects', body: { name: `roles ${next()}` } }),
  'GET /projects/{projectId}': async () => ({ method: 'GET', path: `/projects/${w.a.id}` }),
  'POST /projects/{projectId}/payments': async () => ({ method: 'POST', path: `/projects/${w.a.id}/payments`, body: { paymentId: `pay-roles-${next()}`, amount: 100 } }),
  'GET /projects/{projectId}/products': async () => ({ method: 'GET', path: `/projects/${w.a.id}/products` }),
  'PUT /projects/{projectId}/products/{productId}': async () => ({ method: 'PUT', path: `/projects/${w.a.id}/products/telephony`, body: { enabled: true, seats: 3 + (next() % 5) } }),
  'POST /projects/{projectId}/numbers': async () => ({ method: 'POST', path: `/projects/${w.a.id}/numbers`, body: { number: `+38044300${String(next()).padStart(4, '0')}`, type: 'local' } }),
  'DELETE /projects/{projectId}/numbers/{number}': async () => {
    const number = `+38044400${String(next()).padStart(4, '0')}`;
    await asAdmin('POST', `/projects/${w.a.id}/numbers`, { number, type: 'local' });
    return { method: 'DELETE', path: `/projects/${w.a.id}/numbers/${encodeURIComponent(number)}` };
  },
  'POST /projects/{projectId}/sessions': async () => ({ method: 'POST', path: `/projects/${w.a.id}/sessions`, body: { date: '2026-03-09', count: next() } }),
  'POST /usage': async () => ({
    method: 'POST', path: '/usage',
    body: { events: [{ eventId: `ev-roles-${next()}`, projectId: w.a.id, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T09:00:00+02:00', durationSec: 30 }] },
  }),
  'POST /projects/{projectId}/authorize': async () => ({ method: 'POST', path: `/projects/${w.a.id}/authorize`, body: { kind: 'outgoing_call', destination: '+380441234567' } }),
  'GET /projects/{projectId}/ledger': async () => ({ method: 'GET', path: `/projects/${w.a.id}/ledger`, query: { limit: '1000' } }),
  'GET /projects/{projectId}/usage': async () => ({ method: 'GET', path: `/projects/${w.a.id}/usage`, query: { date: '2026-03-10' } }),
  'GET /projects/{projectId}/forecast': async () => ({ method: 'GET', path: `/projects/${w.a.id}/forecast` }),
  'POST /admin/billing-runs': async () => ({ method: 'POST', path: '/admin/billing-runs', body: { date: '2026-03-09' } }),
  'GET /admin/billing-runs/{date}': async () => ({ method: 'GET', path: '/admin/billing-runs/2026-03-09' }),
  'GET /projects/{projectId}/events': async () => ({ method: 'GET', path: `/projects/${w.a.id}/events` }),
  'POST /projects/{projectId}/events/{eventId}/redeliver': async () => ({ method: 'POST', path: `/projects/${w.a.id}/events/${eventOfA}/redeliver`, body: {} }),
  'GET /projects/{projectId}/alerts': async () => ({ method: 'GET', path: `/projects/${w.a.id}/alerts` }),
  'PUT /projects/{projectId}/alerts': async () => ({ method: 'PUT', path: `/projects/${w.a.id}/alerts`, body: { balanceBelow: [1_000 + next()] } }),
  'POST /projects/{projectId}/webhooks': async () => {
    // At most 10 a project: make room first, so every allowed caller can make one.
    for (const h of (await asAdmin('GET', `/projects/${w.a.id}/webhooks`)).body.webhooks) {
      if (h.webhookId !== webhookOfA) await asAdmin('DELETE', `/projects/${w.a.id}/webhooks/${h.webhookId}`);
    }
    return { method: 'POST', path: `/projects/${w.a.id}/webhooks`, body: { url: `https://hooks.example.com/roles-${next()}` } };
  },
  'GET /projects/{projectId}/webhooks': async () => ({ method: 'GET', path: `/projects/${w.a.id}/webhooks` }),
  'DELETE /projects/{projectId}/webhooks/{webhookId}': async () => {
    const made = await asAdmin('POST', `/projects/${w.a.id}/webhooks`, { url: `https://hooks.example.com/doomed-${next()}` });
    return { method: 'DELETE', path: `/projects/${w.a.id}/webhooks/${made.body.webhookId}` };
  },
  'GET /projects/{projectId}/webhooks/{webhookId}/deliveries': async () => ({ method: 'GET', path: `/projects/${w.a.id}/webhooks/${webhookOfA}/deliveries` }),
  // issue 18
  'POST /projects/{projectId}/adjustments': async () => ({ method: 'POST', path: `/projects/${w.a.id}/adjustments`, body: { adjustmentId: `adj-roles-${next()}`, amount: 10, description: 'Roles' } }),
  'POST /projects/{projectId}/usage/{eventId}/refund': async () => {
    const ev = { eventId: `ev-roles-refund-${next()}`, projectId: w.a.id, kind: 'sms' as const, destination: '+380671234567', occurredAt: '2026-03-10T09:00:00+02:00', segments: 1, cost: 130 };
    await storeUsage(storeContext(), [ev]);
    await debitProject(storeContext(), w.a.id, [usageItemOf(storeContext().zone, ev, '2026-03-10T10:00:00.000Z')]);
    // What the event cost is paid back, so A's balance stays as the leak check expects whoever may refund.
    await asAdmin('POST', `/projects/${w.a.id}/payments`, { paymentId: `pay-roles-refund-${ev.eventId}`, amount: ev.cost });
    return { method: 'POST', path: `/projects/${w.a.id}/usage/${ev.eventId}/refund`, body: {} };
  },
  'POST /projects/{projectId}/credits': async () => ({ method: 'POST', path: `/projects/${w.a.id}/credits`, body: { grantId: `grant-roles-${next()}`, amount: 10, description: 'Roles' } }),
  'GET /projects/{projectId}/credits': async () => ({ method: 'GET', path: `/projects/${w.a.id}/credits` }),
  'DELETE /projects/{projectId}/credits/{grantId}': async () => {
    const grantId = `grant-roles-doomed-${next()}`;
    await asAdmin('POST', `/projects/${w.a.id}/credits`, { grantId, amount: 10, description: 'Doomed' });
    return { method: 'DELETE', path: `/projects/${w.a.id}/credits/${grantId}` };
  },
  'PUT /projects/{projectId}/auto-topup': async () => ({ method: 'PUT', path: `/projects/${w.a.id}/auto-topup`, body: { below: 0, amount: 1000 + next(), monthlyLimit: 100_000 } }),
  'GET /projects/{projectId}/auto-topup': async () => ({ method: 'GET', path: `/projects/${w.a.id}/auto-topup` }),
  'POST /projects/{projectId}/topups/{topupId}/failed': async () => {
    // A rule whose top-up A's balance (>= 50,000) crosses with a manual charge, then gives back: one outstanding to report.
    await asAdmin('PUT', `/projects/${w.a.id}/auto-topup`, { below: 10_000_000, amount: 1000, monthlyLimit: 10_000_000 });
    const n = next();
    await asAdmin('POST', `/projects/${w.a.id}/adjustments`, { adjustmentId: `adj-roles-up-${n}`, amount: 10_000_000, description: 'Roles' });
    await asAdmin('POST', `/projects/${w.a.id}/adjustments`, { adjustmentId: `adj-roles-down-${n}`, amount: -10_000_000, description: 'Roles' });
    const rule = await asAdmin('GET', `/projects/${w.a.id}/auto-topup`, undefined);
    return { method: 'POST', path: `/projects/${w.a.id}/topups/${rule.body.outstanding.topupId}/failed`, body: { reason: 'card declined' } };
  },
  'GET /projects/{projectId}/statements': async () => ({ method: 'GET', path: `/projects/${w.a.id}/statements` }),
  'GET /projects/{projectId}/statements/{month}': async () => ({ method: 'GET', path: `/projects/${w.a.id}/statements/2026-02` }),
  // issue 23
  'POST /projects/{projectId}/portal-sessions': async () => ({ method: 'POST', path: `/projects/${w.a.id}/portal-sessions`, body: { locale: 'en' } }),
  'GET /projects/{projectId}/products/{productId}/price': async () => ({ method: 'GET', path: `/projects/${w.a.id}/products/telephony/price`, query: { seats: '7' } }),
  'GET /portal': async () => ({ method: 'GET', path: '/portal' }),
  'GET /portal/{asset}': async () => ({ method: 'GET', path: '/portal/app.css' }),
  // issue 22
  'GET /projects/{projectId}/reports/usage': async () => ({ method: 'GET', path: `/projects/${w.a.id}/reports/usage`, query: { from: '2026-03-01', to: '2026-03-10', groupBy: 'country' } }),
  'GET /projects/{projectId}/reports/spend': async () => ({ method: 'GET', path: `/projects/${w.a.id}/reports/spend`, query: { from: '2026-03-01', to: '2026-03-10', groupBy: 'day' } }),
};

/** A's first event and a webhook of A (made in beforeAll). */
let eventOfA = '';
let webhookOfA = '';

/** Strings that only project A's data contains: its name, its payment ids, its numbers, its event ids. */
async function secretsOfA(): Promise<string[]> {
  const ledger = await asAdmin('GET', `/projects/${w.a.id}/ledger`, undefined);
  return [w.a.name, 'pay-roles-', 'ev-roles-', '+38044300', '+38044400', 'hooks.example.com/roles', eventOfA, ...ledger.body.entries.map((e: { entryId: string }) => e.entryId)];
}

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z'); // today in Kyiv: 2026-03-10
  w = await makeWorld('roles');
  // A has data to leak: a payment, a product, a number, usage.
  await asAdmin('POST', `/projects/${w.a.id}/payments`, { paymentId: 'pay-roles-0', amount: 50_000 });
  await asAdmin('PUT', `/projects/${w.a.id}/products/telephony`, { enabled: true, seats: 4 });
  await asAdmin('POST', `/projects/${w.a.id}/numbers`, { number: '+380443000000', type: 'local' });
  await callApi('POST', '/usage', { key: w.telephony, body: (await REQUESTS['POST /usage']!()).body });
  webhookOfA = (await asAdmin('POST', `/projects/${w.a.id}/webhooks`, { url: 'https://hooks.example.com/roles-a' })).body.webhookId;
  eventOfA = (await asAdmin('GET', `/projects/${w.a.id}/events`)).body.events[0].eventId;
  await seedStatement(w.a.id, w.a.name, '2026-02');
});

describe('the role matrix', () => {
  it('has a row for every route of ROUTES', () => {
    expect(ROUTE_KEYS.filter((k) => !(k in ROLE_COLUMN) || !(k in REQUESTS))).toEqual([]);
    expect(Object.keys(ROLE_COLUMN).filter((k) => !ROUTE_KEYS.includes(k))).toEqual([]);
  });

  it.each(ROUTE_KEYS.map((k) => [k]))('%s', async (key) => {
    const column = ROLE_COLUMN[key]!;
    const secrets = await secretsOfA();
    const failures: string[] = [];
    const declared = await declaredStatuses(key);
    for (const who of WHO) {
      const want = expected(column, who);
      const req = await REQUESTS[key]!();
      const before = want === 'ok' ? undefined : await snapshotTables();
      const res = await callApi(req.method, req.path, { key: keyOf(who), body: req.body, query: req.query });
      const cell = `${who}: ${res.status} ${res.text.slice(0, 120)}`;
      if (res.routeKey !== key) failures.push(`${cell} :: reached ${res.routeKey}`);
      if (res.via === 'handler' && !declared.has(res.status)) failures.push(`${cell} :: status not declared in /openapi.json`);
      if (want === 'ok') {
        if (res.status < 200 || res.status >= 300) failures.push(`${cell} :: want 2xx`);
        continue;
      }
      const allowed = want === 'hidden' ? [403, 404] : [want];
      if (!allowed.includes(res.status)) failures.push(`${cell} :: want ${allowed.join(' or ')}`);
      const problems = errorProblems(res);
      if (problems.length) failures.push(`${cell} :: ${problems.join(' | ')}`);
      const leaked = secrets.filter((s) => res.text.includes(s));
      if (leaked.length) failures.push(`${cell} :: shows project A's ${leaked.join(', ')}`);
      const changed = diffSnapshots(before!, await snapshotTables());
      if (changed.length) failures.push(`${cell} :: CHANGED DATA ${changed.slice(0, 3).join('; ')}`);
    }
    expect(failures).toEqual([]);
  });
});

describe("another project's data", () => {
  it("is never readable with a project key of another project, and the key's own project is", async () => {
    for (const sub of ['', '/products', '/ledger', '/usage?date=2026-03-10', '/forecast']) {
      const [path, q] = sub.split('?');
      const query = q ? Object.fromEntries(new URLSearchParams(q)) : undefined;
      const theirs = await callApi('GET', `/projects/${w.a.id}${path}`, { key: w.b.key, query });
      expect([403, 404], `GET A${sub} with B's key`).toContain(theirs.status);
      expect(errorProblems(theirs)).toEqual([]);
      expect(theirs.text).not.toContain(w.a.name);
      expect(theirs.text).not.toContain('pay-roles-0');
      expect(theirs.text).not.toContain('"balance"');
      const own = await callApi('GET', `/projects/${w.b.id}${path}`, { key: w.b.key, query });
      expect(own.status, `GET B${sub} with B's key`).toBe(200);
    }
    const mine = await callApi('GET', `/projects/${w.a.id}`, { key: w.a.key });
    expect(mine.body).toMatchObject({ projectId: w.a.id, name: w.a.name });
    expect(mine.body.balance).toBeGreaterThanOrEqual(50_000);
  });

  it('is never writable with a project key of another project: products, numbers, API keys stay as they were', async () => {
    const before = await snapshotTables();
    const attempts: [Method, string, unknown][] = [
      ['PUT', `/projects/${w.a.id}/products/calltracking`, { enabled: true }],
      ['PUT', `/projects/${w.a.id}/products/telephony`, { enabled: false }],
      ['POST', `/projects/${w.a.id}/numbers`, { number: '+380445550000', type: 'local' }],
      ['DELETE', `/projects/${w.a.id}/numbers/${encodeURIComponent('+380443000000')}`, undefined],
      ['POST', `/projects/${w.a.id}/sessions`, { date: '2026-03-09', count: 1 }],
      ['POST', `/projects/${w.a.id}/payments`, { paymentId: 'pay-by-b', amount: 1 }],
      ['POST', '/api-keys', { role: 'project', projectId: w.a.id }],
      ['DELETE', `/api-keys/${w.a.apiKeyId}`, undefined],
      ['POST', '/usage', { events: [{ eventId: 'ev-by-b', projectId: w.a.id, kind: 'sms', destination: '+380501234567', occurredAt: '2026-03-10T09:00:00+02:00', segments: 1 }] }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await callApi(method, path, { key: w.b.key, body });
      expect([403, 404], `${method} ${path} with B's key: ${res.text}`).toContain(res.status);
    }
    expect(diffSnapshots(before, await snapshotTables())).toEqual([]);
    // A's key still works: revoking it was refused.
    expect((await callApi('GET', `/projects/${w.a.id}`, { key: w.a.key })).status).toBe(200);
  });
});

describe('revocation', () => {
  it('a key works until DELETE /api-keys/{apiKeyId}, then answers 401 everywhere it worked', async () => {
    const made = await asAdmin('POST', '/api-keys', { role: 'project', projectId: w.a.id });
    const key: string = made.body.apiKey;
    expect((await callApi('GET', `/projects/${w.a.id}`, { key })).status).toBe(200);
    expect((await callApi('GET', '/catalog', { key })).status).toBe(200);
    expect((await callApi('DELETE', `/api-keys/${made.body.apiKeyId}`, { key: w.admin })).status).toBe(204);
    for (const [method, path] of [['GET', `/projects/${w.a.id}`], ['GET', '/catalog'], ['GET', `/projects/${w.a.id}/ledger`]] as const) {
      const res = await callApi(method, path, { key });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(errorProblems(res)).toEqual([]);
    }
    // A revoked key cannot revoke its way back, nor can a project key revoke anything.
    expect((await callApi('DELETE', `/api-keys/${w.telephonyKeyId}`, { key: w.a.key })).status).toBe(403);
    expect((await callApi('GET', '/catalog', { key: w.telephony })).status).toBe(200);
  });
});
