/** GET /projects/{projectId}/usage?date= (admin, own project): the day's rated events, oldest first. */
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';
import { getProjectItem } from '../../shared/store/project-item';
import { listUsageDay, toRatedEvent } from '../../shared/store/usage';

export const handler = httpRoute('GET /projects/{projectId}/usage').handler(async ({ params, query }) => {
  const ctx = storeContext();
  await getProjectItem(ctx.doc, ctx.tables.projects, params.projectId!, false);
  const items = await listUsageDay(ctx, params.projectId!, query.date);
  return ok({ events: items.map(toRatedEvent) });
});
