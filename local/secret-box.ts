/**
 * The twin's secret box: AES-256-GCM with a 32-byte key, the context bound as additional
 * authenticated data, so like KMS a sealed secret opens only with the context it was sealed with.
 * The key lives in memory (gone at exit, like the twin's data) or, with a data directory, in
 * `DIR/webhook-secret-key` (mode 0600), so secrets sealed in one run open in the next.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretNotOpened, type SecretBox, type SecretContext } from '../shared/delivery/secret-box';
import { errnoCode, StartupError } from './errors';

/** The file in a data directory that keeps the key (base64, mode 0600). */
export const SECRET_KEY_FILE = 'webhook-secret-key';

const KEY_BYTES = 32;
const IV_BYTES = 12; // GCM's standard nonce; random per seal, so one key seals far fewer than 2^32 times safely
const TAG_BYTES = 16;
const PREFIX = 'local1:';
const BOX = 'twin secret box';

/**
 * The context as one byte string, the same for the same names and values in any order (as KMS treats
 * an encryption context), and unambiguous: JSON of the sorted pairs.
 */
function contextBytes(context: SecretContext): Buffer {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

/** A box sealing with `key` (32 bytes). */
export function aesGcmSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`the twin's secret key is ${KEY_BYTES} bytes, got ${key.length}`);
  return {
    async seal(plaintext: string, context: SecretContext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(contextBytes(context));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    },
    async open(sealed: string, context: SecretContext) {
      const raw = sealed.startsWith(PREFIX) ? Buffer.from(sealed.slice(PREFIX.length), 'base64') : Buffer.alloc(0);
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretNotOpened(BOX);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(contextBytes(context));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch (e) {
        throw new SecretNotOpened(BOX, e);
      }
    },
  };
}

/**
 * The key kept in `dataDir`: the one a previous start wrote, else a new one written with mode 0600
 * (`wx`, so two starts at once agree on one key). A file that does not hold 32 bytes of base64 stops
 * the twin: making a new key would leave every sealed secret unopenable.
 */
export function keptSecretKey(dataDir: string, name = SECRET_KEY_FILE, sealedWithIt = 'the webhook secrets sealed with it'): { key: Buffer; file: string; created: boolean } {
  const file = join(dataDir, name);
  for (;;) {
    try {
      const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      if (key.length !== KEY_BYTES) throw new StartupError(`${file} does not hold a ${KEY_BYTES}-byte key in base64; restore it, or delete it and ${sealedWithIt}`);
      return { key, file, created: false };
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    const key = randomBytes(KEY_BYTES);
    try {
      writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return { key, file, created: true };
    } catch (e) {
      // Written by someone else in between: read theirs.
      if (errnoCode(e) !== 'EEXIST') throw e;
    }
  }
}

/**
 * The twin's box: its key kept in `dataDir` when one is given (see {@link keptSecretKey}), else a
 * new key in memory, gone at exit together with the in-memory data it sealed.
 */
export function localSecretBox(options: { dataDir?: string } = {}): SecretBox {
  return aesGcmSecretBox(options.dataDir ? keptSecretKey(options.dataDir).key : randomBytes(KEY_BYTES));
}
