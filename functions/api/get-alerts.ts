/** GET /projects/{projectId}/alerts: the rules, every one present (null: off). */
import { alertRules } from '../../shared/billing/alerts';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/alerts').handler(async ({ params }) => ok(await alertRules(storeContext(), params.projectId)));
