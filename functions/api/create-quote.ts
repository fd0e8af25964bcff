/** POST /quote: a month's price for products, seats, sessions and numbers (shared/domain/quote.ts). */
import { currentCatalog } from '../../shared/catalog-source';
import { quote } from '../../shared/domain/quote';
import { httpRoute, ok } from '../../shared/http/route';

export const handler = httpRoute('POST /quote').handler(async ({ body }) => ok(quote(currentCatalog(), body)));
