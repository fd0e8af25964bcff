/**
 * The daily reconciler (shared/billing/reconcile.ts): checks every project's money against its records,
 * or one project's when invoked with `{projectId}`. On a mismatch it logs each one, publishes one
 * `ReconcileMismatch` event per project, and the `ReconcileMismatches` metric (the alarm's input) says
 * how many; 0 is published too, so the alarm can tell "clean" from "did not run".
 *
 * Read-only: it reports, it never corrects (docs/reliability.md rule 3: corrections are new entries, made
 * by a person who has read the report).
 *
 * Locally: `npx tsx functions/billing/reconcile.ts [projectId]` with the env of the twin
 * (DYNAMODB_ENDPOINT and the table names) prints the summary as JSON.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../shared/config';
import { errorMessage } from '../../shared/domain/errors';
import { logger } from '../../shared/logger';
import { observed } from '../../shared/observability';
import { publishQuietly } from '../../shared/billing/events';
import { reconcileAll, reconcileProject, type ReconcileOptions } from '../../shared/billing/reconcile';
import type { ReconcileMismatch } from '../../shared/domain/events';
import type { ReconcileReport } from '../../shared/domain/reconcile';
import { storeContext, type StoreContext } from '../../shared/composition/workers';

let metrics: Metrics | undefined;
/** Made on first use, so the local runner can turn EMF output off before it exists. */
function metricsOf(): Metrics {
  metrics ??= new Metrics({ namespace: 'paygo', serviceName: 'reconcile' });
  return metrics;
}

/** What a run found. `reports` lists only the projects that are not ok. */
export interface ReconcileRunSummary {
  projects: number;
  mismatchedProjects: number;
  mismatches: number;
  unsettled: number;
  reports: ReconcileReport[];
}

export interface ReconcileEvent {
  projectId?: string;
}

/** Mismatches carried in one event: EventBridge refuses entries over 256 KB; the log has them all. */
const EVENT_MISMATCHES = 20;

function mismatchEvent(report: ReconcileReport): { type: 'ReconcileMismatch'; detail: ReconcileMismatch } {
  return {
    type: 'ReconcileMismatch',
    detail: {
      projectId: report.projectId,
      mismatches: report.mismatches.length,
      kinds: [...new Set(report.mismatches.map((m) => m.kind))],
      settled: report.settled,
      first: report.mismatches.slice(0, EVENT_MISMATCHES).map((m) => ({ ...m })),
    },
  };
}

/** Runs the reconciler over `ctx` (tests and the twin pass theirs); see the module comment. */
export async function reconcile(event: ReconcileEvent = {}, ctx: StoreContext = storeContext(), opts: ReconcileOptions = {}): Promise<ReconcileRunSummary> {
  const options: ReconcileOptions = { now: ctx.now(), zone: ctx.zone, ...opts };
  let projects: number;
  let unsettled: number;
  let bad: ReconcileReport[];
  if (event.projectId) {
    const report = await reconcileProject(ctx, event.projectId, options);
    projects = 1;
    unsettled = report.settled ? 0 : 1;
    bad = report.ok ? [] : [report];
  } else {
    const summary = await reconcileAll(ctx, options);
    projects = summary.projects;
    unsettled = summary.unsettled;
    bad = summary.reports;
  }

  for (const report of bad) {
    for (const m of report.mismatches) logger.error('reconcile mismatch', { projectId: report.projectId, settled: report.settled, ...m });
  }
  const mismatches = bad.reduce((n, r) => n + r.mismatches.length, 0);
  // A lost notification must not hide the count: the metric below still raises the alarm.
  await publishQuietly(bad.map(mismatchEvent));
  const m = metricsOf();
  m.addMetric('ReconcileMismatches', MetricUnit.Count, mismatches);
  m.addMetric('ReconcileMismatchedProjects', MetricUnit.Count, bad.length);
  m.addMetric('ReconciledProjects', MetricUnit.Count, projects);
  m.publishStoredMetrics();
  logger.info('reconciled', { projects, mismatchedProjects: bad.length, mismatches, unsettled });
  return { projects, mismatchedProjects: bad.length, mismatches, unsettled, reports: bad };
}

/** Lambda entry point (EventBridge Scheduler, daily; `{projectId}` to check one project). */
export const handler = observed((event?: ReconcileEvent): Promise<ReconcileRunSummary> => reconcile(event ?? {}));

if (require.main === module) {
  const projectId = process.argv[2];
  // stdout carries the summary alone (it holds every mismatch): no EMF lines, no log lines.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  logger.setLogLevel('SILENT');
  config(); // fail fast on a bad environment, before any read
  reconcile(projectId ? { projectId } : {})
    .then((summary) => {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      process.exitCode = summary.mismatches > 0 ? 1 : 0;
    })
    .catch((e: unknown) => {
      process.stderr.write(`reconcile failed: ${errorMessage(e)}\n`);
      process.exitCode = 2;
    });
}
