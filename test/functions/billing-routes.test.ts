import { beforeAll, describe, expect, it } from 'vitest';
import { handler as addNumber } from '../../functions/api/add-number';
import { handler as createBillingRun } from '../../functions/api/create-billing-run';
import { handler as createQuote } from '../../functions/api/create-quote';
import { handler as getForecast } from '../../functions/api/get-forecast';
import { handler as listLedger } from '../../functions/api/list-ledger';
import { handler as listProducts } from '../../functions/api/list-products';
import { handler as putProduct } from '../../functions/api/put-product';
import { handler as putSessions } from '../../functions/api/put-sessions';
import { handler as removeNumber, normalizeNumber } from '../../functions/api/remove-number';
import { storeContext } from '../../shared/store/context';
import { readCurrentTimeline } from '../../shared/store/timeline';
import { billingEnv, ledgerOf, newProject, project } from '../support/billing';
import { ADMIN, apiEvent, call, projectAuth, TELEPHONY, type EventOptions } from '../support/http';
import { chargeThrough } from '../../shared/billing/charge-through';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });

const PRODUCTS = 'GET /projects/{projectId}/products';
const PUT_PRODUCT = 'PUT /projects/{projectId}/products/{productId}';
const ADD_NUMBER = 'POST /projects/{projectId}/numbers';
const REMOVE_NUMBER = 'DELETE /projects/{projectId}/numbers/{number}';
const SESSIONS = 'POST /projects/{projectId}/sessions';
const LEDGER = 'GET /projects/{projectId}/ledger';
const FORECAST = 'GET /projects/{projectId}/forecast';

describe('products', () => {
  it('switches products and seats, shows the dashboard, and says what tomorrow\'s charge becomes', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-10', balance: 100_000 });
    const auth = projectAuth(id);
    const on = await call(putProduct, PUT_PRODUCT, { auth, params: { projectId: id, productId: 'telephony' }, body: { enabled: true, seats: 5 } });
    expect(on.status).toBe(200);
    // Tonight charges today, 03-10, day 10 of 31: 697.00/month -> floor(69700*10/31) - floor(69700*9/31) = 22483 - 20235 = 2248.
    expect(on.body).toMatchObject({ productId: 'telephony', enabled: true, seats: 5, monthlyPrice: 69_700, effectiveAt: '2026-03-10T10:00:00.000Z', nextCharge: { date: '2026-03-10', amount: 2248 } });

    const second = await call(putProduct, PUT_PRODUCT, { auth, params: { projectId: id, productId: 'analytics' }, body: { enabled: true } });
    // Analytics 399.00: floor(39900*10/31) - floor(39900*9/31) = 12870 - 11583 = 1287; discount 5% of (2248 + 1287) = round(176.75) = 177.
    expect(second.body.nextCharge.amount).toBe(2248 + 1287 - 177);

    await call(putSessions, SESSIONS, { auth: TELEPHONY, params: { projectId: id }, body: { date: '2026-03-09', count: 9_500 } });
    const list = await call(listProducts, PRODUCTS, { auth, params: { projectId: id } });
    expect(list.status).toBe(200);
    expect(list.body.discountPercent).toBe(5);
    const byId = Object.fromEntries(list.body.products.map((p: { productId: string }) => [p.productId, p]));
    // What the plan's version says each price includes, as it is.
    expect(byId.telephony).toMatchObject({ enabled: true, seats: 5, monthlyPrice: 69_700, included: ['3 seats', 'the app for calls and CRM'] });
    // 9,500 sessions in 30 days: ceil(2500 / 1000) = 3 extra blocks at 49.00 -> 399.00 + 147.00.
    expect(byId.analytics).toMatchObject({ enabled: true, monthlyPrice: 54_600, included: ['7,000 sessions per 30 days'] });
    expect(byId.calltracking).toMatchObject({ enabled: false, monthlyPrice: 79_900, included: [] });

    // What the answer promised is what the night charges (analytics now with the 3 extra blocks).
    const promised = await call(putProduct, PUT_PRODUCT, { auth, params: { projectId: id, productId: 'telephony' }, body: { enabled: true, seats: 4 } });
    env.at('2026-03-10T22:05:00Z'); // 00:05 on the 11th in Kyiv
    const night = await chargeThrough(storeContext(), id, '2026-03-10');
    expect(night.days[0]!.amount).toBe(promised.body.nextCharge.amount);
  });

  it('refuses what the contract refuses', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 100_000 });
    const other = await newProject({ billingStartDate: '2026-03-01' });
    await chargeThrough(storeContext(), id, '2026-03-05');
    const put = (auth: EventOptions['auth'], productId: string, body: unknown) => call(putProduct, PUT_PRODUCT, { auth, params: { projectId: id, productId }, body });
    // effectiveAt is admin-only...
    expect((await put(projectAuth(id), 'callback', { enabled: true, effectiveAt: '2026-03-07T10:00:00+02:00' })).body.error.code).toBe('forbidden');
    // ... and only into a day not yet charged.
    const late = await put(ADMIN, 'callback', { enabled: true, effectiveAt: '2026-03-05T23:59:00+02:00' });
    expect([late.status, late.body.error.code]).toEqual([409, 'day_already_charged']);
    expect((await put(ADMIN, 'callback', { enabled: true, effectiveAt: '2026-03-06T00:00:00+02:00' })).status).toBe(200);
    expect((await put(ADMIN, 'callback', { enabled: true, seats: 2 })).status).toBe(400);
    expect((await put(ADMIN, 'voicemail', { enabled: true })).status).toBe(404);
    expect((await put(ADMIN, 'callback', { enabled: true, colour: 'red' })).status).toBe(400);
    expect((await put(projectAuth(other), 'callback', { enabled: true })).status).toBe(403);
    expect((await put(TELEPHONY, 'callback', { enabled: true })).status).toBe(403);
    expect((await call(listProducts, PRODUCTS, { params: { projectId: 'prj_missing' } })).status).toBe(404);
    // Nothing refused was written: the accepted backdated change is the only one since the charged days.
    const read = await readCurrentTimeline(storeContext(), id, '2026-03-10');
    expect(read.base?.asOf).toBe('2026-03-05');
    expect(read.changes.map((c) => c.at)).toEqual(['2026-03-05T22:00:00.000Z']);
  });
});

describe('numbers', () => {
  it('adds and releases numbers, in any spelling of the path', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-10' });
    const auth = projectAuth(id);
    const add = (n: string) => call(addNumber, ADD_NUMBER, { auth, params: { projectId: id }, body: { number: n, type: 'local' } });
    const remove = (n: string) => call(removeNumber, REMOVE_NUMBER, { auth, params: { projectId: id, number: n } });
    const added = await add('+380441234567');
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ number: '+380441234567', type: 'local', effectiveAt: '2026-03-10T10:00:00.000Z' });
    expect((await add('+380441234567')).body.error.code).toBe('number_already_held');
    expect((await remove('%2B380441234567')).status).toBe(204);
    expect((await remove('+380441234567')).status).toBe(404);
    await add('+380447654321');
    expect((await remove('380447654321')).status).toBe(204);
    expect((await remove('hello')).status).toBe(400);
    expect((await call(addNumber, ADD_NUMBER, { auth, params: { projectId: id }, body: { number: '+380441111111', type: 'local', effectiveAt: '2026-03-10T12:00:00+02:00' } })).status).toBe(403);
    expect((await call(removeNumber, REMOVE_NUMBER, { auth, params: { projectId: id, number: '+380441234567' }, query: { effectiveAt: '2026-03-10T12:00:00+02:00' } })).status).toBe(403);
  });

  it('normalizes a number from a path', () => {
    expect(normalizeNumber('%2B380441234567')).toBe('+380441234567');
    expect(normalizeNumber('+380441234567')).toBe('+380441234567');
    expect(normalizeNumber(' 380441234567')).toBe('+380441234567'); // a '+' read as a space
    expect(normalizeNumber('380441234567')).toBe('+380441234567');
    expect(() => normalizeNumber('+0123')).toThrow();
  });
});

describe('sessions', () => {
  it('records a day (a repeat replaces it) for telephony and admin keys only', async () => {
    const id = await newProject({ billingStartDate: '2026-03-10' });
    const post = (auth: EventOptions['auth'], count: number, projectId = id) => call(putSessions, SESSIONS, { auth, params: { projectId }, body: { date: '2026-03-09', count } });
    expect((await post(TELEPHONY, 100)).body).toEqual({ date: '2026-03-09', count: 100 });
    expect((await post(ADMIN, 8_100)).status).toBe(200);
    expect((await post(projectAuth(id), 1)).status).toBe(403);
    expect((await post(TELEPHONY, 1, 'prj_missing')).status).toBe(404);
    // The replaced count is the one in force: 8,100 sessions -> 2 extra blocks on the products view.
    await call(putProduct, PUT_PRODUCT, { params: { projectId: id, productId: 'analytics' }, body: { enabled: true } });
    const list = await call(listProducts, PRODUCTS, { params: { projectId: id } });
    expect(list.body.products.find((p: { productId: string }) => p.productId === 'analytics').monthlyPrice).toBe(39_900 + 2 * 4_900);
  });
});

describe('ledger', () => {
  it('pages with the cursor over every entry once, and the CSV has the same rows', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 50_000 });
    await call(putProduct, PUT_PRODUCT, { params: { projectId: id, productId: 'telephony' }, body: { enabled: true, effectiveAt: '2026-03-01T00:00:00+02:00' } });
    await call(addNumber, ADD_NUMBER, { params: { projectId: id }, body: { number: '+380441234567', type: 'mobile', effectiveAt: '2026-03-03T00:00:00+02:00' } });
    await chargeThrough(storeContext(), id, '2026-03-09');
    const all = await ledgerOf(id);
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(listLedger, LEDGER, { auth: projectAuth(id), params: { projectId: id }, query: { limit: '4', ...(cursor ? { cursor } : {}) } });
      expect(page.status).toBe(200);
      seen.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);

    // `call` parses JSON; the CSV is read from the handler's raw answer.
    const raw = await listLedger(apiEvent(LEDGER, { params: { projectId: id }, query: { limit: '1000' }, headers: { accept: 'text/csv' } }), {} as never);
    expect(raw.headers?.['content-type']).toContain('text/csv');
    const rows = String(raw.body).trimEnd().split('\r\n');
    expect(rows[0]).toBe('entryId,date,type,description,amount,balanceEffect,productId,number');
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(all.map((e) => e.entryId));

    expect((await call(listLedger, LEDGER, { params: { projectId: id }, query: { cursor: 'garbage!' } })).body.error.code).toBe('invalid_cursor');
    expect((await call(listLedger, LEDGER, { params: { projectId: id }, query: { limit: '1001' } })).status).toBe(400);
    expect((await call(listLedger, LEDGER, { params: { projectId: id }, query: { from: '2026-03-05', to: '2026-03-04' } })).status).toBe(400);
  });
});

describe('forecast, quote and billing runs', () => {
  it("forecasts tonight's charge as the night then makes it", async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 300_000 });
    await call(putProduct, PUT_PRODUCT, { params: { projectId: id, productId: 'calltracking' }, body: { enabled: true, effectiveAt: '2026-03-01T00:00:00+02:00' } });
    await call(addNumber, ADD_NUMBER, { params: { projectId: id }, body: { number: '+380441234500', type: 'tollfree', effectiveAt: '2026-03-02T00:00:00+02:00' } });
    await chargeThrough(storeContext(), id, '2026-03-09');
    const f = await call(getForecast, FORECAST, { auth: projectAuth(id), params: { projectId: id } });
    expect(f.status).toBe(200);
    expect(f.body).toMatchObject({ currency: 'UAH', balance: (await project(id)).balance, nextCharge: { date: '2026-03-10' } });
    env.at('2026-03-10T22:05:00Z');
    const night = await chargeThrough(storeContext(), id, '2026-03-10');
    expect(night.days[0]!.amount).toBe(f.body.nextCharge.amount);
    expect(night.days[0]!.lines.filter((l) => l.type !== 'telecom_daily')).toEqual(f.body.nextCharge.lines);
  });

  it('quotes a month', async () => {
    const q = await call(createQuote, 'POST /quote', { auth: TELEPHONY, body: { products: ['telephony', 'calltracking'], numbers: { local: 2 } } });
    // 499.00 + 799.00 = 1,298.00; 5% discount = 64.90; 2 local numbers = 300.00: 1298.00 - 64.90 + 300.00 = 1,533.10.
    expect(q.status).toBe(200);
    expect(q.body.monthlyTotal).toBe(153_310);
  });

  it('runs the fan-out for a past day only', async () => {
    env.at('2026-03-10T10:00:00Z');
    env.sent.length = 0;
    const run = (date: string, auth = ADMIN) => call(createBillingRun, 'POST /admin/billing-runs', { auth, body: { date } });
    expect((await run('2026-03-10')).body.error.code).toBe('date_not_past');
    expect((await run('2026-03-11')).status).toBe(400);
    expect((await run('2026-03-09', projectAuth('x'))).status).toBe(403);
    const ok = await run('2026-03-09');
    expect(ok.status).toBe(202);
    expect(ok.body.date).toBe('2026-03-09');
    expect(ok.body.projects).toBe(env.sent.length);
    expect(env.sent.length).toBeGreaterThan(0);
    expect(env.sent.every((m) => m.date === '2026-03-09')).toBe(true);
  });
});
