/** POST /projects/{projectId}/payments (admin): 201 the first time, 200 with the same body on a repeat. */
import { recordPayment } from '../../shared/billing/payments';
import { httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /projects/{projectId}/payments').handler(async ({ params, body }) => {
  const out = await recordPayment(storeContext(), params.projectId, body.paymentId, body.amount);
  return { status: out.status, body: out.body };
});
