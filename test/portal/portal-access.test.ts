/** The route factory's rule for portal tokens, alone: the page's routes only, changes only when allowed, never past the expiry. */
import { describe, expect, it } from 'vitest';
import { Forbidden, Unauthorized } from '../../shared/domain/errors';
import { assertPortalAccess, authOf, type AuthContext, type HttpEvent } from '../../shared/http/route';

const now = Date.UTC(2026, 11, 7, 12);
const portal = (changes: boolean, expiresAt = now + 60_000): AuthContext => ({ role: 'project', projectId: 'prj_a', apiKeyId: 'portal-session', portal: { changes, expiresAt } });
const eventWith = (lambda: Record<string, unknown>) => ({ requestContext: { authorizer: { lambda } } }) as unknown as HttpEvent;

describe('portal access', () => {
  it('lets a link read the page routes, and change products only when it allows changes', () => {
    expect(() => assertPortalAccess(portal(false), 'GET /projects/{projectId}/ledger', now)).not.toThrow();
    expect(() => assertPortalAccess(portal(false), 'PUT /projects/{projectId}/products/{productId}', now)).toThrow(Forbidden);
    expect(() => assertPortalAccess(portal(true), 'PUT /projects/{projectId}/products/{productId}', now)).not.toThrow();
    for (const key of ['GET /projects/{projectId}/events', 'POST /projects/{projectId}/portal-sessions', 'POST /projects/{projectId}/numbers', 'GET /catalog']) {
      expect(() => assertPortalAccess(portal(true), key, now), key).toThrow(Forbidden);
    }
  });

  it('stops at the expiry even when the authorizer answer is still cached', () => {
    expect(() => assertPortalAccess(portal(false, now), 'GET /projects/{projectId}', now)).toThrow(Unauthorized);
  });

  it('leaves API keys alone, and reads a portal context only when whole', () => {
    expect(() => assertPortalAccess({ role: 'project', projectId: 'prj_a', apiKeyId: 'ak_1' }, 'GET /projects/{projectId}/events', now)).not.toThrow();
    expect(authOf(eventWith({ role: 'project', projectId: 'prj_a', apiKeyId: 'portal-session', portal: 'change', portalExpiresAt: now }))?.portal).toEqual({ changes: true, expiresAt: now });
    expect(authOf(eventWith({ role: 'project', projectId: 'prj_a', apiKeyId: 'portal-session', portal: 'write', portalExpiresAt: now }))).toBeNull();
    expect(authOf(eventWith({ role: 'admin', apiKeyId: 'portal-session', portal: 'read', portalExpiresAt: now }))).toBeNull();
    expect(authOf(eventWith({ role: 'project', projectId: 'prj_a', apiKeyId: 'portal-session', portal: 'read' }))).toBeNull();
  });
});
