/**
 * POST /api-keys (admin): a new key, shown once. A `project` key needs an existing projectId; admin
 * and telephony keys are not project-scoped, so a projectId on them is refused rather than ignored.
 */
import { NotFound, ValidationFailed } from '../../shared/domain/errors';
import { created, httpRoute } from '../../shared/http/route';
import { createApiKey } from '../../shared/store/api-keys';
import { storeContext } from '../../shared/store/context';
import { projectExists } from '../../shared/store/projects';

export const handler = httpRoute('POST /api-keys').handler(async ({ body }) => {
  const ctx = storeContext();
  if (body.role === 'project') {
    if (!body.projectId) throw new ValidationFailed('a project key needs a projectId', [{ path: 'projectId', message: 'required for role project' }]);
    if (!(await projectExists(ctx, body.projectId))) throw new NotFound(`project ${body.projectId}`);
  } else if (body.projectId !== undefined) {
    throw new ValidationFailed(`a ${body.role} key is not bound to a project`, [{ path: 'projectId', message: `not allowed for role ${body.role}` }]);
  }
  const key = await createApiKey(ctx, body.role, body.projectId);
  return created({ apiKeyId: key.apiKeyId, apiKey: key.apiKey, role: key.role, ...(key.projectId ? { projectId: key.projectId } : {}) });
});
