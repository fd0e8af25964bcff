/** POST /plans/{planId}/versions (admin): the plan's next version, in force from `effectiveFrom` (shared/billing/plans.ts says what is refused). */
import { publishVersion } from '../../shared/billing/plans';
import { created, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /plans/{planId}/versions').handler(async ({ body, params }) =>
  created(await publishVersion(storeContext(), params.planId, body)));
