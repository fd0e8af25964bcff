/** PUT /projects/{projectId}/plan (admin): move the project to another plan from a later day (default tomorrow). */
import { movePlan } from '../../shared/billing/timeline-changes';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('PUT /projects/{projectId}/plan').handler(async ({ body, params }) =>
  ok(await movePlan(storeContext(), params.projectId, body.planId, body.effectiveFrom)));
