/** GET /admin/billing-runs/{date} (admin): what the night's run of `date` did so far, and whether it is done. */
import { billingRunOf } from '../../shared/billing/billing-runs';
import { isBillingDay } from '../../shared/domain/billing-days';
import { DomainError } from '../../shared/domain/errors';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /admin/billing-runs/{date}').handler(async ({ params }) => {
  if (!isBillingDay(params.date)) throw new DomainError('invalid_date', `${params.date.slice(0, 40)} is not a YYYY-MM-DD date`, 400);
  return ok(await billingRunOf(storeContext(), params.date));
});
