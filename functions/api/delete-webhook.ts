/** DELETE /projects/{projectId}/webhooks/{webhookId}: 204; nothing more is delivered to it. */
import { deleteWebhook } from '../../shared/billing/webhooks';
import { httpRoute, noContent } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('DELETE /projects/{projectId}/webhooks/{webhookId}').handler(async ({ params }) => {
  await deleteWebhook(storeContext(), params.projectId, params.webhookId);
  return noContent();
});
