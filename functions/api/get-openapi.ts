/** GET /openapi.json: the OpenAPI 3.1 document generated from the contract's zod schemas. */
import { openApiDocument } from '../../shared/http/openapi';
import { httpRoute, ok } from '../../shared/http/route';

export const handler = httpRoute('GET /openapi.json').handler(async () => ok(openApiDocument()));
