/**
 * Portal links against a twin, over HTTP: who may make one, what its token may call (the page's routes
 * of its own project, changes only when allowed), and that a forged, expired or other project's link
 * gets nothing. The page's own routes answer with their content-security policy.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTwin, type Twin } from '../../local/start';
import { portalSigner, signPortalToken } from '../../shared/billing/portal-token';

describe('portal sessions', () => {
  let twin: Twin;
  const adminKey = 'pg_test_admin_key_for_the_portal_0001';
  let a: { projectId: string; apiKey: string };
  let b: { projectId: string; apiKey: string };

  const call = async (method: string, path: string, body?: unknown, key: string | null = adminKey) => {
    const res = await fetch(`${twin.url}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try { json = text ? JSON.parse(text) as Record<string, unknown> : undefined; } catch { json = undefined; }
    return { status: res.status, body: json, text, headers: res.headers };
  };
  const tokenOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
  const session = async (projectId: string, body: unknown = {}, key = adminKey) => {
    const res = await call('POST', `/projects/${projectId}/portal-sessions`, body, key);
    expect(res.status).toBe(201);
    return { ...res.body as { url: string; expiresAt: string }, token: tokenOf((res.body as { url: string }).url) };
  };

  beforeAll(async () => {
    twin = await startTwin({
      port: 0, adminKey, scheduler: false, poller: { batchWindowMs: 100 },
      dynamoEndpoint: inject('dynamoEndpoint'), tablePrefix: `portal${randomUUID().slice(0, 8)}`,
    });
    a = (await call('POST', '/projects', { name: 'Portal A' })).body as typeof a;
    b = (await call('POST', '/projects', { name: 'Portal B' })).body as typeof b;
  }, 90_000);
  afterAll(async () => { await twin?.stop(); });

  it('makes a link for 60 minutes, by admin or the project itself, never for another project', async () => {
    const before = Date.now();
    const s = await session(a.projectId, { locale: 'en', returnUrl: 'https://operator.example/account' });
    expect(s.url.startsWith(`${twin.url}/portal#`)).toBe(true);
    const fragment = new URLSearchParams(new URL(s.url).hash.slice(1));
    expect(fragment.get('locale')).toBe('en');
    expect(fragment.get('return')).toBe('https://operator.example/account');
    const expires = Date.parse(s.expiresAt);
    expect(expires).toBeGreaterThan(before + 59 * 60_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    expect((await call('POST', `/projects/${a.projectId}/portal-sessions`, undefined, a.apiKey)).status).toBe(201);
    expect((await call('POST', `/projects/${a.projectId}/portal-sessions`, {}, b.apiKey)).status).toBe(403);
    const res = await call('POST', `/projects/${a.projectId}/portal-sessions`, {});
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses bad bodies with 400', async () => {
    for (const body of [{ locale: 'de' }, { allowChanges: 'yes' }, { returnUrl: 'javascript:alert(1)' }, { returnUrl: 'not a url' }, { extra: 1 }]) {
      const res = await call('POST', `/projects/${a.projectId}/portal-sessions`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await call('POST', '/projects/prj_nope/portal-sessions', {})).status).toBe(404);
  });

  it("a read-only link reads its own project's page data and nothing else", async () => {
    const { token } = await session(a.projectId);
    for (const path of ['', '/forecast', '/products', '/ledger', '/products/telephony/price?seats=5']) {
      expect((await call('GET', `/projects/${a.projectId}${path}`, undefined, token)).status, path).toBe(200);
    }
    expect((await call('GET', `/projects/${b.projectId}`, undefined, token)).status).toBe(403);
    expect((await call('GET', `/projects/${b.projectId}/ledger`, undefined, token)).status).toBe(403);
    // The project key could: the link may not.
    expect((await call('GET', `/projects/${a.projectId}/events`, undefined, token)).status).toBe(403);
    expect((await call('GET', `/projects/${a.projectId}/webhooks`, undefined, token)).status).toBe(403);
    expect((await call('POST', `/projects/${a.projectId}/portal-sessions`, {}, token)).status).toBe(403);
    expect((await call('GET', '/catalog', undefined, token)).status).toBe(403);
    const put = await call('PUT', `/projects/${a.projectId}/products/calltracking`, { enabled: true }, token);
    expect(put.status).toBe(403);
    expect(put.body).toMatchObject({ error: { code: 'forbidden', message: 'this portal link is read-only' } });
    const products = (await call('GET', `/projects/${a.projectId}/products`)).body as { products: { productId: string; enabled: boolean }[] };
    expect(products.products.find((p) => p.productId === 'calltracking')?.enabled).toBe(false);
  });

  it('a link that allows changes switches a product, which makes its product.changed event', async () => {
    const { token } = await session(a.projectId, { allowChanges: true });
    const put = await call('PUT', `/projects/${a.projectId}/products/callback`, { enabled: true }, token);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ productId: 'callback', enabled: true });
    const events = (await call('GET', `/projects/${a.projectId}/events`)).body as { events: { type: string; data: Record<string, unknown> }[] };
    expect(events.events.filter((e) => e.type === 'product.changed').map((e) => e.data)).toContainEqual(expect.objectContaining({ productId: 'callback', enabled: true }));
    // Still only its own project, and not backdating (a project role's limit).
    expect((await call('PUT', `/projects/${b.projectId}/products/callback`, { enabled: true }, token)).status).toBe(403);
    expect((await call('PUT', `/projects/${a.projectId}/products/callback`, { enabled: false, effectiveAt: new Date().toISOString() }, token)).status).toBe(403);
  });

  it('a forged, expired or unknown token gets 401 and no data', async () => {
    const { token } = await session(a.projectId);
    const [payload, mac] = token.slice(4).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `pgs_${Buffer.from(JSON.stringify({ ...claims, p: b.projectId })).toString('base64url')}.${mac}`;
    const expired = await signPortalToken(portalSigner(), { projectId: a.projectId, expiresAt: Date.now() - 1000, allowChanges: true }, 'x');
    for (const bad of [forged, expired, `${token.slice(0, -2)}AA`, 'pgs_', 'pgs_x.y']) {
      const res = await call('GET', `/projects/${bad === forged ? b.projectId : a.projectId}`, undefined, bad);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('balance');
    }
  });

  it('tells tomorrow’s price of a seat change before it is made', async () => {
    const price = await call('GET', `/projects/${a.projectId}/products/telephony/price?seats=10`);
    expect(price.status).toBe(200);
    const body = price.body as { seats: number; monthlyPrice: number; tomorrow: { date: string; amount: number } };
    expect(body.seats).toBe(10);
    const catalog = (await call('GET', '/catalog')).body as { products: { productId: string; monthlyPrice: number; includedSeats?: number; extraSeatMonthlyPrice?: number }[] };
    const tel = catalog.products.find((p) => p.productId === 'telephony')!;
    expect(body.monthlyPrice).toBe(tel.monthlyPrice + (10 - tel.includedSeats!) * tel.extraSeatMonthlyPrice!);
    const [y, m, d] = body.tomorrow.date.split('-').map(Number) as [number, number, number];
    const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
    expect(body.tomorrow.amount).toBe(Math.floor(body.monthlyPrice * d / n) - Math.floor(body.monthlyPrice * (d - 1) / n));
    expect((await call('GET', `/projects/${a.projectId}/products/nope/price`)).status).toBe(404);
    expect((await call('GET', `/projects/${a.projectId}/products/telephony/price?seats=-1`)).status).toBe(400);
  });

  it('serves the page and its assets with a same-origin policy, no key needed', async () => {
    const page = await call('GET', '/portal', undefined, null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    const src = /src="(\/portal\/app\.js\?v=\w+)"/.exec(page.text)?.[1];
    const css = /href="(\/portal\/app\.css\?v=\w+)"/.exec(page.text)?.[1];
    expect(src && css).toBeTruthy();
    const js = await call('GET', src!, undefined, null);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await call('GET', css!, undefined, null)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await call('GET', '/portal/secret.txt', undefined, null)).status).toBe(404);
    // Nothing in the page names another origin.
    expect(`${page.text}${js.text}`).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
