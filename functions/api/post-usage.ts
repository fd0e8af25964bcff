/**
 * POST /usage (admin, telephony): validate and rate every event first, so an unknown destination or an
 * unknown project refuses the whole request before anything is written; then one conditional put per
 * event. The balance moves through the usage table's stream (functions/usage/debit-usage.ts).
 */
import { currentCatalog } from '../../shared/catalog-source';
import { DomainError, ValidationFailed } from '../../shared/domain/errors';
import { raterFor } from '../../shared/domain/rating';
import { accepted, httpRoute } from '../../shared/http/route';
import { metrics, MetricUnit } from '../../shared/observability';
import { storeContext } from '../../shared/store/context';
import { projectExists } from '../../shared/store/projects';
import { ingestUsage, mapLimit } from '../../shared/store/usage';

export class UnknownProject extends DomainError {
  constructor(projectIds: string[]) {
    super('unknown_project', `no such project: ${projectIds.join(', ')}`, 400, projectIds.map((projectId) => ({ projectId })));
  }
}

/** Clock skew tolerated between the voice platform and us; an event further ahead is refused. */
const MAX_FUTURE_MS = 15 * 60_000;

export const handler = httpRoute('POST /usage').handler(async ({ body }) => {
  const ctx = storeContext();
  // A future event would be counted on a day that is not over yet, possibly years ahead.
  const future = body.events.filter((e) => Date.parse(e.occurredAt) > ctx.now() + MAX_FUTURE_MS);
  if (future.length > 0) {
    throw new ValidationFailed(`occurredAt is in the future for ${future.length} event(s)`, future.map((e) => ({ eventId: e.eventId, occurredAt: e.occurredAt })));
  }
  const rater = raterFor(currentCatalog().tariff);
  const rated = body.events.map((e) => ({ ...e, cost: rater.rate(e) }));
  const projectIds = [...new Set(body.events.map((e) => e.projectId))];
  const exists = await mapLimit(projectIds, 10, (id) => projectExists(ctx, id));
  const unknown = projectIds.filter((_, i) => !exists[i]);
  if (unknown.length > 0) throw new UnknownProject(unknown);
  const result = await ingestUsage(ctx, rated);
  metrics.addMetric('UsageEventsAccepted', MetricUnit.Count, result.accepted);
  metrics.addMetric('UsageEventsDuplicate', MetricUnit.Count, result.duplicates);
  return accepted(result);
});
