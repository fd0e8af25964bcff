/** GET /projects/{projectId}/credits: every grant, newest first. */
import { listGrants } from '../../shared/billing/grant-credit';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('GET /projects/{projectId}/credits').handler(async ({ params }) => ok({ grants: await listGrants(storeContext(), params.projectId) }));
