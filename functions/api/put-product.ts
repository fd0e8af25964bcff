/**
 * PUT /projects/{projectId}/products/{productId}: switch a product on or off, set seats of a
 * seat-priced one.
 * Appends a dated change (never overwrites); `effectiveAt` is for support corrections, admin only,
 * and only into a day not yet charged (409 `day_already_charged`). The answer is the product from the
 * change on, and what the next nightly charge becomes.
 */
import { productAfterChange } from '../../shared/billing/project-views';
import { changeProduct } from '../../shared/billing/timeline-changes';
import { Forbidden, NotFound } from '../../shared/domain/errors';
import { ProductId } from '../../shared/domain/plan';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('PUT /projects/{projectId}/products/{productId}').handler(async ({ auth, body, params }) => {
  const parsed = ProductId.safeParse(params.productId);
  if (!parsed.success) throw new NotFound(`product ${params.productId}`);
  const productId = parsed.data;
  if (body.effectiveAt !== undefined && auth.role !== 'admin') throw new Forbidden('only an admin key may set effectiveAt');
  const ctx = storeContext();
  const done = await changeProduct(ctx, params.projectId, { productId, enabled: body.enabled, ...(body.seats !== undefined ? { seats: body.seats } : {}) }, { effectiveAt: body.effectiveAt, by: auth.apiKeyId });
  return ok(await productAfterChange(ctx, done, productId));
});
