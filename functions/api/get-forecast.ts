/**
 * GET /projects/{projectId}/forecast: tonight's charge exactly, then the days ahead (shared/domain/
 * forecast.ts). Telecom history: the `telecom_daily` lines of the 28 days before today (closed days).
 */
import { currentCatalog } from '../../shared/catalog-source';
import { addDays } from '../../shared/domain/billing-days';
import { forecast } from '../../shared/domain/forecast';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext, todayOf } from '../../shared/store/context';
import { telecomHistory } from '../../shared/store/ledger';
import { getProjectItem } from '../../shared/store/project-item';
import { readCurrentTimeline } from '../../shared/store/timeline';

export const HISTORY_DAYS = 28;

export const handler = httpRoute('GET /projects/{projectId}/forecast').handler(async ({ params }) => {
  const ctx = storeContext();
  const projectId = params.projectId!;
  const project = await getProjectItem(ctx.doc, ctx.tables.projects, projectId);
  const nowMs = ctx.now();
  const today = todayOf(ctx);
  const [read, history] = await Promise.all([
    readCurrentTimeline(ctx, projectId, today),
    telecomHistory(ctx, projectId, addDays(today, -HISTORY_DAYS), addDays(today, -1)),
  ]);
  return ok(forecast({ currency: project.currency, balance: project.balance, timeline: read.timeline, catalog: currentCatalog(), history, today, nowMs }));
});
