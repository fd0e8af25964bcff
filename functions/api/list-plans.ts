/** GET /plans (admin): every plan with the days its versions are in force from. */
import { listPlans } from '../../shared/billing/plans';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /plans').handler(async () => ok(await listPlans(storeContext())));
