/**
 * The billing page in a real browser: Debian's Chromium (`chromium` on PATH, or CHROMIUM_PATH) driven by
 * puppeteer-core, against one twin. A project with a few charged days and calls; then, through its
 * portal links: the figures on the page are the API's, a read-only link cannot switch a product and a
 * link that allows changes can (its product.changed event follows), a forged link shows nothing, the
 * page loads nothing from elsewhere, fits 360 px and 1440 px without horizontal overflow, and axe-core
 * finds no serious or critical problem. Screenshots of both widths go to docs/ with PORTAL_SCREENSHOTS=1.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTwin, type Twin } from '../../local/start';
import { until } from '../support/processes';

const ROOT = join(__dirname, '../..');
// The page's globals inside page.evaluate callbacks (the project's type-check has no DOM library).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const location: any;
declare const window: any;
type Input = { checked: boolean; disabled: boolean };
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is needed for the portal test: apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
}

interface Entry { entryId: string; date: string; type: string; amount: number }

describe('the billing page in Chromium', () => {
  let twin: Twin;
  let browser: Browser;
  const adminKey = 'pg_test_admin_key_for_the_portal_0002';
  let projectId = '';
  const outside: string[] = [];
  const cspErrors: string[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${twin.url}${path}`, {
      method, headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- many shapes
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const link = async (body: unknown) => ((await api('POST', `/projects/${projectId}/portal-sessions`, body)).body as { url: string }).url;
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Kyiv' });

  async function open(url: string, width: number): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport({ width, height: 900 });
    page.on('request', (r) => { if (!r.url().startsWith(twin.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url()); });
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(url, { waitUntil: 'load' });
    return page;
  }
  const ready = (page: Page) => page.waitForSelector('#app[data-ready] #ledger tbody tr', { timeout: 20_000 });

  beforeAll(async () => {
    twin = await startTwin({
      port: 0, adminKey, scheduler: false, poller: { batchWindowMs: 100 },
      dynamoEndpoint: inject('dynamoEndpoint'), tablePrefix: `browser${randomUUID().slice(0, 8)}`,
    });
    browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    // A project five days old with telephony on, two days of calls, the past days charged.
    const start = day(-5);
    projectId = (await api('POST', '/projects', { name: 'Кавʼярня «Ранок»', billingStartDate: start })).body.projectId;
    await api('POST', `/projects/${projectId}/payments`, { paymentId: 'pay-portal-1', amount: 250_000 });
    await api('PUT', `/projects/${projectId}/products/telephony`, { enabled: true, seats: 4, effectiveAt: new Date(Date.now() - 5 * 86_400_000).toISOString() });
    const events = [-4, -3, -3, -2].map((d, i) => ({
      eventId: `portal-call-${i}`, projectId, kind: i === 2 ? 'sms' : 'outgoing_call', destination: i % 2 ? '+380501234567' : '+380441234567',
      occurredAt: `${day(d)}T10:00:00+02:00`, ...(i === 2 ? { segments: 2 } : { durationSec: 60 + i * 45 }),
    }));
    expect((await api('POST', '/usage', { events })).status).toBe(202);
    const paid = 250_000;
    await until(async () => ((await api('GET', `/projects/${projectId}`)).body.balance < paid ? true : undefined), 15_000, 'the debits');
    await until(async () => {
      const usage = await Promise.all([-4, -3, -2].map(async (d) => (await api('GET', `/projects/${projectId}/usage?date=${day(d)}`)).body.events.length as number));
      return usage.reduce((a, b) => a + b, 0) === 4 ? true : undefined;
    }, 15_000, 'the rated events');
    expect((await api('POST', '/admin/billing-runs', { date: day(-1) })).status).toBe(202);
    await until(async () => ((await api('GET', `/projects/${projectId}`)).body.lastChargedDate === day(-1) ? true : undefined), 30_000, 'the billing run');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await twin?.stop();
  });

  it('shows the API figures to the kopeck, fits 1440 px, and a read-only link cannot switch', async () => {
    const page = await open(await link({ locale: 'en' }), 1440);
    await ready(page);
    const [project, forecast, products] = [(await api('GET', `/projects/${projectId}`)).body, (await api('GET', `/projects/${projectId}/forecast`)).body, (await api('GET', `/projects/${projectId}/products`)).body];
    const minor = (sel: string) => page.$eval(sel, (e) => Number(e.getAttribute('data-minor')));
    expect(await minor('#balance .money')).toBe(project.balance);
    expect(await minor('#next-charge .money')).toBe(forecast.nextCharge.amount);
    const digits = String(project.balance);
    expect(await page.$eval('#balance .money', (e) => e.textContent)).toBe(`${digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${digits.slice(-2)}\u00a0UAH`);
    expect(await page.$eval('#runway [data-day]', (e) => e.getAttribute('data-day'))).toBe(forecast.balanceRunsOutOn ?? '');
    for (const p of products.products as { productId: string; monthlyPrice: number; enabled: boolean }[]) {
      expect(await minor(`[data-product="${p.productId}"] .price .money`), p.productId).toBe(p.monthlyPrice);
      expect(await page.$eval(`#product-${p.productId}-switch`, (e) => [(e as unknown as Input).checked, (e as unknown as Input).disabled])).toEqual([p.enabled, true]);
    }
    // The chart: per day, what the spend report says, or (before it exists) the ledger's daily lines.
    const from = day(-29), to = forecast.nextCharge.date as string;
    const report = await api('GET', `/projects/${projectId}/reports/spend?from=${from}&to=${to}&groupBy=day`);
    const want = new Map<string, [number, number]>();
    if (report.status === 200) {
      for (const r of report.body.rows) want.set(r.period, [r.products + r.numbers - r.discount, r.telecom]);
    } else {
      for (const e of (await api('GET', `/projects/${projectId}/ledger?from=${from}&to=${to}&limit=1000`)).body.entries as Entry[]) {
        const [p, t] = want.get(e.date) ?? [0, 0];
        if (['product_daily', 'number_daily', 'discount'].includes(e.type)) want.set(e.date, [p - e.amount, t]);
        if (e.type === 'telecom_daily') want.set(e.date, [p, t - e.amount]);
      }
    }
    const bars = await page.$$eval('svg.chart g[data-day]', (gs) => gs.map((g) => [g.getAttribute('data-day'), Number(g.getAttribute('data-products')), Number(g.getAttribute('data-telecom'))] as const));
    expect(bars).toHaveLength(30);
    expect(bars.filter(([, p, t]) => p !== 0 || t !== 0).map(([d, p, t]) => [d, [p, t]])).toEqual([...want.entries()].filter(([, [p, t]]) => p !== 0 || t !== 0).sort());
    expect([...want.values()].some(([, t]) => t > 0)).toBe(true);
    // Money movements: the first page is the ledger's first 20 entries of the last 30 days.
    const ledger = (await api('GET', `/projects/${projectId}/ledger?from=${from}&limit=20`)).body.entries as Entry[];
    const rows = await page.$$eval('#ledger tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-entry'), Number(tr.querySelector('[data-minor]')!.getAttribute('data-minor'))]));
    expect(rows).toEqual(ledger.map((e) => [e.entryId, e.amount]));
    // The CSV download: the same ledger, asked for as text/csv with the link's token.
    const [csv] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/ledger') && r.request().headers().accept === 'text/csv'),
      page.click('#ledger-csv'),
    ]);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename=".+\.csv"$/);
    // The page's own token, sent by hand, still cannot switch a product.
    const status = await page.evaluate(async (pid) => {
      const token = new URLSearchParams(location.hash.slice(1)).get('token');
      return (await fetch(`/projects/${pid}/products/callback`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"enabled":true}' })).status;
    }, projectId);
    expect(status).toBe(403);
    expect((await api('GET', `/projects/${projectId}/products`)).body.products.find((p: { productId: string }) => p.productId === 'callback').enabled).toBe(false);
    // Credits, statements and the usage report: shown exactly when their routes answer.
    const month = to.slice(0, 8);
    for (const [id, path] of [['#credits', '/credits'], ['#statements', '/statements'], ['#usage', `/reports/usage?from=${month}01&to=${to}&groupBy=country,kind`]] as const) {
      const status = (await api('GET', `/projects/${projectId}${path}`)).status;
      expect(await page.$(id) !== null, id).toBe(status === 200);
    }
    await checkLayout(page, 1440);
    await page.close();
  }, 60_000);

  it('renders credits, statements, the usage report and the credit balance from their contract shapes', async () => {
    // Stand-ins for routes built elsewhere (docs/api.md shapes), answered inside the browser.
    const project = { ...(await api('GET', `/projects/${projectId}`)).body, creditBalance: 12_345 };
    const fixtures = new Map<RegExp, unknown>([
      [/\/credits$/, { grants: [{ grantId: 'g1', amount: 50_000, remaining: 12_345, effectiveOn: '2026-11-01', expiresOn: '2026-12-31', description: 'Welcome credit', status: 'active' }] }],
      [/\/statements$/, { statements: [{ month: '2026-11', openingBalance: 0, closingBalance: 123_456 }] }],
      [/\/reports\/usage\?/, {
        from: '2026-12-01', to: '2026-12-07', groupBy: ['country', 'kind'],
        rows: [{ group: { country: 'PL', kind: 'sms' }, count: 1, durationSec: 0, amount: 250 }, { group: { country: 'UA', kind: 'outgoing_call' }, count: 3, durationSec: 300, amount: 1_234 }],
        total: { count: 4, durationSec: 300, amount: 1_484 },
      }],
      [new RegExp(`/projects/${projectId}$`), project],
    ]);
    const page = await browser.newPage();
    await page.setViewport({ width: 360, height: 900 });
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname + new URL(r.url()).search;
      const hit = [...fixtures.entries()].find(([re]) => re.test(path));
      if (path.endsWith('/statements/2026-11')) void r.respond({ status: 200, contentType: 'application/pdf', body: '%PDF-1.4\n%%EOF\n' });
      else if (hit && r.method() === 'GET') void r.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(hit[1]) });
      else void r.continue();
    });
    await page.goto(await link({ locale: 'en' }), { waitUntil: 'load' });
    await ready(page);
    const minors = (sel: string) => page.$$eval(sel, (es) => es.map((e) => Number(e.getAttribute('data-minor'))));
    expect(await minors('#credit-balance .money')).toEqual([12_345]);
    expect(await minors('#credits tbody .money')).toEqual([50_000, 12_345]);
    expect(await minors('#statements tbody .money')).toEqual([0, 123_456]);
    expect(await page.$$eval('#statements tbody button', (bs) => bs.map((b) => b.getAttribute('aria-label')))).toEqual(['PDF 2026-11']);
    const [pdf] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/statements/2026-11')),
      page.click('#statements tbody button'),
    ]);
    expect(pdf.headers().accept).toBe('application/pdf');
    expect(pdf.headers().authorization).toMatch(/^Bearer pgs_/);
    expect(await minors('#usage tbody .money')).toEqual([250, 1_234, 1_484]);
    expect(await page.$$eval('#usage tbody tr', (trs) => trs.map((tr) => tr.textContent))).toEqual([
      'PLSMS10' + '2.50\u00a0UAH', 'UAOutgoing calls3300' + '12.34\u00a0UAH', 'Total43001' + '4.84\u00a0UAH',
    ]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.evaluate(AXE);
    const serious = await page.evaluate(async () => (await window.axe.run({ resultTypes: ['violations'] })).violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical').map((v: { id: string }) => v.id));
    expect(serious).toEqual([]);
    await page.close();
  }, 60_000);

  it('switches a product with a link that allows changes, after showing tomorrow’s price; fits 360 px (Ukrainian)', async () => {
    const page = await open(await link({ locale: 'uk', allowChanges: true, returnUrl: 'https://operator.example/account' }), 360);
    await ready(page);
    expect(await page.$eval('html', (e) => e.lang)).toBe('uk');
    expect(await page.$eval('a.back', (e) => e.getAttribute('href'))).toBe('https://operator.example/account');
    await checkLayout(page, 360);
    await page.click('#product-calltracking-switch');
    await page.waitForSelector('#product-calltracking-confirm');
    const price = (await api('GET', `/projects/${projectId}/products/calltracking/price`)).body;
    expect(await page.$eval('#product-calltracking-pending .tomorrow', (e) => Number(e.getAttribute('data-minor')))).toBe(price.tomorrow.amount);
    expect(price.tomorrow.amount).toBeGreaterThan(0);
    await page.click('#product-calltracking-confirm');
    await page.waitForFunction(() => (document.getElementById('product-calltracking-switch') as Input | null)?.checked === true
      && document.getElementById('product-calltracking-pending')?.childElementCount === 0);
    const products = (await api('GET', `/projects/${projectId}/products`)).body.products as { productId: string; enabled: boolean }[];
    expect(products.find((p) => p.productId === 'calltracking')?.enabled).toBe(true);
    const events = (await api('GET', `/projects/${projectId}/events`)).body.events as { type: string; data: { productId: string; enabled: boolean } }[];
    expect(events.some((e) => e.type === 'product.changed' && e.data.productId === 'calltracking' && e.data.enabled)).toBe(true);
    await page.close();
  }, 60_000);

  it('shows nothing for a forged link, and nothing was loaded from elsewhere', async () => {
    const good = await link({ locale: 'en' });
    const fragment = new URLSearchParams(new URL(good).hash.slice(1));
    const [payload, mac] = fragment.get('token')!.slice(4).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    fragment.set('token', `pgs_${Buffer.from(JSON.stringify({ ...claims, c: 1 })).toString('base64url')}.${mac}`);
    const page = await open(`${twin.url}/portal#${fragment.toString()}`, 1440);
    await page.waitForSelector('[role=alert]');
    expect(await page.$('#balance')).toBeNull();
    expect(await page.$eval('[role=alert]', (e) => e.textContent)).toMatch(/not valid/);
    await page.close();
    expect(outside).toEqual([]);
    expect(cspErrors).toEqual([]);
  }, 30_000);

  /** No horizontal overflow, axe-core without serious or critical findings, a screenshot for the README. */
  async function checkLayout(page: Page, width: number): Promise<void> {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
    // Through the DevTools protocol: the page's own policy forbids injected scripts, and so it should.
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run({ resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), JSON.stringify(violations)).toEqual([]);
    // docs/ only when asked (PORTAL_SCREENSHOTS=1): a test run should not rewrite tracked files.
    const dir = process.env.PORTAL_SCREENSHOTS === '1' ? join(ROOT, 'docs') : tmpdir();
    await page.screenshot({ path: join(dir, `portal-${width}.png`) as `${string}.png`, fullPage: true });
  }
});
