/**
 * The twin's bootstrap admin key (docs/api.md: `PAYGO_ADMIN_KEY`, else a new one, printed). Stored by the
 * store's own `ensureAdminKey`, so like every key only as its SHA-256.
 */
import { ensureAdminKey, findApiKey, generateApiKey } from '../shared/billing/api-keys';
import { storeContext } from '../shared/store/context';

/** A new random admin key, in the same format as every other key. */
export function generateAdminKey(): string {
  return generateApiKey();
}

/** Thrown when PAYGO_ADMIN_KEY names a key that persisted data holds as revoked. */
export class AdminKeyRevoked extends Error {
  constructor() {
    super('PAYGO_ADMIN_KEY is revoked in this data directory: choose another key');
    this.name = 'AdminKeyRevoked';
  }
}

/**
 * Makes `apiKey` a valid admin key on the twin's tables (runtime() and config() must already point at
 * them). Idempotent: a restart on persisted data with the same key keeps its id.
 */
export async function registerAdminKey(apiKey: string): Promise<{ apiKeyId: string }> {
  const ctx = storeContext();
  const out = await ensureAdminKey(ctx, apiKey);
  const identity = await findApiKey(ctx, apiKey);
  if (!identity) throw new AdminKeyRevoked();
  if (identity.role !== 'admin') throw new Error(`PAYGO_ADMIN_KEY is stored as a ${identity.role} key in this data directory, not an admin key`);
  return out;
}
