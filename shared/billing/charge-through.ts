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
 * Credit grants: the day's charge (products + numbers - discount) is paid first from the grants that
 * may pay for the day (shared/domain/credits.ts), in the same transaction, and recorded in the day's
 * `draws#<date>` item. Right after the charge of a grant's `expiresOn`, before anything else is
 * charged, what remains of it leaves the balance (`credit_expired`, dated that day): a transaction of
 * its own, conditioned on the version like the day's, so a crash between the two is finished by the
 * next run and a repeat expires nothing twice.
 *
 * Every day's transaction also ADDs its lines and its telecom by kind to the month's sums
 * (shared/store/month-sums.ts). A month's last day carries the month's statement (./statements.ts):
 * its put, statement.ready and the project's statementsThrough in the day's transaction (two items of
 * the room, see dayLineRoom), its reads (the month's sums item) beside the day's. Not when a grant
 * expires with the day: the statement must hold that expiry, so the charge-day handler closes the
 * month after it (closeMonths), as it does for months behind.
 *
 * After the last day, runway.low is decided on the forecast (./alerts.ts).
 * After the last day, and after a run that found nothing left to charge (a retry after a crash), the
 * usage report's aggregates of the closed days are written, outside the money transaction
 * (./usage-aggregates.ts: a recount, idempotent), from the telecom counts the days' charges read.
 */
import { addDays, billingDayOf, type BillingDay } from '../domain/billing-days';
import { endOfDay } from '../domain/day-bounds';
import { chargeTotal, closingLines, costOf, telecomDailyLine } from '../domain/charge-day';
import { balanceDrafts, draft, eventRoom, type AlertRules } from '../domain/events';
import { addDraws, drawCharge, expiredBy, type DrawsByDay } from '../domain/credits';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import { sum, type Money } from '../domain/money';
import { emptySnapshot, foldChanges, utcIso } from '../domain/timeline-snapshot';
import { optimisticCommit, type Commit } from '../store/commit';
import { drawsAdds, grantEnded, grantsOf } from '../store/credits';
import type { StoreContext } from '../store/context';
import { ledgerPut, ledgerRef } from '../store/ledger';
import { eventSeqSet, eventWrites } from '../store/events';
import { afterBalanceUpdate, alertRulesOf, balanceUpdate, getProjectItem, plansOf, type ProjectItem } from '../store/projects';
import { sumsAdds } from '../store/month-sums';
import { readTelecom, telecomItemOf, telecomUnchanged, type TelecomItem } from '../store/telecom';
import { statementPut } from '../store/statements';
import { countsOfTelecom, type TelecomCounts } from '../store/usage-aggregates';
import { readTimeline, snapshotPut } from '../store/timeline';
import { MAX_TRANSACTION_ITEMS } from '../store/transactions';
import { evaluateRunway } from './alerts';
import { moveBalance, topupFor } from './money-move';
import { projectPricesOn } from './prices';
import { aggregateClosedDays } from './usage-aggregates';
import { monthClosedBy, monthDue, readMonthClose, statementFrom, statementSet, type MonthCloseReads } from './statements';
import type { Month, Statement } from '../domain/statement';

/**
 * Items of a day's transaction besides the product, number and discount lines and the alert events:
 * telecom line and check, project, snapshot, the draws item, the month's sums and an auto top-up's event.
 */
const FIXED_ITEMS = 7;

/** Items the month's statement adds to the transaction of its last day: the statement and its statement.ready event. */
const STATEMENT_ITEMS = 2;

/** Grants expired per transaction: three items each (record, ledger line, event) beside the project's and the alerts'. */
const EXPIRIES_PER_WRITE = 25;

/**
 * The product, number and discount lines a day's transaction has room for, beside the events it may
 * write and (`withStatement`, a month's last day) the month's statement.
 */
export function dayLineRoom(rules: AlertRules, withStatement = false): number {
  return MAX_TRANSACTION_ITEMS - FIXED_ITEMS - eventRoom(rules, 0) - (withStatement ? STATEMENT_ITEMS : 0);
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
  /** The statements made in the transactions of their months' last days. */
  statements: Statement[];
  /** A month whose last day is charged still has no statement (for closeMonths to make). */
  monthDue: boolean;
}

/** One commit: the project after it, and the day it charged (null: nothing left to charge, or `expired` grants). */
interface Step { after: ProjectItem; day: DayCharged | null; expired?: number; telecom?: TelecomCounts | null; statement?: Statement }

/** The expiry of the grants whose last day is closed (at most EXPIRIES_PER_WRITE), or null when there are none. */
function expiryCommit(ctx: StoreContext, project: ProjectItem, attemptId: string): Commit<Step> | null {
  const grants = grantsOf(project);
  const due = expiredBy(grants, project.chargedThrough).slice(0, EXPIRIES_PER_WRITE);
  if (due.length === 0) return null;
  const gone = new Set(due.map((g) => g.grantId));
  const createdAt = utcIso(ctx.now());
  const delta = -sum(due.map((g) => g.remaining));
  const entries = due.map((g): LedgerEntry => ({
    entryId: entryIds.creditExpired(g.grantId), date: g.expiresOn!, type: 'credit_expired', description: `Credit ${g.grantId} expired`, amount: -g.remaining, balanceEffect: true,
  }));
  const move = moveBalance(ctx, project, delta, (after) => due.map((g) => draft('credit.expired', { grantId: g.grantId, amount: -g.remaining, balance: after.balance }, `credit_expired#${g.grantId}`)),
    createdAt, { grants: grants.filter((g) => !gone.has(g.grantId)), booked: { entries } });
  return {
    items: [
      ...entries.map((e, i) => ledgerPut(ctx, project.projectId, e, createdAt, i === 0 ? attemptId : undefined)),
      ...due.map((g) => grantEnded(ctx, project.projectId, g.grantId, 'expired', -g.remaining, g.expiresOn!)),
      move.update, ...move.sums,
      ...move.events.puts,
    ],
    receipt: ledgerRef(ctx, project.projectId, entries[0]!),
    result: { after: move.after, day: null, expired: due.length },
  };
}

/**
 * Charges `projectId` for every uncharged day up to `date` (clamped to yesterday in the billing
 * zone: a day is charged only once it is over), in order, one transaction per day. Idempotent: a
 * repeat, or a run racing another, charges nothing twice.
 */
export async function chargeThrough(ctx: StoreContext, projectId: string, date: BillingDay): Promise<ChargeResult> {
  const days: DayCharged[] = [];
  const statements: Statement[] = [];
  // The telecom counts each charged day read (its item is frozen once the day is closed): the usage aggregates reuse them.
  const telecomOf = new Map<BillingDay, TelecomCounts | null>();
  // The project as the last commit left it (afterBalanceUpdate: exact): the next step's first round
  // builds on it instead of reading it again; a stale one is cancelled on the version and read afresh.
  let known: ProjectItem | undefined;
  for (;;) {
    const step = await optimisticCommit<Step>(ctx.doc, `charging ${projectId}`, async ({ round, attemptId }) => {
      const project = round === 0 && known ? known : await getProjectItem(ctx, projectId);
      // Grants whose last day is closed leave first: right after that day's charge, before the next.
      const expiry = expiryCommit(ctx, project, attemptId);
      if (expiry) return expiry;
      const yesterday = addDays(billingDayOf(ctx.now(), ctx.zone), -1);
      const last = date < yesterday ? date : yesterday;
      if (project.chargedThrough >= last) return { done: { after: project, day: null } };

      const day = addDays(project.chargedThrough, 1);
      // The month's last day: its statement rides in the day's transaction, its reads beside the day's.
      const closes = monthClosedBy(project, day);
      const [read, { telecom, month }, prices] = await Promise.all([
        readTimeline(ctx, projectId, { untilMs: endOfDay(day, ctx.zone), sessionsFrom: addDays(day, -29), sessionsTo: day }),
        telecomAndMonth(ctx, project, day, closes),
        // The day is priced by the version in force on it of the plan the project is on during it.
        projectPricesOn(ctx, plansOf(project), day),
      ]);
      const telecomTotal = telecom?.total ?? 0;
      const telecomLine = telecomDailyLine(day, telecomTotal);
      const rules = alertRulesOf(project);
      const lines = [...closingLines(read.timeline, prices, day, dayLineRoom(rules, closes !== null)), telecomLine];
      const delta = chargeTotal(lines);
      // The day's charge is paid from the grants of its days first (what is charged: -delta).
      const drawn = drawCharge(grantsOf(project), -delta, day);
      const drew = drawn.total > 0;
      const kinds = telecom?.kinds ?? new Map();
      const moved0 = afterBalanceUpdate(project, delta, { chargedThrough: day, ...(drew ? { grants: drawn.grants } : {}) });
      const topup = topupFor(ctx, project, moved0.balance, moved0.version);
      const moved = topup.set.length > 0 ? { ...moved0, autoTopup: topup.rule } : moved0;
      // The month's statement, unless a grant expires with the day: that expiry is dated the day and
      // committed after this transaction, so the statement must wait for it (closeMonths makes it then).
      const statement = closes && month && expiredBy(grantsOf(moved), day).length === 0
        ? await statementFrom(ctx, project, closes, month, { lines, kinds, drawn: drawn.total, date: day }) : null;
      const stated = statement ? statementSet(statement) : { set: [], values: {}, after: {} };
      const createdAt = utcIso(ctx.now());
      const charged: DayCharged = { date: day, amount: costOf(lines), lines, telecomTotal, balance: moved.balance };
      const events = eventWrites(ctx, project, [
        draft('day.charged', { date: day, amount: charged.amount, telecomTotal, balance: moved.balance }, `day#${day}`),
        ...balanceDrafts(project, moved, rules, moved.version),
        ...topup.drafts,
        ...(statement ? [draft('statement.ready', { month: statement.month, closingBalance: statement.closingBalance }, `statement#${statement.month}`)] : []),
      ], createdAt);
      const seq = eventSeqSet(events);
      const draws: DrawsByDay = new Map();
      addDraws(draws, day, drawn.draws);
      return {
        items: [
          ...lines.map((line) => ledgerPut(ctx, projectId, line, createdAt, line === telecomLine ? attemptId : undefined)),
          telecomUnchanged(ctx, projectId, day, telecom),
          balanceUpdate(ctx.tables.projects, project, delta, {
            set: ['chargedThrough = :ct', ...seq.set, ...(drew ? ['grants = :grants'] : []), ...topup.set, ...stated.set],
            values: { ':ct': day, ...seq.values, ...(drew ? { ':grants': drawn.grants } : {}), ...topup.values, ...stated.values },
          }),
          ...drawsAdds(ctx, projectId, draws),
          ...sumsAdds(ctx, project, { entries: lines, closedDay: { day, kinds } }),
          // The changes read end with the day, so the fold is the state as of its end.
          snapshotPut(ctx, projectId, day, foldChanges(read.base?.state ?? emptySnapshot(), read.changes)),
          ...(statement ? [statementPut(ctx, statement, createdAt, attemptId)] : []),
          ...events.puts,
        ],
        receipt: ledgerRef(ctx, projectId, telecomLine),
        result: {
          after: { ...moved, eventSeq: events.eventSeq, ...stated.after }, day: charged,
          telecom: telecom ? countsOfTelecom(day, telecom) : null, ...(statement ? { statement } : {}),
        },
      };
    });
    known = step.after;
    if (step.expired) continue;
    if (!step.day) {
      // Once, after the last day: it writes every closed day after its mark (one mark read a night).
      await aggregateClosedDays(ctx, step.after, days[0]?.date, telecomOf);
      await evaluateRunway(ctx, projectId, step.after);
      return { projectId, chargedThrough: step.after.chargedThrough, days, statements, monthDue: monthDue(step.after) };
    }
    days.push(step.day);
    telecomOf.set(step.day.date, step.telecom ?? null);
    if (step.statement) statements.push(step.statement);
  }
}

/**
 * The day's telecom item, and on a month's last day (`closes`) the reads of the month's statement
 * beside it. For a project keeping no sums, the month's query of its telecom items holds the day's:
 * one request, not two.
 */
async function telecomAndMonth(ctx: StoreContext, project: ProjectItem, day: BillingDay, closes: Month | null): Promise<{ telecom: TelecomItem | null; month: MonthCloseReads | null }> {
  if (!closes) return { telecom: await readTelecom(ctx, project.projectId, day), month: null };
  if (project.sumsKept) {
    const [telecom, month] = await Promise.all([readTelecom(ctx, project.projectId, day), readMonthClose(ctx, project, closes)]);
    return { telecom, month };
  }
  const month = await readMonthClose(ctx, project, closes);
  const item = 'telecomDays' in month ? month.telecomDays.get(day) : undefined;
  return { telecom: item ? telecomItemOf(item) : null, month };
}
