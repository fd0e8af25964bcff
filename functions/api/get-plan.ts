/**
 * GET /plans/{planId}?date=: the version in force on `date` (default today). A project key sees only
 * a plan its project is on (any other is "not found": its existence is not revealed).
 */
import { planVersionFor } from '../../shared/billing/plans';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /plans/{planId}').handler(async ({ auth, params, query }) =>
  ok(await planVersionFor(storeContext(), params.planId, query.date, auth.role === 'project' ? auth.projectId : undefined)));
