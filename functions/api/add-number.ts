/**
 * POST /projects/{projectId}/numbers: rent a number from now (or from `effectiveAt`, admin only, into
 * a day not yet charged). A number this project already holds at that instant is a 409.
 */
import { addNumber } from '../../shared/billing/timeline-changes';
import { Forbidden } from '../../shared/domain/errors';
import { created, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /projects/{projectId}/numbers').handler(async ({ auth, body, params }) => {
  if (body.effectiveAt !== undefined && auth.role !== 'admin') throw new Forbidden('only an admin key may set effectiveAt');
  const done = await addNumber(storeContext(), params.projectId, body.number, body.type, { effectiveAt: body.effectiveAt, by: auth.apiKeyId });
  return created({ number: body.number, type: body.type, effectiveAt: done.at });
});
