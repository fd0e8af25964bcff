/** GET /portal/{asset} (public): the billing page's script or stylesheet, bundled at build time. */
import { NotFound } from '../../shared/domain/errors';
import { httpRoute } from '../../shared/http/route';
import { PORTAL_ASSETS, PORTAL_HEADERS } from '../../shared/http/portal-page';

export const handler = httpRoute('GET /portal/{asset}').handler(async ({ params }) => {
  const asset = PORTAL_ASSETS.get(params.asset);
  // The name is not echoed back: it is whatever the caller typed.
  if (!asset) throw new NotFound('this portal asset');
  return { status: 200, headers: { ...PORTAL_HEADERS, 'cache-control': 'public, max-age=86400' }, text: asset };
});
