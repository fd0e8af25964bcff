/** POST /api-keys (admin): a new key, shown once (shared/billing/api-keys.ts says which are allowed). */
import { createApiKey } from '../../shared/billing/api-keys';
import { created, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /api-keys').handler(async ({ body }) => {
  const key = await createApiKey(storeContext(), body.role, body.projectId);
  return created({ apiKeyId: key.apiKeyId, apiKey: key.apiKey, role: key.role, ...(key.projectId ? { projectId: key.projectId } : {}) });
});
