/**
 * The portal signer on AWS: an HMAC_256 KMS key (GenerateMac / VerifyMac), so the signing key never
 * leaves KMS and each function is granted only the one operation it needs (lib/constructs/portal-signing.ts):
 * the route that makes links may sign, the authorizer may only verify. Importing this module registers
 * it with shared/billing/portal-token.ts.
 */
import { GenerateMacCommand, KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import { config } from '../config';
import { registerDefaultPortalSigner, type PortalSigner } from '../billing/portal-token';

/** The environment variable naming the KMS HMAC key (set by the stack on the functions it grants). */
export const PORTAL_SIGNING_KEY_ID = 'PORTAL_SIGNING_KEY_ID';

const ALGORITHM = 'HMAC_SHA_256';

export function kmsPortalSigner(keyId: string, client: KMSClient = new KMSClient({})): PortalSigner {
  return {
    async mac(message) {
      const out = await client.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: ALGORITHM, Message: message }));
      if (!out.Mac) throw new Error('KMS GenerateMac answered without a MAC');
      return Buffer.from(out.Mac);
    },
    async verify(message, mac) {
      if (mac.length === 0 || mac.length > 64) return false;
      try {
        const out = await client.send(new VerifyMacCommand({ KeyId: keyId, MacAlgorithm: ALGORITHM, Message: message, Mac: mac }));
        return out.MacValid === true;
      } catch (e) {
        // KMS answers a wrong MAC with an exception, not MacValid false.
        if (e instanceof Error && e.name === 'KMSInvalidMacException') return false;
        throw e;
      }
    },
  };
}

registerDefaultPortalSigner(() => {
  const keyId = config().PORTAL_SIGNING_KEY_ID;
  if (!keyId) throw new Error(`${PORTAL_SIGNING_KEY_ID} is not set: the KMS key that signs portal links`);
  return kmsPortalSigner(keyId);
});
