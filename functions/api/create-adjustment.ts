/** POST /projects/{projectId}/adjustments (admin): 201 the first time, 200 with the first answer on a repeat. */
import { makeAdjustment } from '../../shared/billing/make-adjustment';
import { httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('POST /projects/{projectId}/adjustments').handler(async ({ params, body }) => {
  const out = await makeAdjustment(storeContext(), params.projectId, body);
  return { status: out.status, body: out.body };
});
