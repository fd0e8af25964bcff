/** PUT /projects/{projectId}/auto-topup: the rule (enabled), or null to remove it. */
import { putAutoTopup } from '../../shared/billing/auto-topup';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('PUT /projects/{projectId}/auto-topup').handler(async ({ params, body }) => ok(await putAutoTopup(storeContext(), params.projectId, body)));
