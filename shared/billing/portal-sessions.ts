/**
 * Portal links (docs/api.md "Portal"): a signed token for one project, valid 60 minutes, read-only
 * unless changes are allowed, in the fragment of the page's URL so that it never reaches a server log
 * or a Referer header. The locale and the operator's return address ride in the fragment too: they
 * grant nothing.
 */
import { randomBytes } from 'node:crypto';
import { NotFound } from '../domain/errors';
import '../aws/kms-portal-signer';
import { PORTAL_SESSION_MS, portalSigner, signPortalToken, verifyPortalToken, type PortalSession } from './portal-token';
import type { StoreContext } from '../store/context';
import { projectExists } from '../store/projects';

export interface PortalLinkRequest {
  locale?: 'uk' | 'en';
  allowChanges?: boolean;
  returnUrl?: string;
}

/** A link to `baseUrl`/portal for `projectId` (NotFound for an unknown project). */
export async function createPortalSession(ctx: StoreContext, projectId: string, baseUrl: string, req: PortalLinkRequest): Promise<{ url: string; expiresAt: string }> {
  if (!(await projectExists(ctx, projectId))) throw new NotFound(`project ${projectId}`);
  const expiresAt = ctx.now() + PORTAL_SESSION_MS;
  const token = await signPortalToken(portalSigner(), { projectId, expiresAt, allowChanges: req.allowChanges === true }, randomBytes(9).toString('base64url'));
  const fragment = new URLSearchParams({ token, locale: req.locale ?? 'uk' });
  if (req.returnUrl) fragment.set('return', req.returnUrl);
  return { url: `${baseUrl}/portal#${fragment.toString()}`, expiresAt: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString() };
}

/** The session of a portal token (the authorizer's question), or null for a forged or expired one. */
export function portalSessionOf(token: string, nowMs: number): Promise<PortalSession | null> {
  return verifyPortalToken(portalSigner(), token, nowMs);
}
