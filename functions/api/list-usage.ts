/**
 * GET /projects/{projectId}/usage?date= (admin, own project): the day's rated events, oldest first,
 * paged like the ledger (`limit` up to 1000, `cursor`).
 */
import { usageOf } from '../../shared/billing/project-views';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';

export const handler = httpRoute('GET /projects/{projectId}/usage').handler(async ({ params, query }) =>
  ok(await usageOf(storeContext(), params.projectId, query.date, { limit: query.limit, cursor: query.cursor })));
