/**
 * The secret box on AWS: KMS Encrypt and Decrypt with one symmetric key, the context passed as the
 * KMS encryption context. KMS binds the context into the ciphertext (and CloudTrail logs it with every
 * Decrypt), so a sealed secret copied onto another webhook's item does not decrypt there. Its own
 * module, linked only into the functions that sign or create webhooks, so the KMS client is not
 * bundled into the others. Importing it registers it with shared/runtime.ts.
 */
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config';
import { SecretNotOpened, type SecretBox, type SecretContext } from '../delivery/secret-box';
import { registerDefaultSecretBox } from '../runtime';

/** The environment variable naming the KMS key (id, ARN or alias ARN) that seals webhook secrets. */
export const WEBHOOK_SECRET_KEY_ID = 'WEBHOOK_SECRET_KEY_ID';

/** What a sealed text starts with: the box and its format, so another format can come later. */
const PREFIX = 'kms1:';

/** KMS's answers to a ciphertext that is not for this key or this context. */
const NOT_OPENED = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/** Where the box's key is and which client talks to KMS (made on first use when not given). */
export interface KmsSecretBoxOptions {
  keyId: string;
  client?: KMSClient;
}

/**
 * Seals with KMS Encrypt under `keyId` and opens with Decrypt, naming the same key (so a ciphertext
 * of another key is refused rather than decrypted with it). A refusal for the ciphertext or context
 * becomes {@link SecretNotOpened}; throttling, access and network errors are thrown as they are, for
 * the caller to retry.
 */
export function kmsSecretBox(options: KmsSecretBoxOptions): SecretBox {
  if (options.keyId.trim() === '') throw new Error('kmsSecretBox: keyId is empty');
  let client = options.client;
  const kms = () => (client ??= new KMSClient({}));
  return {
    async seal(plaintext: string, context: SecretContext) {
      const out = await kms().send(new EncryptCommand({
        KeyId: options.keyId,
        Plaintext: Buffer.from(plaintext, 'utf8'),
        EncryptionContext: { ...context },
      }));
      if (!out.CiphertextBlob) throw new Error('KMS Encrypt answered without a ciphertext');
      return PREFIX + Buffer.from(out.CiphertextBlob).toString('base64');
    },
    async open(sealed: string, context: SecretContext) {
      if (!sealed.startsWith(PREFIX)) throw new SecretNotOpened('KMS secret box');
      let out;
      try {
        out = await kms().send(new DecryptCommand({
          KeyId: options.keyId,
          CiphertextBlob: Buffer.from(sealed.slice(PREFIX.length), 'base64'),
          EncryptionContext: { ...context },
        }));
      } catch (e) {
        if (e instanceof Error && NOT_OPENED.has(e.name)) throw new SecretNotOpened('KMS secret box', e);
        throw e;
      }
      if (!out.Plaintext) throw new Error('KMS Decrypt answered without a plaintext');
      return Buffer.from(out.Plaintext).toString('utf8');
    },
  };
}

/**
 * The box with the key named by {@link WEBHOOK_SECRET_KEY_ID} in `env`; throws, naming the variable,
 * when it is not set (a deployment without it cannot keep webhook secrets).
 */
export function kmsSecretBoxFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): SecretBox {
  const keyId = env[WEBHOOK_SECRET_KEY_ID];
  if (!keyId) throw new Error(`${WEBHOOK_SECRET_KEY_ID} is not set: the KMS key that seals webhook secrets`);
  return kmsSecretBox({ keyId });
}

registerDefaultSecretBox(() => kmsSecretBoxFromEnv({ [WEBHOOK_SECRET_KEY_ID]: config().WEBHOOK_SECRET_KEY_ID }));
