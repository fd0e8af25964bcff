/** PUT /projects/{projectId}/alerts: replaces the rules; a rule null or absent is off. */
import { putAlertRules } from '../../shared/billing/alerts';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('PUT /projects/{projectId}/alerts').handler(async ({ params, body }) => ok(await putAlertRules(storeContext(), params.projectId, body)));
