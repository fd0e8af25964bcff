/**
 * The twin's portal signer: HMAC-SHA256 with a 32-byte key generated at the first start. With a data
 * directory it is kept in `DIR/portal-signing-key` (mode 0600, as the webhook secret key), so links
 * made before a restart still open; in memory, it is gone at exit with the data.
 */
import { randomBytes } from 'node:crypto';
import { hmacSigner, type PortalSigner } from '../shared/billing/portal-token';
import { keptSecretKey } from './secret-box';

export const PORTAL_KEY_FILE = 'portal-signing-key';

export function localPortalSigner(options: { dataDir?: string } = {}): PortalSigner {
  return hmacSigner(options.dataDir ? keptSecretKey(options.dataDir, PORTAL_KEY_FILE, 'the portal links signed with it').key : randomBytes(32));
}
