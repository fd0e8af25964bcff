/** GET /projects/{projectId}/webhooks: the endpoints, oldest first; never their secrets. */
import { listWebhooks } from '../../shared/billing/webhooks';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/webhooks').handler(async ({ params }) => ok(await listWebhooks(storeContext(), params.projectId)));
