/** GET /openapi.json: the OpenAPI 3.1 document generated from the contract's zod schemas. */
import { openApiDocumentAt, serverUrlOf } from '../../shared/http/openapi';
import { httpRoute, ok } from '../../shared/http/route';

export const handler = httpRoute('GET /openapi.json').handler(async ({ event }) => ok(openApiDocumentAt(serverUrlOf(event))));
