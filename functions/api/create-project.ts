/**
 * POST /projects (admin): a project with balance 0 and its first project key (shown once). Defaults:
 * the deployment's currency, creditLimit 0, billing from today. With an `Idempotency-Key` header a
 * repeat makes no second project: the route factory answers the first answer (201, without the key:
 * it is stored only as a hash), and the project's id is derived from the key too, so even a repeat
 * after the stored answer is gone finds the same project (then 201 again); another body under the
 * key is a 409.
 */
import { openProject } from '../../shared/billing/projects';
import { storeContext } from '../../shared/composition/api';
import { created, httpRoute } from '../../shared/http/route';

export const handler = httpRoute('POST /projects').handler(async ({ body, headers }) => {
  // The route factory checked the key's form (the route is declared idempotent).
  const out = await openProject(storeContext(), body, headers['idempotency-key']);
  return created({ ...out.project, apiKeyId: out.apiKeyId, ...(out.apiKey ? { apiKey: out.apiKey } : {}) });
});
