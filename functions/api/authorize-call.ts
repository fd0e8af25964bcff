/** POST /projects/{projectId}/authorize (admin, telephony): may this call or message start, and for how long. */
import { authorizeCall } from '../../shared/billing/authorize-call';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /projects/{projectId}/authorize').handler(async ({ params, body }) =>
  ok(await authorizeCall(storeContext(), params.projectId, body.kind, body.destination)));
