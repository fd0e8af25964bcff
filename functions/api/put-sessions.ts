/** POST /projects/{projectId}/sessions: a day's analytics sessions; a repeat for the date replaces it. */
import { recordSessions } from '../../shared/billing/timeline-changes';
import { ValidationFailed } from '../../shared/domain/errors';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext, todayOf } from '../../shared/composition/api';

export const handler = httpRoute('POST /projects/{projectId}/sessions').handler(async ({ body, params }) => {
  const ctx = storeContext();
  // Sessions are counted after the fact; a future day's count would price analytics ahead of time.
  if (body.date > todayOf(ctx)) throw new ValidationFailed(`date ${body.date} is in the future`);
  return ok(await recordSessions(ctx, params.projectId, body.date, body.count));
});
