/** POST /projects/{projectId}/topups/{topupId}/failed (admin): the payment service could not take a requested top-up. */
import { failTopup } from '../../shared/billing/auto-topup';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('POST /projects/{projectId}/topups/{topupId}/failed').handler(async ({ params, body }) => ok(await failTopup(storeContext(), params.projectId, params.topupId, body.reason)));
