/** GET /catalog: the catalog in force for this deployment. */
import { currentCatalog } from '../../shared/catalog-source';
import { httpRoute, ok } from '../../shared/http/route';

export const handler = httpRoute('GET /catalog').handler(async () => ok(currentCatalog()));
