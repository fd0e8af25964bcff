/** GET /projects/{projectId}/products/{productId}/price: tomorrow's price of a product with `seats` (shared/billing/product-price.ts). */
import { productPriceTomorrow } from '../../shared/billing/product-price';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/products/{productId}/price').handler(async ({ params, query }) =>
  ok(await productPriceTomorrow(storeContext(), params.projectId, params.productId, query.seats)));
