/** GET /projects/{projectId}/statements: every monthly statement's month and balances, newest first. */
import { listStatements } from '../../shared/billing/statements';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/statements').handler(async ({ params }) => ok(await listStatements(storeContext(), params.projectId)));
