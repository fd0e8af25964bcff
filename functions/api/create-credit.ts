/** POST /projects/{projectId}/credits (admin): 201 the grant the first time, 200 with the first answer on a repeat. */
import { grantCredit } from '../../shared/billing/grant-credit';
import { httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('POST /projects/{projectId}/credits').handler(async ({ params, body }) => {
  const out = await grantCredit(storeContext(), params.projectId, body);
  return { status: out.status, body: out.body };
});
