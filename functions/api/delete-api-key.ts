/** DELETE /api-keys/{apiKeyId} (admin): revoke; the authorizer's cache lets it work at most a minute more. */
import { httpRoute, noContent } from '../../shared/http/route';
import { revokeApiKey } from '../../shared/store/api-keys';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('DELETE /api-keys/{apiKeyId}').handler(async ({ params }) => {
  await revokeApiKey(storeContext(), params.apiKeyId!);
  return noContent();
});
