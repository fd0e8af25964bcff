/** POST /plans (admin): a new plan, its version 1 in force from 2000-01-01; 409 when the plan exists. */
import { createPlan } from '../../shared/billing/plans';
import { created, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /plans').handler(async ({ body }) => created(await createPlan(storeContext(), body)));
