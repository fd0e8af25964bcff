/**
 * The reconciler (docs/reliability.md rule 3): recomputes each project's money from its append-only records
 * and compares (the checks: shared/domain/reconcile.ts). Read-only: it never writes, so it can run at
 * any time beside live traffic.
 *
 * Consistency of a live read. Every balance change bumps the project's `version` in the transaction
 * that writes its records, so a project read (p1), then its records, then the project again (p2): if
 * the version did not move, the records read are exactly those behind p1's balance ("settled"). A
 * project that never settles within `settleAttempts` is still checked for everything that does not
 * depend on the moment (closed days are judged at p1.chargedThrough: nothing can be counted into a
 * day once it is closed), but its balance and open totals are not compared; the report says
 * `settled: false`.
 *
 * Reading usage. The Usage table is keyed by event, with one index by project and day; each event's
 * debit mark is in the Ledger table, read consistently after the event (shared/store/reconcile-reads.ts):
 * - reconcileAll scans the Usage table once (strongly consistent, optionally in parallel segments)
 *   and folds it into small per-project aggregates: O(events) reads in 1 MB pages, instead of one
 *   index query per project per day since it started. Projects are listed from the byChargedThrough
 *   index. Because the scan is long, a project whose fast check fails (its events may have been
 *   debited after the scan passed them) is checked again alone, with a settled snapshot, and only
 *   that second verdict is reported.
 * - reconcileProject queries the byProjectDayTime index for the days `daysToRead` names. The index is
 *   eventually consistent, but a usage item never changes after its insert, so the index can only
 *   miss an event just accepted, which then is not behind the balance either.
 */
import { mapLimit } from '../concurrency';
import { config } from '../config';
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import { NotFound } from '../domain/errors';
import {
  addUsage, checkProject, daysToRead, DEFAULT_STUCK_AFTER_MS, emptyUsageAggregate, reportOf,
  type ProjectSnapshot, type ReconcileReport, type ReconcileSummary, type StoredEntry, type UsageAggregate,
} from '../domain/reconcile';
import { logger } from '../logger';
import { listProjectIds } from '../store/charge-index';
import type { StoreContext } from '../store/context';
import { readLedgerItems } from '../store/ledger';
import { findProjectItem, projectExists, type ProjectItem } from '../store/projects';
import { readUsageDay, scanUsageRows } from '../store/reconcile-reads';
import { readOpenTelecom } from '../store/telecom';
import { backoffMs, sleep } from '../store/transactions';

/** What the reconciler reads with: a client and the tables (no clock: `now` is an option). */
export type ReadContext = Pick<StoreContext, 'doc' | 'tables'>;

export interface ReconcileOptions {
  /** Epoch ms; default Date.now(). */
  now?: number;
  /** Billing time zone; default config().BILLING_TIME_ZONE. */
  zone?: string;
  /** An event received longer ago than this and not debited is stuck; default 15 minutes. */
  stuckAfterMs?: number;
  /** Reads of a project before giving up on a settled snapshot; default 3. */
  settleAttempts?: number;
  /** reconcileProject: days before the project's start whose events are read too; default 31. */
  lookbackDays?: number;
  /** Projects (reconcileAll) or index queries (reconcileProject) in flight; default 4 and 8. */
  concurrency?: number;
  /** reconcileAll: parallel scan segments of the Usage table; default 1. */
  scanSegments?: number;
}

interface Resolved { now: number; zone: string; stuckAfterMs: number; settleAttempts: number; lookbackDays: number; scanSegments: number }

function resolve(opts: ReconcileOptions): Resolved {
  return {
    now: opts.now ?? Date.now(),
    zone: opts.zone ?? config().BILLING_TIME_ZONE,
    stuckAfterMs: opts.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS,
    settleAttempts: Math.max(1, opts.settleAttempts ?? 3),
    lookbackDays: opts.lookbackDays ?? 31,
    scanSegments: Math.max(1, opts.scanSegments ?? 1),
  };
}

/** The store reads take a full context; the reconciler never uses its clock or zone. */
function storeOf(ctx: ReadContext, r: Resolved): StoreContext {
  return { ...ctx, now: () => r.now, zone: r.zone };
}

async function readUsage(ctx: ReadContext, p: ProjectItem, r: Resolved, concurrency: number, alsoDays: Iterable<BillingDay>): Promise<UsageAggregate> {
  const days = daysToRead({ ...p, ...(p.createdAt ? { createdDay: billingDayOf(p.createdAt, r.zone) } : {}) }, billingDayOf(r.now, r.zone), r.lookbackDays, alsoDays);
  const events = (await mapLimit(days, concurrency, (day) => readUsageDay(ctx, p.projectId, day))).flat();
  const agg = emptyUsageAggregate();
  const stuckBefore = r.now - r.stuckAfterMs;
  for (const e of events) addUsage(agg, e, stuckBefore);
  return agg;
}

/** p1, the records, p2 (see the module comment); retried until the version holds still. */
async function readSettled(ctx: ReadContext, projectId: string, r: Resolved, readUsageOf: (p: ProjectItem) => Promise<UsageAggregate>): Promise<ProjectSnapshot | null> {
  const store = storeOf(ctx, r);
  for (let attempt = 1; ; attempt++) {
    const p1 = await findProjectItem(store, projectId);
    if (!p1) return null;
    const [entries, usage, openTelecom] = await Promise.all([
      readLedgerItems(ctx, projectId),
      readUsageOf(p1),
      readOpenTelecom(ctx, projectId, p1.chargedThrough),
    ]);
    const p2 = await findProjectItem(store, projectId);
    const settled = p2 !== null && p2.version === p1.version;
    if (settled || attempt >= r.settleAttempts) {
      return { project: p1, chargedThroughAfter: p2?.chargedThrough ?? p1.chargedThrough, settled, entries: entries as unknown as StoredEntry[], usage, openTelecom };
    }
    await sleep(backoffMs(attempt, 200, 50));
  }
}

/**
 * Reconciles one project from its own records (ledger, usage by day, open telecom totals), with a
 * settled snapshot. Throws NotFound when the project does not exist.
 * `alsoDays`: event days to read besides the project's own range (reconcileAll passes the scan's).
 */
export async function reconcileProject(ctx: ReadContext, projectId: string, opts: ReconcileOptions & { alsoDays?: Iterable<BillingDay> } = {}): Promise<ReconcileReport> {
  const r = resolve(opts);
  const snap = await readSettled(ctx, projectId, r, (p) => readUsage(ctx, p, r, opts.concurrency ?? 8, opts.alsoDays ?? []));
  if (!snap) throw new NotFound(`project ${projectId}`);
  if (!snap.settled) logger.warn('reconcile: project kept changing, balance not compared', { projectId });
  return reportOf(projectId, checkProject(snap), snap.settled);
}

/** One strongly consistent pass over the Usage table, folded per project. */
export async function scanUsage(ctx: ReadContext, opts: ReconcileOptions = {}): Promise<Map<string, UsageAggregate>> {
  const r = resolve(opts);
  const stuckBefore = r.now - r.stuckAfterMs;
  const byProject = new Map<string, UsageAggregate>();
  await scanUsageRows(ctx, r.scanSegments, (row) => {
    let agg = byProject.get(row.projectId);
    if (!agg) { agg = emptyUsageAggregate(); byProject.set(row.projectId, agg); }
    addUsage(agg, row, stuckBefore);
  });
  return byProject;
}

/**
 * Reconciles every project (see the module comment for how): lists projects, scans usage once, checks
 * each project against the scan and re-checks any that fails alone before reporting it. Usage of a
 * project that does not exist is reported as `unknown_project` under that project id.
 */
export async function reconcileAll(ctx: ReadContext, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const r = resolve(opts);
  const withNow = { ...opts, now: r.now, zone: r.zone };
  const projectIds = await listProjectIds(ctx);
  const usage = await scanUsage(ctx, withNow);
  const listed = new Set(projectIds);
  let usageEvents = 0;
  for (const agg of usage.values()) usageEvents += agg.events;

  const reports: ReconcileReport[] = [];
  let checked = 0;
  let unsettled = 0;
  const tally = (report: ReconcileReport) => {
    checked++;
    if (!report.settled) unsettled++;
    if (!report.ok) reports.push(report);
  };
  const confirm = (projectId: string, agg: UsageAggregate | undefined): Promise<ReconcileReport> =>
    reconcileProject(ctx, projectId, { ...withNow, alsoDays: agg?.days ?? [] });

  await mapLimit(projectIds, opts.concurrency ?? 4, async (projectId) => {
    const agg = usage.get(projectId) ?? emptyUsageAggregate();
    const snap = await readSettled(ctx, projectId, r, async () => agg);
    if (!snap) return; // deleted since it was listed: nothing left to reconcile
    const report = reportOf(projectId, checkProject(snap), snap.settled);
    // The scan is older than the project read: a failure may be traffic, so it is judged again alone.
    tally(report.ok ? report : await confirm(projectId, agg));
  });

  // Events of projects not listed: created during the run (reconcile them), or of no project at all.
  await mapLimit([...usage.keys()].filter((id) => !listed.has(id)), opts.concurrency ?? 4, async (projectId) => {
    const agg = usage.get(projectId)!;
    if (await projectExists(storeOf(ctx, r), projectId)) {
      tally(await confirm(projectId, agg));
      return;
    }
    reports.push(reportOf(projectId, [{
      kind: 'unknown_project',
      detail: `${agg.events} usage events (${agg.stuck.count} undebited past the threshold) belong to no project`,
      expected: 0,
      actual: agg.events,
    }], true));
  });

  reports.sort((a, b) => (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0));
  return { projects: checked, usageEvents, mismatches: reports.reduce((n, rep) => n + rep.mismatches.length, 0), unsettled, reports };
}
