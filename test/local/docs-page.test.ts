/**
 * The twin's API reference at /docs: the page, its script and its stylesheet are served by the twin
 * itself from node_modules, nothing on the page or in its initialiser comes from another origin, and
 * the page renders the twin's own /openapi.json. (That it draws in a browser was looked at once by
 * hand; no browser runs here.)
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../local/http-server';
import { ROUTES } from '../../shared/http/routes';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createHttpServer({ routes: ROUTES.filter((r) => r.path === '/openapi.json') });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((r) => server.close(r)); });

/** Every URL the page loads: script sources and stylesheet links. */
function loadedBy(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe('GET /docs', () => {
  it('is an HTML page whose every script and stylesheet is a path on the twin', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const urls = loadedBy(html);
    expect(urls.length).toBe(3);
    for (const url of urls) expect(new URL(url, base).origin, url).toBe(base);
    expect(html).not.toMatch(/https?:\/\//);
    // No inline script: the page runs only what the twin serves.
    expect([...html.matchAll(/<script\b[^>]*>([^<]*)<\/script>/g)].map((m) => m[1]!.trim())).toEqual(['', '']);
  });

  it('forbids the browser to load anything from another origin', async () => {
    const csp = (await fetch(`${base}/docs`)).headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    for (const [name, sources] of Object.entries(directives)) {
      for (const s of sources as string[]) expect(s, `${name} ${s}`).toMatch(/^('self'|'none'|'unsafe-inline'|data:)$/);
    }
  });

  it("serves Swagger UI's bundle and stylesheet from node_modules, with their content types", async () => {
    const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
    const html = await (await fetch(`${base}/docs`)).text();
    const [css, bundle] = loadedBy(html);
    const js = await fetch(new URL(bundle!, base));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(Buffer.from(await js.arrayBuffer()).equals(readFileSync(path.join(dist, 'swagger-ui-bundle.js')))).toBe(true);
    const style = await fetch(new URL(css!, base));
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await style.text()).length).toBe(readFileSync(path.join(dist, 'swagger-ui.css'), 'utf8').length);
  });

  it("renders the twin's own /openapi.json, with Swagger UI's outside validator off", async () => {
    const html = await (await fetch(`${base}/docs`)).text();
    const init = await fetch(new URL(loadedBy(html)[2]!, base));
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await init.text();
    expect(js).toContain("url: '/openapi.json'");
    expect(js).toContain('validatorUrl: null');
    expect(js).not.toMatch(/https?:\/\//);
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
  });

  it('is the twin\'s only extra: other methods and other paths under /docs go to the API\'s routes', async () => {
    expect((await fetch(`${base}/docs`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/docs/..%2fpackage.json`)).status).toBe(404);
    const head = await fetch(`${base}/docs/swagger-ui-bundle.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
