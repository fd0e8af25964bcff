/**
 * POST /projects/{projectId}/portal-sessions (admin, project): a signed link to the project's billing
 * page, valid 60 minutes (shared/billing/portal-sessions.ts). The link is a credential: the answer is
 * sent `no-store` (the route is declared `secret`). A second request makes another link; nothing is
 * stored, so a repeat with the same Idempotency-Key is as harmless as any.
 */
import { createPortalSession } from '../../shared/billing/portal-sessions';
import { created, httpRoute, type HttpEvent } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

/** The API's own address as the caller reached it (API Gateway: always https; the twin: its http). */
function baseUrlOf(event: HttpEvent, headers: Record<string, string>): string {
  const proto = headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  return `${proto}://${event.requestContext.domainName}`;
}

export const handler = httpRoute('POST /projects/{projectId}/portal-sessions').handler(async ({ body, params, event, headers }) =>
  created(await createPortalSession(storeContext(), params.projectId, baseUrlOf(event, headers), body)));
