/**
 * POST /projects/{projectId}/authorize (admin, telephony): may this call or message start, and for how
 * long. The budget is balance + creditLimit (what may still be spent before the project blocks); a
 * call is allowed when the budget pays its first billed block, for the longest duration it pays for
 * (null: unlimited, a rate with no per-minute price); a message when it pays one segment.
 */
import { currentCatalog } from '../../shared/catalog-source';
import { raterFor } from '../../shared/domain/rating';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/store/context';
import { getProjectItem } from '../../shared/store/project-item';

export const handler = httpRoute('POST /projects/{projectId}/authorize').handler(async ({ params, body }) => {
  const ctx = storeContext();
  const rater = raterFor(currentCatalog().tariff);
  // Rate first: an unknown destination is a 400 whatever the balance.
  const smsPrice = body.kind === 'sms' ? rater.smsRate(body.destination).perSegment : undefined;
  if (body.kind !== 'sms') rater.callRate(body.destination);
  const project = await getProjectItem(ctx.doc, ctx.tables.projects, params.projectId!);
  const budget = project.balance + project.creditLimit;
  if (smsPrice !== undefined) {
    if (project.status === 'blocked') return ok({ allowed: false, maxDurationSec: null, reason: 'project_blocked' });
    return ok(smsPrice <= budget ? { allowed: true, maxDurationSec: null } : { allowed: false, maxDurationSec: null, reason: 'insufficient_funds' });
  }
  if (project.status === 'blocked') return ok({ allowed: false, maxDurationSec: 0, reason: 'project_blocked' });
  const max = rater.maxDurationSec(body.destination, budget);
  return ok(max === 0 ? { allowed: false, maxDurationSec: 0, reason: 'insufficient_funds' } : { allowed: true, maxDurationSec: max });
});
