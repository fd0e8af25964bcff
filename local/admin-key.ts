/**
 * The twin's bootstrap admin key (docs/api.md: `PAYGO_ADMIN_KEY`, else a new one, printed). Stored by the
 * store's own `ensureAdminKey`, so like every key only as its SHA-256.
 *
 * With persisted data and no `PAYGO_ADMIN_KEY`, the generated key is kept in the data directory and
 * used again on the next start: a new key per start would leave one more live admin key in the data
 * after every run, each of them printed to some terminal once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAdminKey, findApiKey, generateApiKey } from '../shared/billing/api-keys';
import { storeContext } from '../shared/store/context';
import { errnoCode, StartupError } from './errors';

/** Shorter keys are refused: a generated key has 46 characters (256 random bits). */
export const MIN_ADMIN_KEY_LENGTH = 32;

/** The file in a data directory that keeps the generated admin key (mode 0600). */
export const ADMIN_KEY_FILE = 'admin-key';

/** A new random admin key, in the same format as every other key. */
export function generateAdminKey(): string {
  return generateApiKey();
}

/**
 * Throws a one-line {@link StartupError} unless `key` is at least {@link MIN_ADMIN_KEY_LENGTH}
 * characters with no whitespace (which would not survive the `Authorization` header intact).
 * `source` names where the key came from, for the message.
 */
export function checkAdminKey(key: string, source: string): void {
  if (/\s/.test(key)) throw new StartupError(`${source} contains whitespace; an API key is one word of at least ${MIN_ADMIN_KEY_LENGTH} characters`);
  if (key.length < MIN_ADMIN_KEY_LENGTH) {
    throw new StartupError(`${source} is ${key.length} characters long; use at least ${MIN_ADMIN_KEY_LENGTH} (or leave it unset and the twin makes one)`);
  }
}

/**
 * The admin key kept in `dataDir`: the one a previous start wrote there, else a new one, written with
 * mode 0600 (it is a credential). `created` says which.
 */
export function keptAdminKey(dataDir: string): { key: string; file: string; created: boolean } {
  const file = join(dataDir, ADMIN_KEY_FILE);
  for (;;) {
    try {
      const key = readFileSync(file, 'utf8').trim();
      checkAdminKey(key, `the admin key kept in ${file}`);
      return { key, file, created: false };
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    const key = generateAdminKey();
    try {
      writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
      return { key, file, created: true };
    } catch (e) {
      // Written by someone else in between: read theirs.
      if (errnoCode(e) !== 'EEXIST') throw e;
    }
  }
}

/** Thrown when the admin key names a key that persisted data holds as revoked. */
export class AdminKeyRevoked extends StartupError {
  constructor(source: string, remedy: string) {
    super(`${source} is revoked in this data directory: ${remedy}`);
    this.name = 'AdminKeyRevoked';
  }
}

/**
 * Makes `apiKey` a valid admin key on the twin's tables (runtime() and config() must already point at
 * them). Idempotent: a restart on persisted data with the same key keeps its id. `source` and `remedy`
 * word the error if the data holds the key as revoked.
 */
export async function registerAdminKey(
  apiKey: string,
  source = 'PAYGO_ADMIN_KEY',
  remedy = 'choose another key',
): Promise<{ apiKeyId: string }> {
  const ctx = storeContext();
  const out = await ensureAdminKey(ctx, apiKey);
  const identity = await findApiKey(ctx, apiKey);
  if (!identity) throw new AdminKeyRevoked(source, remedy);
  if (identity.role !== 'admin') throw new StartupError(`${source} is stored as a ${identity.role} key in this data directory, not an admin key`);
  return out;
}
