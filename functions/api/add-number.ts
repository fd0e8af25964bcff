/**
 * POST /projects/{projectId}/numbers: rent a number from now (or from `effectiveAt`, admin only, into
 * a day not yet charged). A number this project already holds at that instant is a 409.
 */
import { Conflict, Forbidden } from '../../shared/domain/errors';
import { stateAt } from '../../shared/domain/timeline';
import { created, httpRoute } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';
import { appendChange } from '../../shared/store/timeline';

export const handler = httpRoute('POST /projects/{projectId}/numbers').handler(async ({ auth, body, params }) => {
  if (body.effectiveAt !== undefined && auth.role !== 'admin') throw new Forbidden('only an admin key may set effectiveAt');
  const done = await appendChange(storeContext(), params.projectId!, { effectiveAt: body.effectiveAt, by: auth.apiKeyId }, ({ read, atMs }) => {
    if (stateAt(read.timeline, atMs).numbers.has(body.number)) throw new Conflict('number_already_held', `this project already holds ${body.number}`);
    return { kind: 'number', number: body.number, numberType: body.type, held: true };
  });
  return created({ number: body.number, type: body.type, effectiveAt: done.at });
});
