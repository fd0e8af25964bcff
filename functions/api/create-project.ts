/**
 * POST /projects (admin): a project with balance 0 and its first project key (shown once). Defaults:
 * the deployment's currency, creditLimit 0, billing from today. With an `Idempotency-Key` header a
 * repeat makes no second project: the same body answers 200 with the project (the key is not shown
 * again: it is stored only as a hash); another body with the same key is a 409.
 */
import { openProject } from '../../shared/billing/projects';
import { ValidationFailed } from '../../shared/domain/errors';
import { Id } from '../../shared/domain/values';
import { created, httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('POST /projects').handler(async ({ body, headers }) => {
  const idempotencyKey = headers['idempotency-key'];
  if (idempotencyKey !== undefined && !Id.safeParse(idempotencyKey).success) {
    throw new ValidationFailed('Idempotency-Key must be 1 to 128 letters, digits or . _ : @ -');
  }
  const out = await openProject(storeContext(), body, idempotencyKey);
  const view = { ...out.project, apiKeyId: out.apiKeyId, ...(out.apiKey ? { apiKey: out.apiKey } : {}) };
  return out.replayed ? ok(view) : created(view);
});
