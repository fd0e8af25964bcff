/** Portal tokens alone: what verifies, and every way a token must not (forged, tampered, expired, another key). */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSigner, signPortalToken, verifyPortalToken } from '../../shared/billing/portal-token';

const signer = hmacSigner(randomBytes(32));
const now = Date.UTC(2026, 11, 7, 12);
const session = { projectId: 'prj_a', expiresAt: now + 3_600_000, allowChanges: false };

describe('portal session tokens', () => {
  it('verify with the key that signed them, with their project, expiry and flag', async () => {
    const token = await signPortalToken(signer, session, 'n1');
    expect(token).toMatch(/^pgs_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await verifyPortalToken(signer, token, now)).toEqual(session);
    const rw = await signPortalToken(signer, { ...session, allowChanges: true }, 'n2');
    expect(await verifyPortalToken(signer, rw, now)).toMatchObject({ allowChanges: true });
  });

  it('refuse an expired token, one of another key, and a payload changed under its MAC', async () => {
    const token = await signPortalToken(signer, session, 'n1');
    expect(await verifyPortalToken(signer, token, session.expiresAt)).toBeNull();
    expect(await verifyPortalToken(hmacSigner(randomBytes(32)), token, now)).toBeNull();
    const [payload, mac] = token.slice(4).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const forged of [{ ...claims, p: 'prj_b' }, { ...claims, c: 1 }, { ...claims, e: (claims.e as number) + 86_400 }]) {
      const p = Buffer.from(JSON.stringify(forged)).toString('base64url');
      expect(await verifyPortalToken(signer, `pgs_${p}.${mac}`, now)).toBeNull();
    }
  });

  it('refuse any other text without throwing', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 600 }), async (text) => {
      expect(await verifyPortalToken(signer, `pgs_${text}`, now)).toBeNull();
    }), { numRuns: 300 });
    expect(await verifyPortalToken(signer, 'pg_abc', now)).toBeNull();
  });
});

describe("the twin's portal key", () => {
  it('is kept in the data directory (mode 0600), so links made before a restart still open', async () => {
    const { mkdtempSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { localPortalSigner, PORTAL_KEY_FILE } = await import('../../local/portal-signer');
    const dir = mkdtempSync(join(tmpdir(), 'paygo-portal-'));
    const token = await signPortalToken(localPortalSigner({ dataDir: dir }), session, 'n1');
    expect(await verifyPortalToken(localPortalSigner({ dataDir: dir }), token, now)).toEqual(session);
    expect(statSync(join(dir, PORTAL_KEY_FILE)).mode & 0o777).toBe(0o600);
    // In memory: a key of its own each time.
    expect(await verifyPortalToken(localPortalSigner(), token, now)).toBeNull();
  });
});
