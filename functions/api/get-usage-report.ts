/**
 * GET /projects/{projectId}/reports/usage (admin, own project): events, seconds and cost grouped by
 * 1 or 2 of day, month, kind, country, prefix, tag:<key>, over up to 366 days; `Accept: text/csv`
 * gives the same rows as CSV.
 */
import { usageReportOf } from '../../shared/billing/reports';
import { usageReportCsv } from '../../shared/http/report-csv';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/reports/usage').handler(async ({ params, query }) => {
  const report = await usageReportOf(storeContext(), params.projectId, query);
  return { ...ok(report), csv: usageReportCsv(report), filename: `usage-report-${params.projectId}-${query.from}-to-${query.to}.csv` };
});
