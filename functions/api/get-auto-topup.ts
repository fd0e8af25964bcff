/** GET /projects/{projectId}/auto-topup: the rule with its status, outstanding top-up and this month's requests, or null. */
import { getAutoTopup } from '../../shared/billing/auto-topup';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('GET /projects/{projectId}/auto-topup').handler(async ({ params }) => ok(await getAutoTopup(storeContext(), params.projectId)));
