/** GET /portal/{asset} (public): the billing page's script or stylesheet, bundled at build time. */
import { NotFound } from '../../shared/domain/errors';
import { httpRoute } from '../../shared/http/route';
import { PORTAL_ASSETS, PORTAL_HEADERS } from '../../shared/portal/page';

export const handler = httpRoute('GET /portal/{asset}').handler(async ({ params }) => {
  const asset = PORTAL_ASSETS.get(params.asset);
  if (!asset) throw new NotFound(`portal asset ${params.asset}`);
  return { status: 200, headers: { ...PORTAL_HEADERS, 'cache-control': 'public, max-age=86400' }, text: asset };
});
