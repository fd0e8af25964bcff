/** DELETE /projects/{projectId}/credits/{grantId} (admin): 200 the grant, voided; what remained left the balance. */
import { voidCredit } from '../../shared/billing/void-credit';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('DELETE /projects/{projectId}/credits/{grantId}').handler(async ({ params }) => ok(await voidCredit(storeContext(), params.projectId, params.grantId)));
