/**
 * POST /admin/billing-runs: the midnight fan-out for a given past day (the same `runFanOut` the
 * schedule's function calls). A day is only charged once it is over, so `date` must be before today.
 *
 * An HTTP API answers within 30 s: the run stops paging after RUN_BUDGET_MS and answers with what it
 * sent and `"incomplete": true`; posting again carries on (projects already charged are no longer
 * listed, and a project sent twice is charged once).
 */
import { runFanOut } from '../../shared/billing/fan-out';
import { DomainError } from '../../shared/domain/errors';
import { accepted, httpRoute } from '../../shared/http/route';
import { storeContext, todayOf } from '../../shared/composition/api';

export const RUN_BUDGET_MS = 20_000;

export const handler = httpRoute('POST /admin/billing-runs').handler(async ({ body }) => {
  const today = todayOf(storeContext());
  if (body.date >= today) throw new DomainError('date_not_past', `${body.date} is not over yet: a billing run takes a day before ${today}`, 400);
  const started = Date.now();
  const result = await runFanOut(body.date, { shouldStop: () => Date.now() - started > RUN_BUDGET_MS });
  return accepted({ date: result.date, projects: result.projects, ...(result.cursor ? { incomplete: true } : {}) });
});
