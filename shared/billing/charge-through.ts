/**
 * The nightly charge (docs/api.md "Billing rules", docs/reliability.md rule 9): every day from
 * `chargedThrough + 1` up to the asked date (never today or later), in order, each day in ONE
 * transaction:
 *   - the day's product, number and discount lines, each `attribute_not_exists(pk)`;
 *   - the day's `telecom_daily` line (amount = minus the day's telecom total, balanceEffect false),
 *     written ALWAYS, 0 included: it marks the day closed in the ledger and gives the forecast the
 *     quiet days too (skipping zeros would bias its mean upwards);
 *   - a ConditionCheck that the day's running telecom total still holds what was read (or still does
 *     not exist), so no debit slips into a day being closed;
 *   - the project item: balance, status and `chargedThrough = D`, conditioned on the version read;
 *   - the timeline snapshot as of D (shared/store/timeline.ts), so tomorrow reads only new changes;
 *   - its events: day.charged, a block, the balance thresholds crossed (shared/store/events.ts).
 * A second run, a duplicate message or two runs at once: the loser's transaction is cancelled on
 * the version, it reads again, finds `chargedThrough >= D` and moves nothing.
 *
 * Transaction size (DynamoDB: at most 100 items): the telecom line, telecom check, project and
 * snapshot (4) and room for the events leave the rest to product, number and discount lines; a day
 * with more numbers held than fit is charged one line per number type (domain/charge-day.ts fitLines).
 *
 * After the last day, runway.low is decided on the forecast (./alerts.ts).
 * After each day, and after a run that found nothing left to charge (a retry after a crash), the
 * usage report's aggregates of the closed days are written, outside the money transaction
 * (./usage-aggregates.ts: a recount, idempotent).
 */
import { addDays, billingDayOf, endOfDay, type BillingDay } from '../domain/billing-days';
import { chargeTotal, closingLines, costOf, telecomDailyLine } from '../domain/charge-day';
import { balanceDrafts, draft, eventRoom, type AlertRules } from '../domain/events';
import type { LedgerEntry } from '../domain/ledger';
import type { Money } from '../domain/money';
import { emptySnapshot, foldChanges, utcIso } from '../domain/timeline-snapshot';
import { optimisticCommit } from '../store/commit';
import type { StoreContext } from '../store/context';
import { ledgerPut, ledgerRef } from '../store/ledger';
import { eventSeqSet, eventWrites } from '../store/events';
import { afterBalanceUpdate, alertRulesOf, balanceUpdate, getProjectItem, plansOf, type ProjectItem } from '../store/projects';
import { readTelecom, telecomUnchanged } from '../store/telecom';
import { readTimeline, snapshotPut } from '../store/timeline';
import { MAX_TRANSACTION_ITEMS } from '../store/transactions';
import { evaluateRunway } from './alerts';
import { projectPricesOn } from './prices';
import { aggregateClosedDays } from './usage-aggregates';

/** Items of a day's transaction besides the product, number and discount lines and the events. */
const FIXED_ITEMS = 4;

/** The product, number and discount lines a day's transaction has room for, beside the events it may write. */
export function dayLineRoom(rules: AlertRules): number {
  return MAX_TRANSACTION_ITEMS - FIXED_ITEMS - eventRoom(rules, 0);
}

export interface DayCharged {
  date: BillingDay;
  /** What the day cost (positive for a charge): minus the net balance effect of its lines. */
  amount: Money;
  lines: LedgerEntry[];
  telecomTotal: Money;
  balance: Money;
}

export interface ChargeResult {
  projectId: string;
  chargedThrough: BillingDay;
  /** The days this call charged (empty when there was nothing to do). */
  days: DayCharged[];
}

/** One day's commit: the project after it, and the day it charged (null: nothing left to charge). */
interface Step { after: ProjectItem; day: DayCharged | null }

/**
 * Charges `projectId` for every uncharged day up to `date` (clamped to yesterday in the billing
 * zone: a day is charged only once it is over), in order, one transaction per day. Idempotent: a
 * repeat, or a run racing another, charges nothing twice.
 */
export async function chargeThrough(ctx: StoreContext, projectId: string, date: BillingDay): Promise<ChargeResult> {
  const days: DayCharged[] = [];
  for (;;) {
    const step = await optimisticCommit<Step>(ctx.doc, `charging ${projectId}`, async ({ attemptId }) => {
      const project = await getProjectItem(ctx, projectId);
      const yesterday = addDays(billingDayOf(ctx.now(), ctx.zone), -1);
      const last = date < yesterday ? date : yesterday;
      if (project.chargedThrough >= last) return { done: { after: project, day: null } };

      const day = addDays(project.chargedThrough, 1);
      const [read, telecom, prices] = await Promise.all([
        readTimeline(ctx, projectId, { untilMs: endOfDay(day, ctx.zone), sessionsFrom: addDays(day, -29), sessionsTo: day }),
        readTelecom(ctx, projectId, day),
        // The day is priced by the version in force on it of the plan the project is on during it.
        projectPricesOn(ctx, plansOf(project), day),
      ]);
      const telecomTotal = telecom?.total ?? 0;
      const telecomLine = telecomDailyLine(day, telecomTotal);
      const rules = alertRulesOf(project);
      const lines = [...closingLines(read.timeline, prices, day, dayLineRoom(rules)), telecomLine];
      const delta = chargeTotal(lines);
      const moved = afterBalanceUpdate(project, delta, { chargedThrough: day });
      const createdAt = utcIso(ctx.now());
      const charged: DayCharged = { date: day, amount: costOf(lines), lines, telecomTotal, balance: moved.balance };
      const events = eventWrites(ctx, project, [
        draft('day.charged', { date: day, amount: charged.amount, telecomTotal, balance: moved.balance }, `day#${day}`),
        ...balanceDrafts(project, moved, rules, moved.version),
      ], createdAt);
      const seq = eventSeqSet(events);
      return {
        items: [
          ...lines.map((line) => ledgerPut(ctx, projectId, line, createdAt, line === telecomLine ? attemptId : undefined)),
          telecomUnchanged(ctx, projectId, day, telecom),
          balanceUpdate(ctx.tables.projects, project, delta, { set: ['chargedThrough = :ct', ...seq.set], values: { ':ct': day, ...seq.values } }),
          // The changes read end with the day, so the fold is the state as of its end.
          snapshotPut(ctx, projectId, day, foldChanges(read.base?.state ?? emptySnapshot(), read.changes)),
          ...events.puts,
        ],
        receipt: ledgerRef(ctx, projectId, telecomLine),
        result: { after: { ...moved, eventSeq: events.eventSeq }, day: charged },
      };
    });
    await aggregateClosedDays(ctx, step.after, step.day?.date);
    if (!step.day) {
      await evaluateRunway(ctx, projectId, step.after);
      return { projectId, chargedThrough: step.after.chargedThrough, days };
    }
    days.push(step.day);
  }
}
