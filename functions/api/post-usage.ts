/**
 * POST /usage (admin, telephony): every event validated and rated before anything is written, then
 * stored once each (shared/billing/ingest-usage.ts). The balance moves through the usage table's
 * stream (functions/usage/debit-usage.ts).
 */
import { acceptUsage } from '../../shared/billing/ingest-usage';
import { accepted, httpRoute } from '../../shared/http/route';
import { metrics, MetricUnit } from '../../shared/observability';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /usage').handler(async ({ body }) => {
  const result = await acceptUsage(storeContext(), body.events);
  metrics.addMetric('UsageEventsAccepted', MetricUnit.Count, result.accepted);
  metrics.addMetric('UsageEventsDuplicate', MetricUnit.Count, result.duplicates);
  return accepted(result);
});
