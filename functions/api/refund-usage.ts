/** POST /projects/{projectId}/usage/{eventId}/refund (admin): 201 the first time, 200 with the first answer on a repeat. */
import { refundUsage } from '../../shared/billing/refund-usage';
import { httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('POST /projects/{projectId}/usage/{eventId}/refund').handler(async ({ params, body }) => {
  const out = await refundUsage(storeContext(), params.projectId, params.eventId, body);
  return { status: out.status, body: out.body };
});
