/**
 * Answers that are safe to keep and to open (issue 13 §2, §3): a day's usage paged like the ledger,
 * JSON or CSV; CSV cells a spreadsheet would run as formulas neutralised while numbers stay numbers;
 * CSV answers saved as attachments; answers carrying a key not stored by any cache.
 */
import type { Context } from 'aws-lambda';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createApiKey } from '../../functions/api/create-api-key';
import { handler as createProject } from '../../functions/api/create-project';
import { handler as listLedger } from '../../functions/api/list-ledger';
import { handler as listUsage } from '../../functions/api/list-usage';
import { handler as postUsage } from '../../functions/api/post-usage';
import { chargeThrough } from '../../shared/billing/charge-through';
import { recordPayment } from '../../shared/billing/payments';
import { mapLimit } from '../../shared/concurrency';
import type { HttpEvent } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';
import { usageItemOf } from '../../shared/store/usage';
import { billingEnv, change, newProject, number, product } from '../support/billing';
import { apiEvent, call, projectAuth, TELEPHONY } from '../support/http';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });

const USAGE = 'GET /projects/{projectId}/usage';
const LEDGER = 'GET /projects/{projectId}/ledger';
const context = { getRemainingTimeInMillis: () => 600_000 } as unknown as Context;
/** The handler's raw answer (a CSV body is not JSON). */
const raw = (handler: (e: HttpEvent, c: Context) => Promise<{ statusCode?: number; headers?: Record<string, unknown>; body?: string }>, key: string, opts: Parameters<typeof apiEvent>[1]) =>
  handler(apiEvent(key, opts), context);

describe('GET /projects/{projectId}/usage pages like the ledger', () => {
  it('answers a busy day in pages of at most 1,000, each event once, with nextCursor', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01' });
    const ctx = storeContext();
    const events = Array.from({ length: 1_001 }, (_, i) => ({
      eventId: `busy-${String(i).padStart(4, '0')}`, projectId: p, kind: 'sms' as const, destination: '+380671234567',
      occurredAt: new Date(Date.parse('2026-03-09T22:00:00Z') + i * 60_000).toISOString(), segments: 1, cost: 120,
    }));
    // Stored as ingestion stores them, 25 a request (a test shortcut: no conditions needed on fresh ids).
    const batches = Array.from({ length: Math.ceil(events.length / 25) }, (_, i) => events.slice(i * 25, i * 25 + 25));
    await mapLimit(batches, 4, (batch) => env.doc.send(new BatchWriteCommand({
      RequestItems: { [env.tables.USAGE_TABLE]: batch.map((e) => ({ PutRequest: { Item: usageItemOf(ctx.zone, e, '2026-03-10T10:00:00.000Z') } })) },
    })));
    const params = { projectId: p };
    const first = await call(listUsage, USAGE, { params, query: { date: '2026-03-10' } });
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(1_000);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(listUsage, USAGE, { params, query: { date: '2026-03-10', cursor: first.body.nextCursor } });
    expect(second.body).toEqual({ events: [{ ...events[1_000], cost: 120 }], nextCursor: null });
    const ids = [...first.body.events, ...second.body.events].map((e: { eventId: string }) => e.eventId);
    expect(ids).toEqual(events.map((e) => e.eventId));
    // Smaller pages, and the contract's limits.
    const small = await call(listUsage, USAGE, { params, query: { date: '2026-03-10', limit: '2' } });
    expect(small.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(['busy-0000', 'busy-0001']);
    expect((await call(listUsage, USAGE, { params, query: { date: '2026-03-10', limit: '1001' } })).status).toBe(400);
    // A cursor of one day does not list another.
    const elsewhere = await call(listUsage, USAGE, { params, query: { date: '2026-03-11', cursor: first.body.nextCursor } });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([400, 'invalid_cursor']);
  });

  it('answers the same page as CSV, saved as a file, with the next cursor in a header', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01' });
    await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [
      { eventId: 'csv-1', projectId: p, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T09:00:00+02:00', durationSec: 90 },
      { eventId: 'csv-2', projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T08:00:00Z', segments: 2 },
    ] } });
    const res = await raw(listUsage, USAGE, { auth: projectAuth(p), params: { projectId: p }, query: { date: '2026-03-10', limit: '1' }, headers: { accept: 'text/csv' } });
    expect(res.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers?.['content-disposition']).toBe(`attachment; filename="usage-${p}-2026-03-10.csv"`);
    expect(res.headers?.['x-next-cursor']).toEqual(expect.any(String));
    expect(res.body!.split('\r\n')).toEqual([
      'eventId,projectId,kind,destination,occurredAt,durationSec,segments,cost',
      `csv-1,${p},outgoing_call,'+380441234567,2026-03-10T09:00:00+02:00,90,,90`,
      '',
    ]);
  });
});

describe('ledger CSV', () => {
  it('neutralises text cells a spreadsheet would run, keeps amounts plain numbers, and is an attachment', async () => {
    env.at('2026-03-10T10:00:00Z');
    const p = await newProject({ billingStartDate: '2026-03-01' });
    await recordPayment(storeContext(), p, '-2+3', 50_000); // an id a formula could start with
    await change(p, '2026-03-01T10:00:00+02:00', product('telephony', true, 5));
    await change(p, '2026-03-01T10:00:00+02:00', number('+380441230001', true));
    await chargeThrough(storeContext(), p, '2026-03-01');
    const res = await raw(listLedger, LEDGER, { auth: projectAuth(p), params: { projectId: p }, query: { from: '2026-03-01', to: '2026-03-10' }, headers: { accept: 'text/csv' } });
    expect(res.headers?.['content-disposition']).toBe(`attachment; filename="ledger-${p}-from-2026-03-01-to-2026-03-10.csv"`);
    const rows = res.body!.split('\r\n');
    // Business telephony 5 seats: 499.00 + 2 x 99.00 = 697.00; day 1 of 31: floor(69700/31) = 2248.
    expect(rows).toContain('charge#2026-03-01#product#telephony,2026-03-01,product_daily,"Business telephony (5 seats: 2 extra), day 1 of 31: 1/31 of 697.00 UAH per month",-2248,true,telephony,');
    // The number in its own cell starts with +: a formula to a spreadsheet, so it is quoted as text; the amount is not.
    expect(rows).toContain("charge#2026-03-01#number#+380441230001,2026-03-01,number_daily,\"Number +380441230001 (local), day 1 of 31: 1/31 of 150.00 UAH per month\",-483,true,,'+380441230001");
    expect(rows.find((r) => r.startsWith('payment#'))).toBe('payment#-2+3,2026-03-10,payment,Payment -2+3,50000,true,,');
    const plain = await raw(listLedger, LEDGER, { auth: projectAuth(p), params: { projectId: p }, query: {} });
    expect(plain.headers?.['content-disposition']).toBeUndefined();
    expect(plain.headers?.['content-type']).toBe('application/json');
  });
});

describe('answers that carry a key', () => {
  it('are sent with Cache-Control: no-store (POST /projects, its replay and its errors; POST /api-keys)', async () => {
    const made = await call(createProject, 'POST /projects', { body: { name: 'no-store' }, headers: { 'idempotency-key': 'no-store-1' } });
    expect([made.status, made.headers['cache-control']]).toEqual([201, 'no-store']);
    expect(made.body.apiKey).toEqual(expect.any(String));
    const replay = await call(createProject, 'POST /projects', { body: { name: 'no-store' }, headers: { 'idempotency-key': 'no-store-1' } });
    expect([replay.status, replay.headers['cache-control']]).toEqual([201, 'no-store']);
    expect((await call(createProject, 'POST /projects', { body: {} })).headers['cache-control']).toBe('no-store');
    const key = await call(createApiKey, 'POST /api-keys', { body: { role: 'project', projectId: made.body.projectId } });
    expect([key.status, key.headers['cache-control']]).toEqual([201, 'no-store']);
    // A route that carries no secret leaves caching to the client.
    expect((await call(listUsage, USAGE, { params: { projectId: made.body.projectId }, query: { date: '2026-03-10' } })).headers['cache-control']).toBeUndefined();
  });
});
