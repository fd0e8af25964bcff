/** GET /projects/{projectId}/products: the customer's products page (shared/billing/project-views.ts). */
import { productsOf } from '../../shared/billing/project-views';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/products').handler(async ({ params }) => ok(await productsOf(storeContext(), params.projectId)));
