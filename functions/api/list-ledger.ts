/**
 * GET /projects/{projectId}/ledger: entries by date range, oldest first, paged with an opaque cursor;
 * `Accept: text/csv` gives the same page as CSV (its next cursor in the `x-next-cursor` header).
 */
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';
import { listLedger, toCsv } from '../../shared/store/ledger';
import { getProjectItem } from '../../shared/store/project-item';

export const handler = httpRoute('GET /projects/{projectId}/ledger').handler(async ({ query, params }) => {
  const ctx = storeContext();
  const projectId = params.projectId!;
  await getProjectItem(ctx.doc, ctx.tables.projects, projectId, false);
  const page = await listLedger(ctx, projectId, query);
  return {
    ...ok(page),
    csv: toCsv(page.entries),
    ...(page.nextCursor ? { headers: { 'x-next-cursor': page.nextCursor } } : {}),
  };
});
