/** POST /projects/{projectId}/events/{eventId}/redeliver: queued again, 202 naming the webhooks. */
import { redeliver } from '../../shared/billing/redeliver';
import { accepted, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /projects/{projectId}/events/{eventId}/redeliver').handler(async ({ params, body }) =>
  accepted(await redeliver(storeContext(), params.projectId, params.eventId, body.webhookId)));
