/**
 * GET /projects/{projectId}/reports/spend (admin, own project): per day or month, products, numbers,
 * discount, telecom, adjustments, refunds and total, over up to 366 days; `Accept: text/csv` gives
 * the same rows as CSV.
 */
import { spendReportOf } from '../../shared/billing/reports';
import { spendReportCsv } from '../../shared/http/report-csv';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/reports/spend').handler(async ({ params, query }) => {
  const report = await spendReportOf(storeContext(), params.projectId, query);
  return { ...ok(report), csv: spendReportCsv(report), filename: `spend-report-${params.projectId}-${query.from}-to-${query.to}.csv` };
});
