/**
 * The billing page as served (GET /portal, GET /portal/{asset}): a small HTML shell, and the script and
 * stylesheet bundled at build time (portal-assets.generated.ts). Served by the API itself, on the twin and on
 * AWS alike, with a policy that lets the page load and call nothing but paygo's own origin.
 */
import { PORTAL_CSS, PORTAL_JS, PORTAL_VERSION } from './portal-assets.generated';

/** `default-src 'self'`: no CDN, no outside request; no inline script or style either. */
export const PORTAL_CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'";

/** Every answer of the page's routes: the token lives in the fragment, which no Referer carries anyway. */
export const PORTAL_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const PORTAL_HTML = `<!doctype html>
<html lang="uk">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Billing</title>
<link rel="stylesheet" href="/portal/app.css?v=${PORTAL_VERSION}">
<script src="/portal/app.js?v=${PORTAL_VERSION}" defer></script>
</head>
<body>
<main id="app"><p>…</p></main>
<noscript>JavaScript is needed for this page.</noscript>
</body>
</html>
`;

export const PORTAL_ASSETS: ReadonlyMap<string, { contentType: string; body: string }> = new Map([
  ['app.js', { contentType: 'text/javascript; charset=utf-8', body: PORTAL_JS }],
  ['app.css', { contentType: 'text/css; charset=utf-8', body: PORTAL_CSS }],
]);
