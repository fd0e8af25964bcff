/**
 * A typed client for the paygo HTTP API: `openapi-fetch` over the types that `npm run client`
 * generates from the OpenAPI document (client/schema.d.ts). Paths, parameters, bodies and answers are
 * checked by the compiler, so a contract change that breaks a caller fails its type-check.
 *
 * ```ts
 * const paygo = createPaygoClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.PAYGO_ADMIN_KEY });
 * const { data, error } = await paygo.GET('/projects/{projectId}', { params: { path: { projectId } } });
 * ```
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
/** The API's named schemas: `Schemas['Project']`, `Schemas['LedgerEntry']`, `Schemas['Error']`, … */
export type Schemas = components['schemas'];
/**
 * Answers typed as their JSON bodies. The one other media type, the ledger's `text/csv`, is asked for
 * with `headers: { accept: 'text/csv' }, parseAs: 'text'`, which types `data` as a string.
 */
export type PaygoClient = Client<paths, 'application/json'>;

export interface PaygoClientOptions {
  /** Where the API is: the twin's `http://127.0.0.1:3000`, or the stack's `ApiUrl` output. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` on every request. Only /health and /openapi.json need none. */
  apiKey?: string;
  /** @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
}

export function createPaygoClient({ baseUrl, apiKey, fetch }: PaygoClientOptions): PaygoClient {
  return createClient<paths, 'application/json'>({
    // The document's paths start with `/`: a trailing slash here would make every URL `//…`.
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
    ...(fetch ? { fetch } : {}),
  });
}
