/**
 * GET /projects/{projectId}/usage?date= (admin, own project): the day's rated events, oldest first,
 * paged like the ledger (`limit` up to 1000, `cursor`); `Accept: text/csv` gives the same page as
 * CSV (its next cursor in the `x-next-cursor` header).
 */
import { usageOf } from '../../shared/billing/project-views';
import { usageCsv } from '../../shared/http/csv';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/usage').handler(async ({ params, query }) => {
  const page = await usageOf(storeContext(), params.projectId, query.date, { limit: query.limit, cursor: query.cursor });
  return {
    ...ok(page),
    csv: usageCsv(page.events),
    filename: `usage-${params.projectId}-${query.date}.csv`,
    ...(page.nextCursor ? { headers: { 'x-next-cursor': page.nextCursor } } : {}),
  };
});
