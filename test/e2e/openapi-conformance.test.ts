/**
 * The contract as an outside client sees it: the local twin over HTTP, every route driven through a
 * realistic session with the typed client of client/ (so a contract change that breaks callers fails
 * `tsc --noEmit`), and every answer checked against the twin's own GET /openapi.json with a real JSON
 * Schema validator (the status must be declared, the body must match its schema).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../../examples/webhook-receiver';
import * as path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Middleware } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createPaygoClient, type PaygoClient } from '../../client';
import { addDays, billingDayOf } from '../../shared/domain/billing-days';
import { startTwin, type Twin } from '../../local/twin';

type Doc = {
  servers: { url: string }[];
  components: Record<string, unknown>;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
};

let twin: Twin;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const checked: string[] = [];

/**
 * Checks every answer against the document before the client hands it back. openapi-fetch names the
 * path template it called (`schemaPath`), so no guessing which operation a URL belongs to.
 */
const conformance: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const method = request.method.toLowerCase();
    const label = `${request.method} ${new URL(request.url).pathname}`;
    const text = await response.clone().text();
    const type = response.headers.get('content-type') ?? '';
    const op = doc.paths[schemaPath]?.[method];
    expect(op, `${label} is in the document`).toBeDefined();
    const declared = op!.responses[String(response.status)];
    expect(declared, `${label} answered ${response.status}, which the document does not declare: ${text.slice(0, 300)}`).toBeDefined();
    if (text && type.includes('application/json')) {
      const schema = declared!.content?.['application/json']?.schema;
      expect(schema, `${label} ${response.status} has a JSON schema`).toBeDefined();
      // Refs point at #/components/schemas: compile with the document's components at the root.
      const validate = ajv.compile({ ...schema!, components: doc.components });
      expect(validate(JSON.parse(text)), `${label} ${response.status}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 500)}`).toBe(true);
    } else if (text) {
      expect(Object.keys(declared!.content ?? {}).some((t) => type.startsWith(t)), `${label} ${response.status} answered ${type}`).toBe(true);
    }
    checked.push(`${request.method} ${schemaPath} ${response.status}`);
    return undefined;
  },
};

function client(apiKey?: string): PaygoClient {
  const c = createPaygoClient({ baseUrl: twin.url, ...(apiKey === undefined ? {} : { apiKey }) });
  c.use(conformance);
  return c;
}

/** Polls `ok` every 200 ms until it holds, or fails after `ms`. */
async function waitFor(ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The status of a call, for the many checks that need nothing else. */
async function status(call: Promise<{ response: Response }>): Promise<number> {
  return (await call).response.status;
}

beforeAll(async () => {
  twin = await startTwin({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `e2e${randomUUID().slice(0, 6)}`,
    adminKey: 'pg_e2e_admin_key_for_tests_only_000',
    scheduler: false,
  });
  // Read without the client: its checks need the document first.
  const res = await fetch(`${twin.url}/openapi.json`);
  doc = (await res.json()) as Doc;
}, 120_000);

afterAll(async () => {
  await twin?.stop();
});

describe('the twin against its own /openapi.json', () => {
  it('serves a 3.1 document that names the twin as its server', async () => {
    const { data, response } = await client().GET('/openapi.json');
    expect(response.status).toBe(200);
    expect(data!.openapi).toMatch(/^3\.1\./);
    expect((data as unknown as Doc).servers).toEqual([{ url: twin.url }]);
  });

  it('answers a whole customer session within the contract', async () => {
    const anonymous = client();
    const admin = client(twin.adminKey);
    const today = billingDayOf(Date.now(), twin.billingTimeZone);
    const start = addDays(today, -3);

    expect((await anonymous.GET('/health')).data).toEqual({ status: 'ok' });
    expect(await status(anonymous.GET('/catalog'))).toBe(401);
    const catalog = await admin.GET('/catalog');
    expect(catalog.data!.currency).toBe('UAH');
    const q = await admin.POST('/quote', { body: { products: ['telephony', 'analytics'], seats: 5, sessionsPer30Days: 12000, numbers: { local: 2 } } });
    expect(q.response.status).toBe(200);
    expect(q.data!.lines.reduce((s, l) => s + l.monthlyAmount, 0)).toBe(q.data!.monthlyTotal);

    const created = await admin.POST('/projects', { body: { name: 'Contract Co', billingStartDate: start, creditLimit: 1000 } });
    expect(created.response.status).toBe(201);
    const id = created.data!.projectId;
    const project = client(created.data!.apiKey);
    const own = { params: { path: { projectId: id } } };
    expect((await project.GET('/projects/{projectId}', own)).data!.balance).toBe(0);

    const other = await admin.POST('/projects', { body: { name: 'Someone else' } });
    expect(await status(project.GET('/projects/{projectId}', { params: { path: { projectId: other.data!.projectId } } }))).toBeGreaterThanOrEqual(403);

    const tel = await admin.POST('/api-keys', { body: { role: 'telephony' } });
    expect(tel.response.status).toBe(201);
    const telephony = client(tel.data!.apiKey);
    expect(await status(project.POST('/api-keys', { body: { role: 'admin' } }))).toBe(403);

    const payment = { paymentId: `pay-${id}`, amount: 100000 };
    expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: payment }))).toBe(201);
    expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: payment }))).toBe(200);
    expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: { ...payment, amount: 5 } }))).toBe(409);
    expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: { paymentId: 'p-neg', amount: -5 } }))).toBe(400);
    // Malformed JSON: the body is typed, what goes on the wire is not.
    expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: payment, bodySerializer: () => '{"paymentId":' }))).toBe(400);

    const products = await project.GET('/projects/{projectId}/products', own);
    expect(products.data!.products.map((p) => p.productId)).toEqual(['telephony', 'calltracking', 'callback', 'analytics']);
    const at = `${start}T12:00:00+02:00`;
    const product = (productId: string) => ({ params: { path: { projectId: id, productId } } });
    expect(await status(admin.PUT('/projects/{projectId}/products/{productId}', { ...product('telephony'), body: { enabled: true, seats: 5, effectiveAt: at } }))).toBe(200);
    expect(await status(project.PUT('/projects/{projectId}/products/{productId}', { ...product('callback'), body: { enabled: true } }))).toBe(200);
    expect(await status(project.PUT('/projects/{projectId}/products/{productId}', { ...product('callback'), body: { enabled: true, effectiveAt: at } }))).toBe(403);
    expect(await status(project.PUT('/projects/{projectId}/products/{productId}', { ...product('nosuch'), body: { enabled: true } }))).toBe(404);
    expect(await status(admin.POST('/projects/{projectId}/numbers', { ...own, body: { number: '+380441234567', type: 'local', effectiveAt: at } }))).toBe(201);
    expect(await status(project.POST('/projects/{projectId}/numbers', { ...own, body: { number: '+380501112233', type: 'mobile' } }))).toBe(201);
    // The client encodes the `+` of the path parameter.
    const number = { params: { path: { projectId: id, number: '+380501112233' } } };
    expect(await status(project.DELETE('/projects/{projectId}/numbers/{number}', number))).toBe(204);
    expect(await status(project.DELETE('/projects/{projectId}/numbers/{number}', number))).toBe(404);
    expect(await status(telephony.POST('/projects/{projectId}/sessions', { ...own, body: { date: start, count: 9000 } }))).toBe(200);

    const now = new Date().toISOString();
    const events = [
      { eventId: `c1-${id}`, projectId: id, kind: 'outgoing_call' as const, destination: '+380501234567', occurredAt: now, durationSec: 95 },
      { eventId: `c2-${id}`, projectId: id, kind: 'forwarded_call' as const, destination: '+380441234567', occurredAt: now, durationSec: 0 },
      { eventId: `s1-${id}`, projectId: id, kind: 'sms' as const, destination: '+380671234567', occurredAt: now, segments: 2 },
    ];
    expect((await telephony.POST('/usage', { body: { events } })).data).toEqual({ accepted: 3, duplicates: 0 });
    expect((await telephony.POST('/usage', { body: { events } })).data).toEqual({ accepted: 0, duplicates: 3 });
    expect(await status(telephony.POST('/usage', { body: { events: [{ ...events[0]!, eventId: 'x', destination: '+999' }] } }))).toBe(400);
    expect(await status(project.POST('/usage', { body: { events } }))).toBe(403);

    const auth = await telephony.POST('/projects/{projectId}/authorize', { ...own, body: { kind: 'outgoing_call', destination: '+380501234567' } });
    expect(auth.data!.allowed).toBe(true);
    expect(await status(project.GET('/projects/{projectId}/usage', { params: { path: { projectId: id }, query: { date: today } } }))).toBe(200);
    expect(await status(project.GET('/projects/{projectId}/usage', { params: { path: { projectId: id }, query: { date: '2026-02-30' } } }))).toBe(400);
    const report = await project.GET('/projects/{projectId}/reports/usage', { params: { path: { projectId: id }, query: { from: addDays(today, -1), to: today, groupBy: 'country,kind' } } });
    expect(report.response.status).toBe(200);
    expect(await status(project.GET('/projects/{projectId}/reports/usage', { params: { path: { projectId: id }, query: { from: today, to: today, groupBy: 'weekday' } } }))).toBe(400);
    expect((await project.GET('/projects/{projectId}/reports/spend', { params: { path: { projectId: id }, query: { from: addDays(today, -1), to: today, groupBy: 'day' } } })).response.status).toBe(200);

    const run = await admin.POST('/admin/billing-runs', { body: { date: addDays(today, -1) } });
    expect(run.response.status).toBe(202);
    expect(await status(admin.POST('/admin/billing-runs', { body: { date: today } }))).toBe(400);
    await twin.chargeQueue.idle();
    const billingRun = await admin.GET('/admin/billing-runs/{date}', { params: { path: { date: addDays(today, -1) } } });
    expect(billingRun.response.status).toBe(200);
    expect(billingRun.data!).toMatchObject({ fanOutComplete: true, failed: [], pending: 0, complete: true });
    expect(billingRun.data!.charged).toBe(billingRun.data!.queued);
    expect(await status(admin.GET('/admin/billing-runs/{date}', { params: { path: { date: 'yesterday' } } }))).toBe(400);
    // A project made today has no month closed: an empty list, and 404 for a month not made (in every form).
    const statements = await project.GET('/projects/{projectId}/statements', own);
    expect(statements.data).toEqual({ statements: [] });
    expect(await status(project.GET('/projects/{projectId}/statements/{month}', { params: { path: { projectId: id, month: today.slice(0, 7) } } }))).toBe(404);
    expect(await status(project.GET('/projects/{projectId}/statements/{month}', { params: { path: { projectId: id, month: '2026-13' } } }))).toBe(400);

    const ledger = await project.GET('/projects/{projectId}/ledger', { params: { path: { projectId: id }, query: { limit: 5 } } });
    expect(ledger.response.status).toBe(200);
    expect(ledger.data!.entries.length).toBe(5);
    expect(typeof ledger.data!.nextCursor).toBe('string');
    const next = await project.GET('/projects/{projectId}/ledger', { params: { path: { projectId: id }, query: { limit: 1000, cursor: ledger.data!.nextCursor! } } });
    expect(next.data!.nextCursor).toBeNull();
    const csv = await project.GET('/projects/{projectId}/ledger', {
      params: { path: { projectId: id }, query: { from: start, to: today } },
      headers: { accept: 'text/csv' },
      parseAs: 'text',
    });
    expect(csv.response.headers.get('content-type')).toContain('text/csv');
    expect(csv.data!.trim().split('\n').length - 1).toBe(ledger.data!.entries.length + next.data!.entries.length);
    expect(await status(project.GET('/projects/{projectId}/ledger', { params: { path: { projectId: id }, query: { limit: 0 } } }))).toBe(400);

    const forecast = await project.GET('/projects/{projectId}/forecast', own);
    expect(forecast.response.status).toBe(200);
    expect(forecast.data!.nextCharge.date).toBe(today);

    expect((await admin.GET('/projects/{projectId}', own)).data!.lastChargedDate).toBe(addDays(today, -1));

    const key = { params: { path: { apiKeyId: tel.data!.apiKeyId } } };
    expect(await status(admin.DELETE('/api-keys/{apiKeyId}', key))).toBe(204);
    // Revoking is idempotent: a second DELETE of the same key is no error.
    expect(await status(admin.DELETE('/api-keys/{apiKeyId}', key))).toBe(204);
    expect(await status(admin.DELETE('/api-keys/{apiKeyId}', { params: { path: { apiKeyId: 'no-such-key' } } }))).toBe(404);
    expect(await status(telephony.POST('/projects/{projectId}/authorize', { ...own, body: { kind: 'sms', destination: '+380501234567' } }))).toBe(401);
    expect(await status(client('pg_not_a_key').GET('/projects/{projectId}', own))).toBe(401);
    const failed = await admin.GET('/projects/{projectId}', { params: { path: { projectId: 'nosuch' } } });
    expect(failed.response.status).toBe(404);
    expect(failed.error!.error.code).toBe('not_found');
  });

  it('answers a body over 1 MiB on a public route with a status the document declares', async () => {
    // fetch refuses a body on GET, so this one goes by node:http.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${twin.url}/health`, { method: 'GET', headers: { 'content-type': 'application/json', 'content-length': 2 * 1024 * 1024 } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
    });
    expect(status).toBe(413);
    expect(Object.keys(doc.paths['/health']!.get!.responses)).toContain('413');
  });

  it("runs the README's TypeScript example as it is printed there", async () => {
    const root = path.resolve(__dirname, '..', '..');
    const example = readFileSync(path.join(root, 'examples', 'first-session.ts'), 'utf8');
    expect(readFileSync(path.join(root, 'README.md'), 'utf8'), 'the README shows examples/first-session.ts verbatim').toContain(example);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/first-session.ts'], {
      cwd: root,
      env: { ...process.env, PAYGO_URL: twin.url, PAYGO_ADMIN_KEY: twin.adminKey },
    });
    expect(stdout).toMatch(/entryId: 'payment#pay-\d+'/);
    expect(stdout).toContain('amount: 50000');
  });

  it('prices each day by the plan version in force on it: a mid-month change, a month caught up, a begun day refused', async () => {
    const admin = client(twin.adminKey);
    const today = billingDayOf(Date.now(), twin.billingTimeZone);
    // The whole of last month, charged in one catch-up; prices change on its 16th.
    const first = `${addDays(`${today.slice(0, 8)}01`, -1).slice(0, 8)}01`;
    const days = Number(addDays(`${today.slice(0, 8)}01`, -1).slice(8, 10));
    const sixteenth = addDays(first, 15);
    const planId = `e2e-${randomUUID().slice(0, 8)}`;
    const P1 = 30_000;
    const P2 = 45_000;
    const prices = (monthlyPrice: number) => ({
      products: [{ productId: 'desk', name: 'Desk', monthlyPrice }],
      numbers: { local: 15_000 },
      multiProductDiscounts: [],
      tariff: { calls: [{ prefix: '380', perMinute: 100, connectFee: 0, initialSec: 1, incrementSec: 1 }], sms: [{ prefix: '380', perSegment: 100 }] },
    });

    const made = await admin.POST('/plans', { body: { planId, name: 'Desk offer', currency: 'UAH', ...prices(P1) } });
    expect(made.response.status).toBe(201);
    expect(made.data).toMatchObject({ planId, version: 1, effectiveFrom: '2000-01-01' });
    // Nobody is on the plan yet, so a version may start on a past day.
    const raised = await admin.POST('/plans/{planId}/versions', { params: { path: { planId } }, body: { effectiveFrom: sixteenth, ...prices(P2) } });
    expect(raised.response.status).toBe(201);
    expect(raised.data).toMatchObject({ version: 2, effectiveFrom: sixteenth, name: 'Desk offer', currency: 'UAH' });

    const created = await admin.POST('/projects', { body: { name: 'Desk Co', billingStartDate: first, planId } });
    expect(created.response.status).toBe(201);
    const id = created.data!.projectId;
    const own = { params: { path: { projectId: id } } };
    await admin.POST('/projects/{projectId}/payments', { ...own, body: { paymentId: `pay-${id}`, amount: 10_000_000 } });
    expect(await status(admin.PUT('/projects/{projectId}/products/{productId}', { params: { path: { projectId: id, productId: 'desk' } }, body: { enabled: true, effectiveAt: `${first}T12:00:00Z` } }))).toBe(200);

    expect(await status(admin.POST('/admin/billing-runs', { body: { date: addDays(today, -1) } }))).toBe(202);
    await twin.chargeQueue.idle();
    const ledger = await admin.GET('/projects/{projectId}/ledger', { params: { path: { projectId: id }, query: { from: first, to: addDays(`${today.slice(0, 8)}01`, -1), limit: 1000 } } });
    const lines = ledger.data!.entries.filter((e) => e.type === 'product_daily');
    // Day d of a month of N days costs floor(P*d/N) - floor(P*(d-1)/N) of the price in force that day.
    const expected = Array.from({ length: days }, (_, i) => {
      const d = i + 1;
      const P = d < 16 ? P1 : P2;
      return { date: addDays(first, i), amount: -(Math.floor((P * d) / days) - Math.floor((P * (d - 1)) / days)) };
    });
    expect(lines.map((l) => ({ date: l.date, amount: l.amount }))).toEqual(expected);
    // The month: 15 days of the old price's shares and the rest of the new one's.
    const total = lines.reduce((sum, l) => sum - l.amount, 0);
    expect(total).toBe(Math.floor((P1 * 15) / days) + (P2 - Math.floor((P2 * 15) / days)));

    // Now a project is on the plan: a version for today would reprice a begun day.
    const plansBefore = (await admin.GET('/plans')).data!.plans.find((p) => p.planId === planId);
    const refused = await admin.POST('/plans/{planId}/versions', { params: { path: { planId } }, body: { effectiveFrom: today, ...prices(1) } });
    expect([refused.response.status, refused.error?.error.code]).toEqual([409, 'day_already_started']);
    expect(await status(admin.DELETE('/plans/{planId}/versions/{version}', { params: { path: { planId, version: '2' } } }))).toBe(409);
    expect((await admin.GET('/plans')).data!.plans.find((p) => p.planId === planId)).toEqual(plansBefore);
    expect((await admin.GET('/plans/{planId}', { params: { path: { planId }, query: { date: sixteenth } } })).data!.version).toBe(2);

    // The project's own key sees its plan's prices; a move back to standard starts tomorrow, once
    // nothing it has on is missing there.
    const project = client(created.data!.apiKey);
    expect((await project.GET('/catalog')).data).toMatchObject({ planId, version: 2 });
    const lacking = await admin.PUT('/projects/{projectId}/plan', { ...own, body: { planId: 'standard' } });
    expect([lacking.response.status, lacking.error?.error.code]).toEqual([409, 'plan_lacks_product']);
    expect(await status(project.PUT('/projects/{projectId}/products/{productId}', { params: { path: { projectId: id, productId: 'desk' } }, body: { enabled: false } }))).toBe(200);
    const moved = await admin.PUT('/projects/{projectId}/plan', { ...own, body: { planId: 'standard' } });
    expect(moved.data).toEqual({ planId: 'standard', effectiveFrom: addDays(today, 1) });
    expect((await project.GET('/projects/{projectId}/products', own)).data!.upcoming).toEqual(
      expect.arrayContaining([{ effectiveFrom: addDays(today, 1), productId: 'telephony', monthlyPrice: 49_900 }]),
    );
  });

  it('takes a version with a full rate deck: 50,000 call and 20,000 SMS prefixes in one request of megabytes', async () => {
    const admin = client(twin.adminKey);
    const planId = `deck-${randomUUID().slice(0, 8)}`;
    const prefix = (i: number) => String(10_000_000 + i);
    const body = {
      planId, name: 'Full deck', currency: 'UAH',
      products: [{ productId: 'desk', name: 'Desk', monthlyPrice: 1 }], numbers: {}, multiProductDiscounts: [],
      tariff: {
        calls: Array.from({ length: 50_000 }, (_, i) => ({ prefix: prefix(i), perMinute: 100 + (i % 900), connectFee: i % 7, initialSec: 60, incrementSec: 60 })),
        sms: Array.from({ length: 20_000 }, (_, i) => ({ prefix: prefix(i), perSegment: 50 + (i % 300) })),
      },
    };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(3_000_000);
    expect(await status(admin.POST('/plans', { body }))).toBe(201);
    const read = await admin.GET('/plans/{planId}', { params: { path: { planId } } });
    expect(read.data!.tariff.calls).toEqual(body.tariff.calls);
    expect(read.data!.tariff.sms).toEqual(body.tariff.sms);
  }, 120_000);

  it('delivers signed events to a local receiver in sequence order, retrying a failure, with a log and redelivery', async () => {
    // The README's receiver (examples/webhook-receiver.ts): its first answer is 500, then 200.
    const receiver = await startReceiver({ secret: '', failFirst: 1 });
    const got = receiver.deliveries;
    try {
      const admin = client(twin.adminKey);
      const today = billingDayOf(Date.now(), twin.billingTimeZone);
      const created = await admin.POST('/projects', { body: { name: 'Hooked Co', billingStartDate: addDays(today, -1) } });
      const id = created.data!.projectId;
      const own = { params: { path: { projectId: id } } };
      const project = client(created.data!.apiKey);

      const rules = await project.PUT('/projects/{projectId}/alerts', { ...own, body: { balanceBelow: [5_000], dailySpendCap: null } });
      expect(rules.data).toEqual({ balanceBelow: [5_000], runwayDays: null, dailySpendCap: null });
      expect((await project.GET('/projects/{projectId}/alerts', own)).data).toEqual(rules.data);
      const url = `http://127.0.0.1:${receiver.port}/paygo`;
      const hook = await project.POST('/projects/{projectId}/webhooks', { ...own, body: { url, description: 'e2e receiver' } });
      expect(hook.response.status).toBe(201);
      expect(hook.response.headers.get('cache-control')).toBe('no-store');
      const { webhookId, secret } = hook.data!;
      receiver.secret = secret;
      expect((await project.GET('/projects/{projectId}/webhooks', own)).data!.webhooks).toEqual([
        { webhookId, url, types: hook.data!.types, description: 'e2e receiver', status: 'enabled' },
      ]);

      // 100.00 paid; an hour to a Lviv landline costs 108.00: below 50.00 and below 0 at once.
      expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: { paymentId: `pay-${id}`, amount: 10_000 } }))).toBe(201);
      const tel = await admin.POST('/api-keys', { body: { role: 'telephony' } });
      const call = { eventId: `call-${id}`, projectId: id, kind: 'outgoing_call' as const, destination: '+380321234567', occurredAt: new Date(Date.now() - 60_000).toISOString(), durationSec: 3_600 };
      expect(await status(client(tel.data!.apiKey).POST('/usage', { body: { events: [call] } }))).toBe(202);
      await waitFor(async () => (await project.GET('/projects/{projectId}', own)).data!.status === 'blocked');
      expect(await status(admin.POST('/admin/billing-runs', { body: { date: addDays(today, -1) } }))).toBe(202);
      await twin.chargeQueue.idle();

      const want = ['payment.received', 'balance.low', 'project.blocked', 'day.charged'];
      const delivered = () => [...new Map(got.filter((g) => g.status === 200).map((g) => [g.headers['webhook-id'], JSON.parse(g.body)])).values()];
      await waitFor(async () => delivered().length >= want.length, 60_000);
      // Checked again with the reference implementation, independent of ours and of the example's.
      const verifier = new Webhook(secret);
      for (const g of got) expect(verifier.verify(g.body, g.headers as Record<string, string>)).toEqual(JSON.parse(g.body));
      expect(got.every((g) => g.verified)).toBe(true);
      // In sequence order, the first one after its retry, each type once.
      const events = delivered();
      expect(events.map((e) => e.type)).toEqual(want);
      expect(events.map((e) => e.sequence)).toEqual([...events.map((e) => e.sequence)].sort((a, b) => a - b));
      expect(got[0]).toMatchObject({ status: 500 });
      expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);

      const feed = await project.GET('/projects/{projectId}/events', { params: { path: { projectId: id }, query: { limit: 2 } } });
      expect(feed.data!.events.map((e) => e.type)).toEqual(['payment.received', 'balance.low']);
      const rest = await project.GET('/projects/{projectId}/events', { params: { path: { projectId: id }, query: { after: feed.data!.nextCursor!, type: 'day.charged' } } });
      expect(rest.data).toMatchObject({ events: [{ type: 'day.charged', data: { date: addDays(today, -1) } }], nextCursor: null });
      const log = await project.GET('/projects/{projectId}/webhooks/{webhookId}/deliveries', { params: { path: { projectId: id, webhookId } } });
      expect(log.data!.deliveries.at(-1)).toMatchObject({ attempt: 1, status: 500, ok: false });
      expect(log.data!.deliveries.filter((d) => d.ok)).toHaveLength(want.length);

      const again = await project.POST('/projects/{projectId}/events/{eventId}/redeliver', { params: { path: { projectId: id, eventId: events[0]!.eventId } }, body: {} });
      expect(again.response.status).toBe(202);
      expect(again.data).toEqual({ eventId: events[0]!.eventId, webhookIds: [webhookId] });
      await waitFor(async () => got.filter((g) => g.headers['webhook-id'] === events[0]!.eventId).length === 3);
      expect(await status(project.DELETE('/projects/{projectId}/webhooks/{webhookId}', { params: { path: { projectId: id, webhookId } } }))).toBe(204);
      expect((await project.GET('/projects/{projectId}/webhooks', own)).data!.webhooks).toEqual([]);
    } finally {
      await receiver.close();
    }
  }, 120_000);

  it('makes a portal link whose token reads the page data, and serves the page, as the document says', async () => {
    const admin = client(twin.adminKey);
    const id = (await admin.POST('/projects', { body: { name: 'e2e portal' } })).data!.projectId;
    const link = await admin.POST('/projects/{projectId}/portal-sessions', { params: { path: { projectId: id } }, body: { locale: 'en' } });
    expect(link.response.status).toBe(201);
    const portal = client(new URLSearchParams(new URL(link.data!.url).hash.slice(1)).get('token')!);
    const price = await portal.GET('/projects/{projectId}/products/{productId}/price', { params: { path: { projectId: id, productId: 'telephony' }, query: { seats: '4' } } });
    expect(price.data!.seats).toBe(4);
    expect(await status(portal.GET('/projects/{projectId}/events', { params: { path: { projectId: id } } }))).toBe(403);
    expect(await status(client().GET('/portal', { parseAs: 'text' }))).toBe(200);
    expect(await status(client().GET('/portal/{asset}', { params: { path: { asset: 'app.css' } }, parseAs: 'text' }))).toBe(200);
    expect(await status(client().GET('/portal/{asset}', { params: { path: { asset: 'nope.js' } }, parseAs: 'text' }))).toBe(404);
  });
  // issue 18: credits, corrections and top-ups through the typed client.
  it('corrects money: an adjustment, a refund, a grant listed and voided, an auto top-up requested and failed', async () => {
    const admin = client(twin.adminKey);
    const created = await admin.POST('/projects', { body: { name: 'Corrections Co' } });
    const id = created.data!.projectId;
    const project = client(created.data!.apiKey);
    const own = { params: { path: { projectId: id } } };
    expect(await status(admin.POST('/projects/{projectId}/payments', { ...own, body: { paymentId: `pay-${id}`, amount: 10_000 } }))).toBe(201);
    const adj = await admin.POST('/projects/{projectId}/adjustments', { ...own, body: { adjustmentId: `adj-${id}`, amount: 2_500, description: 'Goodwill' } });
    expect(adj.data).toEqual({ adjustmentId: `adj-${id}`, amount: 2_500, description: 'Goodwill', balance: 12_500 });
    const tel = await admin.POST('/api-keys', { body: { role: 'telephony' } });
    const sms = { eventId: `sms-${id}`, projectId: id, kind: 'sms' as const, destination: '+380501234567', occurredAt: new Date(Date.now() - 60_000).toISOString(), segments: 1 };
    expect(await status(client(tel.data!.apiKey).POST('/usage', { body: { events: [sms] } }))).toBe(202);
    await waitFor(async () => (await project.GET('/projects/{projectId}', own)).data!.balance < 12_500);
    const refund = await admin.POST('/projects/{projectId}/usage/{eventId}/refund', { params: { path: { projectId: id, eventId: sms.eventId } }, body: {} });
    expect(refund.response.status).toBe(201);
    expect(refund.data!.balance).toBe(12_500);
    const grant = await admin.POST('/projects/{projectId}/credits', { ...own, body: { grantId: `g-${id}`, amount: 5_000, description: 'Trial' } });
    expect(grant.data).toMatchObject({ grantId: `g-${id}`, remaining: 5_000, status: 'active', expiresOn: null });
    expect((await project.GET('/projects/{projectId}/credits', own)).data!.grants).toHaveLength(1);
    expect((await project.GET('/projects/{projectId}', own)).data!.creditBalance).toBe(5_000);
    const voided = await admin.DELETE('/projects/{projectId}/credits/{grantId}', { params: { path: { projectId: id, grantId: `g-${id}` } } });
    expect(voided.data).toMatchObject({ status: 'voided', remaining: 0 });
    const rule = await project.PUT('/projects/{projectId}/auto-topup', { ...own, body: { below: 10_000, amount: 20_000, monthlyLimit: 60_000 } });
    expect(rule.data).toEqual({ below: 10_000, amount: 20_000, monthlyLimit: 60_000, status: 'active', outstanding: null, requestedThisMonth: 0 });
    expect(await status(admin.POST('/projects/{projectId}/adjustments', { ...own, body: { adjustmentId: `charge-${id}`, amount: -5_000, description: 'Manual charge' } }))).toBe(201);
    const read = await project.GET('/projects/{projectId}/auto-topup', own);
    const topupId = read.data!.outstanding!.topupId;
    const failed = await admin.POST('/projects/{projectId}/topups/{topupId}/failed', { params: { path: { projectId: id, topupId } }, body: { reason: 'card declined' } });
    expect(failed.data).toEqual({ topupId, status: 'failed' });
  }, 60_000);

  it('covered every route of the document', () => {
    const ops = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`));
    const seen = new Set(checked.map((c) => c.split(' ').slice(0, 2).join(' ')));
    expect(ops.filter((o) => !seen.has(o))).toEqual([]);
  });
});
