/** DELETE /api-keys/{apiKeyId} (admin): revoke; the authorizer's cache lets it work at most a minute more. */
import { revokeApiKey } from '../../shared/billing/api-keys';
import { httpRoute, noContent } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('DELETE /api-keys/{apiKeyId}').handler(async ({ params }) => {
  await revokeApiKey(storeContext(), params.apiKeyId);
  return noContent();
});
