/** POST /projects/{projectId}/webhooks: 201 with the signing secret, shown this once. */
import { createWebhook } from '../../shared/billing/create-webhook';
import { created, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /projects/{projectId}/webhooks').handler(async ({ params, body, headers }) =>
  created(await createWebhook(storeContext(), params.projectId, body, headers['idempotency-key'])));
