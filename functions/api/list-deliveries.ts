/** GET /projects/{projectId}/webhooks/{webhookId}/deliveries: every attempt, newest first, paged. */
import { deliveriesOf } from '../../shared/billing/webhooks';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/webhooks/{webhookId}/deliveries').handler(async ({ params, query }) => ok(await deliveriesOf(storeContext(), params.projectId, params.webhookId, query)));
