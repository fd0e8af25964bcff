/**
 * The HTTP API's Lambda authorizer (payload 2.0, simple responses): `Authorization: Bearer <key>` →
 * the key's role, project and id in the request context. API Gateway caches the answer per header
 * value for at most a minute (the stack sets the TTL), which bounds how long a revoked key works.
 *
 * A missing, unknown or revoked key is answered `isAuthorized: true` with an empty context: API Gateway
 * would turn `false` into a 403, while the contract wants 401, which the route then answers itself
 * (authOf finds no role). The key is never logged.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { findApiKey } from '../../shared/billing/api-keys';
import { observed } from '../../shared/observability';
import { storeContext, type StoreContext } from '../../shared/composition/workers';

export type AuthorizerContext = { role: string; apiKeyId: string; projectId?: string } | Record<string, never>;
export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key of an `Authorization` header value, or null. */
export function bearerKey(header: string | undefined): string | null {
  if (!header) return null;
  const m = BEARER.exec(header);
  return m ? m[1]! : null;
}

function authorizationHeader(event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers' | 'identitySource'>): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === 'authorization' && v) return v;
  // With an identity source configured, API Gateway also passes the header's value here.
  return event.identitySource?.find((s) => BEARER.test(s));
}

/** Authorizes one request against the stored key hashes. */
export async function authorize(event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers' | 'identitySource'>, ctx: StoreContext = storeContext()): Promise<AuthorizerResult> {
  const key = bearerKey(authorizationHeader(event));
  // Keys are `pg_` + 43 characters; anything absurdly long is not worth a hash and a read.
  if (!key || key.length > 256) return { isAuthorized: true, context: {} };
  const identity = await findApiKey(ctx, key);
  if (!identity) return { isAuthorized: true, context: {} };
  return {
    isAuthorized: true,
    context: { role: identity.role, apiKeyId: identity.apiKeyId, ...(identity.projectId ? { projectId: identity.projectId } : {}) },
  };
}

/** Lambda entry point (Powertools logs, metrics, traces; the event, which holds the key, is never logged). */
export const handler = observed((event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => authorize(event));
