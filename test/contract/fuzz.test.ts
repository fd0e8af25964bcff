/**
 * Bad input, route by route (issue 5 §3): every route of ROUTES has a row in FUZZ (fuzz-cases.ts);
 * every case goes through the real authorizer and handler (api.ts) and must answer a 4xx with
 * docs/api.md's error body, leak nothing internal, and change nothing: the three tables are scanned whole
 * before and after each case and compared item by item. Each row ends with a valid control request
 * that must succeed, so the cases are refused for what they break and nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeContext } from '../../shared/store/context';
import { billingEnv } from '../support/billing';
import { callApi, declaredStatuses, ROUTE_KEYS, type ApiAnswer } from './api';
import { FUZZ, pricesBody, type FuzzWorld, type Req } from './fuzz-cases';
import { diffSnapshots, snapshotTables, type Snapshot } from './snapshot';
import { errorProblems, makeWorld } from './world';
import { chargeThrough } from '../../shared/billing/charge-through';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { usageItemOf } from '../../shared/store/usage';

let w: FuzzWorld;
let tableNames: string[];

async function must(req: Req, status: number): Promise<ApiAnswer> {
  const res = await callApi(req.method, req.path, req);
  if (res.status !== status) throw new Error(`setup ${req.method} ${req.path}: ${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z'); // 12:00 in Kyiv: today is 2026-03-10
  const world = await makeWorld('fuzz');
  const { admin, a } = world;
  const spare = await must({ method: 'POST', path: '/api-keys', key: admin, body: { role: 'telephony' } }, 201);
  await must({ method: 'POST', path: `/projects/${a.id}/payments`, key: admin, body: { paymentId: 'pay-seen', amount: 1000 } }, 201);
  await must({ method: 'POST', path: `/projects/${a.id}/payments`, key: admin, body: { paymentId: 'pay-seen-2', amount: 1000 } }, 201);
  await chargeThrough(storeContext(), a.id, '2026-03-05');
  await must({ method: 'POST', path: `/projects/${a.id}/numbers`, key: admin, body: { number: '+380441110000', type: 'local' } }, 201);
  await must({ method: 'POST', path: `/projects/${world.b.id}/numbers`, key: admin, body: { number: '+380443330000', type: 'local' } }, 201);
  await must({ method: 'POST', path: '/projects', key: admin, body: { name: 'idempotent original' }, headers: { 'idempotency-key': 'idem-fuzz-1' } }, 201);
  const page = await must({ method: 'GET', path: `/projects/${a.id}/ledger`, key: admin, query: { from: '2026-03-10', to: '2026-03-10', limit: '1' } }, 200);
  // Webhooks: one to list and redeliver to, one for the control of DELETE; A's events to page through.
  const hook = await must({ method: 'POST', path: `/projects/${a.id}/webhooks`, key: admin, body: { url: 'https://hooks.example.com/fuzz' } }, 201);
  const spareHook = await must({ method: 'POST', path: `/projects/${a.id}/webhooks`, key: admin, body: { url: 'https://hooks.example.com/spare' } }, 201);
  const events = await must({ method: 'GET', path: `/projects/${a.id}/events`, key: admin, query: { limit: '1' } }, 200);
  // Plans: one nobody is on, one in another currency, two later versions of standard (one to withdraw).
  await must({ method: 'POST', path: '/plans', key: admin, body: { planId: 'fuzz-offer', name: 'Fuzz offer', currency: 'UAH', ...pricesBody() } }, 201);
  await must({ method: 'POST', path: '/plans', key: admin, body: { planId: 'fuzz-euro', name: 'Fuzz euro', currency: 'EUR', ...pricesBody() } }, 201);
  const future = await must({ method: 'POST', path: '/plans/standard/versions', key: admin, body: { effectiveFrom: '2026-05-01', ...pricesBody() } }, 201);
  await must({ method: 'POST', path: '/plans/standard/versions', key: admin, body: { effectiveFrom: '2026-06-01', ...pricesBody() } }, 201);
  // issue 18: a debited event of A to refund, a grant of A to void, an adjustment and a grant already made.
  const refundable = { eventId: 'ev-fuzz-refund', projectId: a.id, kind: 'sms' as const, destination: '+380671234567', occurredAt: '2026-03-10T09:00:00+02:00', segments: 1, cost: 130 };
  await storeUsage(storeContext(), [refundable]);
  await debitProject(storeContext(), a.id, [usageItemOf(storeContext().zone, refundable, '2026-03-10T10:00:00.000Z')]);
  await must({ method: 'POST', path: `/projects/${a.id}/adjustments`, key: admin, body: { adjustmentId: 'adj-seen', amount: 100, description: 'Seen' } }, 201);
  await must({ method: 'POST', path: `/projects/${a.id}/credits`, key: admin, body: { grantId: 'grant-seen', amount: 100, description: 'Seen' } }, 201);
  await must({ method: 'POST', path: `/projects/${a.id}/credits`, key: admin, body: { grantId: 'grant-spare', amount: 100, description: 'Spare' } }, 201);
  // B: an auto top-up paid, then another outstanding.
  await must({ method: 'PUT', path: `/projects/${world.b.id}/auto-topup`, key: admin, body: { below: 1_000_000, amount: 1000, monthlyLimit: 100_000 } }, 200);
  await must({ method: 'POST', path: `/projects/${world.b.id}/adjustments`, key: admin, body: { adjustmentId: 'adj-b-up', amount: 2_000_000, description: 'Up' } }, 201);
  await must({ method: 'POST', path: `/projects/${world.b.id}/adjustments`, key: admin, body: { adjustmentId: 'adj-b-down', amount: -2_000_000, description: 'Down' } }, 201);
  const paidTopup = (await must({ method: 'GET', path: `/projects/${world.b.id}/auto-topup`, key: admin }, 200)).body.outstanding.topupId;
  await must({ method: 'POST', path: `/projects/${world.b.id}/payments`, key: admin, body: { paymentId: paidTopup, amount: 1000 } }, 201);
  const outstandingTopup = (await must({ method: 'GET', path: `/projects/${world.b.id}/auto-topup`, key: admin }, 200)).body.outstanding.topupId;
  w = {
    ...world,
    outstandingTopupId: outstandingTopup,
    paidTopupId: paidTopup,
    refundableEventId: refundable.eventId,
    seenAdjustmentId: 'adj-seen',
    seenGrantId: 'grant-seen',
    spareGrantId: 'grant-spare',
    spareKeyId: spare.body.apiKeyId,
    seenPaymentId: 'pay-seen',
    heldNumber: '+380441110000',
    takenNumber: '+380443330000',
    chargedThrough: '2026-03-05',
    usedIdempotencyKey: 'idem-fuzz-1',
    cursor: page.body.nextCursor,
    unusedPlanId: 'fuzz-offer',
    futureVersion: future.body.version,
    takenDay: '2026-06-01',
    webhookId: hook.body.webhookId,
    spareWebhookId: spareHook.body.webhookId,
    eventId: events.body.events[0].eventId,
    eventsCursor: events.body.nextCursor,
  };
  const { tables } = storeContext();
  tableNames = [tables.projects, tables.ledger, tables.usage, tables.plans, tables.events, tables.webhooks];
});

describe('the fuzz table', () => {
  it('has a row for every route of ROUTES and nothing else', () => {
    const missing = ROUTE_KEYS.filter((k) => !(k in FUZZ));
    const extra = Object.keys(FUZZ).filter((k) => !ROUTE_KEYS.includes(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it('has checks that can fail: a write shows in the snapshot diff, a leaky 500 in the error checks', async () => {
    const before = await snapshotTables();
    await must({ method: 'POST', path: `/projects/${w.b.id}/sessions`, key: w.telephony, body: { date: '2026-03-01', count: 1 } }, 200);
    const changed = diffSnapshots(before, await snapshotTables());
    expect(changed.some((c) => c.startsWith('+ projects') && c.includes('sessions#2026-03-01'))).toBe(true);
    expect(changed.some((c) => c.startsWith('~ projects') && c.includes(`project#${w.b.id}|project`))).toBe(true);
    const leaky = { status: 500, text: '{"error":{"code":"internal","message":"ValidationException\\n    at f (/work/main/x.ts:1:2)"}}', headers: {}, via: 'handler' as const };
    const problems = errorProblems({ ...leaky, body: JSON.parse(leaky.text) }, tableNames);
    expect(problems.join(' ')).toMatch(/status 500.*stack trace.*source location.*file path.*DynamoDB error/);
    expect(errorProblems({ status: 400, text: '{"message":"x"}', body: { message: 'x' }, headers: {}, via: 'handler' })).toHaveLength(1);
  });
});

describe.each(ROUTE_KEYS.map((k) => [k]))('%s', (key) => {
  it('refuses every bad input with a 4xx error body and changes nothing; the control succeeds', async () => {
    const row = FUZZ[key];
    expect(row, `no fuzz row for ${key}`).toBeDefined();
    const failures: string[] = [];
    const declared = await declaredStatuses(key);
    let before: Snapshot = await snapshotTables();
    const check = async (name: string, req: Req, want: (res: ApiAnswer) => string[]) => {
      const res = await callApi(req.method, req.path, req);
      const problems = want(res);
      if (res.routeKey !== key) problems.push(`reached ${res.routeKey ?? 'no route'}, not ${key}`);
      if (res.via === 'handler' && !declared.has(res.status)) problems.push(`status ${res.status} is not declared in /openapi.json for ${key}`);
      const after = await snapshotTables();
      const changed = diffSnapshots(before, after);
      if (changed.length) {
        problems.push(`CHANGED DATA: ${changed.slice(0, 5).join('; ')}${changed.length > 5 ? ` (+${changed.length - 5} more)` : ''}`);
        before = after;
      }
      if (problems.length) failures.push(`${name} -> ${res.status} ${res.text.slice(0, 160)} :: ${problems.join(' | ')}`);
    };

    const cases = row!.cases(w);
    for (const c of cases) {
      await check(c.name, c.req, (res) => {
        const problems = errorProblems(res, tableNames);
        if (c.status !== undefined && res.status !== c.status) problems.push(`want ${c.status}`);
        if (res.via !== 'handler' && c.name !== 'no Authorization header') problems.push('answered before the handler');
        if (c.openDefect) {
          // Still open: a 5xx is tolerated, a leak or a write is not; fixed: the marker must go.
          if (res.status >= 400 && res.status < 500) return [`open defect ${c.openDefect} is fixed: remove the marker`];
          return problems.filter((p) => !p.startsWith('status '));
        }
        return problems;
      });
    }
    for (const [i, req] of (row!.ignored?.(w) ?? []).entries()) {
      await check(`ignored junk #${i}`, req, (res) => (res.status >= 200 && res.status < 300 ? [] : [`want 2xx for input the route ignores, got ${res.status}`]));
    }
    expect(failures, `${failures.length} of ${cases.length} cases misbehaved`).toEqual([]);

    // Nothing leaked into shared prototypes from `__proto__` bodies.
    expect(({} as Record<string, unknown>).role).toBeUndefined();

    const control = row!.control(w);
    const ok = await callApi(control.method, control.path, control);
    expect(ok.status, `control ${control.method} ${control.path}: ${ok.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
    expect(ok.status).toBeLessThan(300);
    expect(declared.has(ok.status), `control status ${ok.status} declared`).toBe(true);
  });
});
