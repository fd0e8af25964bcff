/**
 * GET /projects/{projectId}/ledger: entries by date range, oldest first, paged with an opaque cursor;
 * `Accept: text/csv` gives the same page as CSV (its next cursor in the `x-next-cursor` header).
 */
import { ledgerOf } from '../../shared/billing/project-views';
import { toCsv } from '../../shared/http/csv';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/ledger').handler(async ({ query, params }) => {
  const page = await ledgerOf(storeContext(), params.projectId, query);
  return {
    ...ok(page),
    csv: toCsv(page.entries),
    filename: `ledger-${params.projectId}${query.from ? `-from-${query.from}` : ''}${query.to ? `-to-${query.to}` : ''}.csv`,
    ...(page.nextCursor ? { headers: { 'x-next-cursor': page.nextCursor } } : {}),
  };
});
