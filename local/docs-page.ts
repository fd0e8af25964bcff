/**
 * The twin's HTML API reference at `/docs`: Swagger UI rendering the twin's own `/openapi.json`, with
 * its script and stylesheet served from node_modules (swagger-ui-dist), so it works offline. Twin
 * only: the deployed API has no such route. Its "Try it out" sends requests to the twin itself.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

const DIST = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const VERSION = (JSON.parse(readFileSync(path.join(DIST, 'package.json'), 'utf8')) as { version: string }).version;

/** Swagger UI's initialiser, in a file of its own so that the policy below can forbid inline scripts. */
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Swagger UI would otherwise send the document to an outside validator for its badge.
    validatorUrl: null,
  });
});
`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>paygo API reference (local twin)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css?v=${VERSION}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js?v=${VERSION}"></script>
<script src="/docs/init.js?v=${VERSION}"></script>
</body>
</html>
`;

/**
 * Nothing but the twin itself: a stray reference to a CDN or an outside validator fails in the
 * browser instead of working only while online. Swagger UI sets style attributes and draws icons
 * as data: URIs.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset { type: string; body: () => Buffer }

const fromDist = (file: string): (() => Buffer) => {
  let cached: Buffer | undefined;
  // Read at the first request, not at start: the bundle is 1.7 MB and most runs never open the page.
  return () => (cached ??= readFileSync(path.join(DIST, file)));
};

const page = Buffer.from(HTML);
const init = Buffer.from(INIT_JS);

const ASSETS: Readonly<Record<string, Asset>> = {
  '/docs': { type: 'text/html; charset=utf-8', body: () => page },
  '/docs/': { type: 'text/html; charset=utf-8', body: () => page },
  '/docs/init.js': { type: 'text/javascript; charset=utf-8', body: () => init },
  '/docs/swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', body: fromDist('swagger-ui-bundle.js') },
  '/docs/swagger-ui.css': { type: 'text/css; charset=utf-8', body: fromDist('swagger-ui.css') },
};

/**
 * Answers GET and HEAD of the reference's paths and returns true; anything else returns false and is
 * left to the API's routes (so `POST /docs` is the usual 404).
 */
export function serveDocsPage(req: IncomingMessage, res: ServerResponse): boolean {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const asset = ASSETS[q >= 0 ? url.slice(0, q) : url];
  if (!asset) return false;
  const body = asset.body();
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': String(body.length),
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    // The assets' URLs carry swagger-ui-dist's version, so only the page itself must be re-read.
    'cache-control': asset.type.startsWith('text/html') ? 'no-cache' : 'public, max-age=86400',
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}
