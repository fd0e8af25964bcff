/**
 * The contract as an outside client sees it: the local twin over HTTP, every route driven through a
 * realistic session, and every answer checked against the twin's own GET /openapi.json with a real
 * JSON Schema validator (the status must be declared, the body must match its schema).
 */
import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { addDays, billingDayOf } from '../../shared/domain/billing-days';
import { startTwin, type Twin } from '../../local/twin';

type Doc = { components: Record<string, unknown>; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

let twin: Twin;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const checked: string[] = [];

function templateOf(path: string): string {
  const bare = path.split('?')[0]!;
  const candidates = Object.keys(doc.paths).filter((t) => {
    const re = new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`);
    return re.test(bare);
  });
  // A literal segment beats a parameter (e.g. /openapi.json vs nothing here, but keep it general).
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  if (!candidates[0]) throw new Error(`no path in the document matches ${bare}`);
  return candidates[0];
}

interface Answer { status: number; body: any; text: string; type: string }

/** Calls the twin and checks the answer against the document before handing it back. */
async function api(method: string, path: string, opts: { key?: string; body?: unknown; raw?: string; accept?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(`${twin.url}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('application/json') && text ? JSON.parse(text) : undefined;
  const op = doc.paths[templateOf(path)]?.[method.toLowerCase()];
  expect(op, `${method} ${path} is in the document`).toBeDefined();
  const declared = op!.responses[String(res.status)];
  expect(declared, `${method} ${path} answered ${res.status}, which the document does not declare: ${text.slice(0, 300)}`).toBeDefined();
  if (text && type.includes('application/json')) {
    const schema = declared!.content?.['application/json']?.schema;
    if (path !== '/openapi.json') {
      expect(schema, `${method} ${path} ${res.status} has a JSON schema`).toBeDefined();
      // Refs point at #/components/schemas: compile with the document's components at the root.
      const validate = ajv.compile({ ...schema!, components: doc.components });
      expect(validate(body), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 500)}`).toBe(true);
    }
  } else if (text) {
    expect(Object.keys(declared!.content ?? {}).some((t) => type.startsWith(t)), `${method} ${path} ${res.status} answered ${type}`).toBe(true);
  }
  checked.push(`${method} ${templateOf(path)} ${res.status}`);
  return { status: res.status, body, text, type };
}

beforeAll(async () => {
  twin = await startTwin({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `e2e${randomUUID().slice(0, 6)}`,
    adminKey: 'pg_e2e_admin_key_for_tests_only_000',
    scheduler: false,
  });
  const res = await fetch(`${twin.url}/openapi.json`);
  doc = (await res.json()) as Doc;
}, 120_000);

afterAll(async () => {
  await twin?.stop();
});

describe('the twin against its own /openapi.json', () => {
  it('serves a 3.1 document', async () => {
    const r = await api('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\.1\./);
  });

  it('answers a whole customer session within the contract', async () => {
    const admin = twin.adminKey;
    const today = billingDayOf(Date.now(), twin.billingTimeZone);
    const start = addDays(today, -3);

    expect((await api('GET', '/health')).body).toEqual({ status: 'ok' });
    expect((await api('GET', '/catalog')).status).toBe(401);
    const catalog = await api('GET', '/catalog', { key: admin });
    expect(catalog.body.currency).toBe('UAH');
    const q = await api('POST', '/quote', { key: admin, body: { products: ['telephony', 'analytics'], seats: 5, sessionsPer30Days: 12000, numbers: { local: 2 } } });
    expect(q.status).toBe(200);
    expect(q.body.lines.reduce((s: number, l: { monthlyAmount: number }) => s + l.monthlyAmount, 0)).toBe(q.body.monthlyTotal);

    const created = await api('POST', '/projects', { key: admin, body: { name: 'Contract Co', billingStartDate: start, creditLimit: 1000 } });
    expect(created.status).toBe(201);
    const id: string = created.body.projectId;
    const projectKey: string = created.body.apiKey;
    expect((await api('GET', `/projects/${id}`, { key: projectKey })).body.balance).toBe(0);

    const other = await api('POST', '/projects', { key: admin, body: { name: 'Someone else' } });
    expect((await api('GET', `/projects/${other.body.projectId}`, { key: projectKey })).status).toBeGreaterThanOrEqual(403);

    const tel = await api('POST', '/api-keys', { key: admin, body: { role: 'telephony' } });
    expect(tel.status).toBe(201);
    expect((await api('POST', '/api-keys', { key: projectKey, body: { role: 'admin' } })).status).toBe(403);

    const pay = await api('POST', `/projects/${id}/payments`, { key: admin, body: { paymentId: `pay-${id}`, amount: 100000 } });
    expect(pay.status).toBe(201);
    expect((await api('POST', `/projects/${id}/payments`, { key: admin, body: { paymentId: `pay-${id}`, amount: 100000 } })).status).toBe(200);
    expect((await api('POST', `/projects/${id}/payments`, { key: admin, body: { paymentId: `pay-${id}`, amount: 5 } })).status).toBe(409);
    expect((await api('POST', `/projects/${id}/payments`, { key: admin, body: { paymentId: 'p-neg', amount: -5 } })).status).toBe(400);
    expect((await api('POST', `/projects/${id}/payments`, { key: admin, raw: '{"paymentId":' })).status).toBe(400);

    const products = await api('GET', `/projects/${id}/products`, { key: projectKey });
    expect(products.body.products.map((p: { productId: string }) => p.productId)).toEqual(['telephony', 'calltracking', 'callback', 'analytics']);
    const at = `${start}T12:00:00+02:00`;
    const put = await api('PUT', `/projects/${id}/products/telephony`, { key: admin, body: { enabled: true, seats: 5, effectiveAt: at } });
    expect(put.status).toBe(200);
    expect((await api('PUT', `/projects/${id}/products/callback`, { key: projectKey, body: { enabled: true } })).status).toBe(200);
    expect((await api('PUT', `/projects/${id}/products/callback`, { key: projectKey, body: { enabled: true, effectiveAt: at } })).status).toBe(403);
    expect((await api('PUT', `/projects/${id}/products/nosuch`, { key: projectKey, body: { enabled: true } })).status).toBe(404);
    expect((await api('POST', `/projects/${id}/numbers`, { key: admin, body: { number: '+380441234567', type: 'local', effectiveAt: at } })).status).toBe(201);
    expect((await api('POST', `/projects/${id}/numbers`, { key: projectKey, body: { number: '+380501112233', type: 'mobile' } })).status).toBe(201);
    expect((await api('DELETE', `/projects/${id}/numbers/${encodeURIComponent('+380501112233')}`, { key: projectKey })).status).toBe(204);
    expect((await api('DELETE', `/projects/${id}/numbers/${encodeURIComponent('+380501112233')}`, { key: projectKey })).status).toBe(404);
    expect((await api('POST', `/projects/${id}/sessions`, { key: tel.body.apiKey, body: { date: start, count: 9000 } })).status).toBe(200);

    const now = new Date().toISOString();
    const events = [
      { eventId: `c1-${id}`, projectId: id, kind: 'outgoing_call', destination: '+380501234567', occurredAt: now, durationSec: 95 },
      { eventId: `c2-${id}`, projectId: id, kind: 'forwarded_call', destination: '+380441234567', occurredAt: now, durationSec: 0 },
      { eventId: `s1-${id}`, projectId: id, kind: 'sms', destination: '+380671234567', occurredAt: now, segments: 2 },
    ];
    const usage = await api('POST', '/usage', { key: tel.body.apiKey, body: { events } });
    expect(usage.body).toEqual({ accepted: 3, duplicates: 0 });
    expect((await api('POST', '/usage', { key: tel.body.apiKey, body: { events } })).body).toEqual({ accepted: 0, duplicates: 3 });
    expect((await api('POST', '/usage', { key: tel.body.apiKey, body: { events: [{ ...events[0], eventId: 'x', destination: '+999' }] } })).status).toBe(400);
    expect((await api('POST', '/usage', { key: projectKey, body: { events } })).status).toBe(403);

    const auth = await api('POST', `/projects/${id}/authorize`, { key: tel.body.apiKey, body: { kind: 'outgoing_call', destination: '+380501234567' } });
    expect(auth.body.allowed).toBe(true);
    expect((await api('GET', `/projects/${id}/usage?date=${today}`, { key: projectKey })).status).toBe(200);
    expect((await api('GET', `/projects/${id}/usage?date=2026-02-30`, { key: projectKey })).status).toBe(400);

    const run = await api('POST', '/admin/billing-runs', { key: admin, body: { date: addDays(today, -1) } });
    expect(run.status).toBe(202);
    expect((await api('POST', '/admin/billing-runs', { key: admin, body: { date: today } })).status).toBe(400);
    await twin.chargeQueue.idle();

    const ledger = await api('GET', `/projects/${id}/ledger?limit=5`, { key: projectKey });
    expect(ledger.status).toBe(200);
    expect(ledger.body.entries.length).toBe(5);
    expect(typeof ledger.body.nextCursor).toBe('string');
    const next = await api('GET', `/projects/${id}/ledger?limit=1000&cursor=${encodeURIComponent(ledger.body.nextCursor)}`, { key: projectKey });
    expect(next.body.nextCursor).toBeNull();
    const csv = await api('GET', `/projects/${id}/ledger?from=${start}&to=${today}`, { key: projectKey, accept: 'text/csv' });
    expect(csv.type).toContain('text/csv');
    expect(csv.text.trim().split('\n').length - 1).toBe(ledger.body.entries.length + next.body.entries.length);
    expect((await api('GET', `/projects/${id}/ledger?limit=0`, { key: projectKey })).status).toBe(400);

    const forecast = await api('GET', `/projects/${id}/forecast`, { key: projectKey });
    expect(forecast.status).toBe(200);
    expect(forecast.body.nextCharge.date).toBe(today);

    const project = await api('GET', `/projects/${id}`, { key: admin });
    expect(project.body.lastChargedDate).toBe(addDays(today, -1));

    expect((await api('DELETE', `/api-keys/${tel.body.apiKeyId}`, { key: admin })).status).toBe(204);
    // Revoking is idempotent: a second DELETE of the same key is no error.
    expect((await api('DELETE', `/api-keys/${tel.body.apiKeyId}`, { key: admin })).status).toBe(204);
    expect((await api('DELETE', '/api-keys/no-such-key', { key: admin })).status).toBe(404);
    expect((await api('POST', `/projects/${id}/authorize`, { key: tel.body.apiKey, body: { kind: 'sms', destination: '+380501234567' } })).status).toBe(401);
    expect((await api('GET', `/projects/${id}`, { key: 'pg_not_a_key' })).status).toBe(401);
    expect((await api('GET', '/projects/nosuch', { key: admin })).status).toBe(404);
  });

  it('covered every route of the document', () => {
    const ops = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`));
    const seen = new Set(checked.map((c) => c.split(' ').slice(0, 2).join(' ')));
    expect(ops.filter((o) => !seen.has(o))).toEqual([]);
  });
});
