/**
 * PUT /projects/{projectId}/products/{productId}: switch a product on or off, set telephony seats.
 * Appends a dated change (never overwrites); `effectiveAt` is for support corrections, admin only,
 * and only into a day not yet charged (409 `day_already_charged`).
 *
 * The answer's `nextCharge` is "what tomorrow's charge becomes": the nightly run just after midnight
 * charges the day that has just ended, so the charge made tomorrow morning is the charge of TODAY
 * (`date: today`), computed with this change and every other known change in force.
 */
import { currentCatalog } from '../../shared/catalog-source';
import { ProductId } from '../../shared/domain/catalog';
import { Forbidden, NotFound, ValidationFailed } from '../../shared/domain/errors';
import { ok, httpRoute } from '../../shared/http/route';
import { storeContext, todayOf } from '../../shared/store/context';
import { chargeOf, productViewAt } from '../../shared/store/product-views';
import { appendChange } from '../../shared/store/timeline';

export const handler = httpRoute('PUT /projects/{projectId}/products/{productId}').handler(async ({ auth, body, params }) => {
  const parsed = ProductId.safeParse(params.productId);
  if (!parsed.success) throw new NotFound(`product ${params.productId}`);
  const productId = parsed.data;
  if (body.effectiveAt !== undefined && auth.role !== 'admin') throw new Forbidden('only an admin key may set effectiveAt');
  if (body.seats !== undefined && productId !== 'telephony') throw new ValidationFailed('seats apply to telephony only');

  const ctx = storeContext();
  const catalog = currentCatalog();
  const done = await appendChange(ctx, params.projectId!, { effectiveAt: body.effectiveAt, by: auth.apiKeyId }, () => ({
    kind: 'product', productId, enabled: body.enabled, ...(body.seats !== undefined ? { seats: body.seats } : {}),
  }));
  const today = todayOf(ctx);
  // A project whose billing starts later is first charged for its start day.
  const date = done.project.billingStartDate > today ? done.project.billingStartDate : today;
  return ok({
    // The product from the change's instant on.
    ...productViewAt(done.read, catalog, Date.parse(done.at), productId),
    effectiveAt: done.at,
    nextCharge: { date, amount: chargeOf(done.read, catalog, date).amount },
  });
});
