/** POST /projects/{projectId}/sessions: a day's analytics sessions; a repeat for the date replaces it. */
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';
import { putSessions } from '../../shared/store/timeline';

export const handler = httpRoute('POST /projects/{projectId}/sessions').handler(async ({ body, params }) =>
  ok(await putSessions(storeContext(), params.projectId!, body.date, body.count)));
