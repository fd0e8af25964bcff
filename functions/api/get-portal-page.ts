/** GET /portal (public): the billing page's HTML; its link's session token is in the URL fragment (shared/http/portal-page.ts). */
import { httpRoute } from '../../shared/http/route';
import { PORTAL_HEADERS, PORTAL_HTML } from '../../shared/http/portal-page';

export const handler = httpRoute('GET /portal').handler(async () => ({
  status: 200,
  // The shell names its assets by version: re-read it each time, keep the assets.
  headers: { ...PORTAL_HEADERS, 'cache-control': 'no-cache' },
  text: { contentType: 'text/html; charset=utf-8', body: PORTAL_HTML },
}));
