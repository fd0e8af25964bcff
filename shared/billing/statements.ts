/**
 * Monthly statements (docs/api.md "Statements"): the month's close, made by the nightly run when it
 * charges the month's last day, and the reads behind the routes.
 *
 * A month is closed in ONE transaction: the statement's put (`attribute_not_exists`), its
 * `statement.ready` event, and the project item's `statementsThrough` and event count, conditioned on
 * the version read. Usually that transaction is the charge of the month's last day itself
 * (charge-through.ts, with monthClosedBy, readMonthClose, statementFrom): no second transaction, no
 * second read of the project, and no state in which the day is charged but the month not stated.
 * closeMonths makes it in a transaction of its own when the charge could not: a grant expiring with
 * the last day (its expiry, dated that day, commits after the charge), or months behind. A second
 * night, a redelivered message or two runs at once: the loser is cancelled on the version (or the
 * put), reads again, finds the month made and does nothing. A run that died after charging the last
 * day but before such a close leaves its message to SQS, whose redelivery (or the next night) makes it.
 *
 * What closing a month reads, whatever the project's size: the month's sums (one item,
 * shared/store/month-sums.ts, which every transaction that writes a ledger line and every day's close
 * add to), the grants' draws of the month (one small item per day with draws, only for a project ever
 * granted credit), the previous closing (on the project item) and the plan versions in force (their
 * items only, never a tariff, kept per warm function). A project made before sums were kept reads the
 * month's ledger entries (a few lines per day, never one per event) and the days' telecom counters
 * instead, as does a month whose sums left the exact integers. Every figure is a sum of the month's
 * ledger either way, so the same month always gives the same statement: late events and corrections
 * are dated in an open day, never in a closed month.
 */
import { addDays, type BillingDay } from '../domain/billing-days';
import { NotFound } from '../domain/errors';
import { draft } from '../domain/events';
import { planOn, versionOn, type PlanAssignment, type VersionRef } from '../domain/plan';
import {
  book, firstDayOf, lastDayOf, makeStatement, mergeSums, monthOf, nextMonth, openingAfter, statementOfSums,
  type KindTotal, type Month, type MonthSums, type Statement, type StatementFrame, type StatementSummary,
} from '../domain/statement';
import type { UsageKind } from '../domain/usage';
import { readMonthSums } from '../store/month-sums';
import { optimisticCommit } from '../store/commit';
import { nowIso, type StoreContext } from '../store/context';
import { readCreditsDrawn } from '../store/credit-draws';
import { eventWrites } from '../store/events';
import { keys } from '../store/keys';
import { readVersionItem } from '../store/plans';
import { planFor } from './prices';
import { getProjectItem, plansOf, type ProjectItem } from '../store/projects';
import { findStatement, listStatementSummaries, readLedgerRange, statementPut, statementRef } from '../store/statements';
import { kindsOfItems, readTelecomDays, readTelecomKinds } from '../store/telecom';
import type { LedgerEntry } from '../domain/ledger';
import type { Money } from '../domain/money';

/** Months closed per call at most: a project years behind catches up a year a night. */
export const MAX_MONTHS_PER_CALL = 12;

/** The month a project's next statement is of. */
export function nextStatementMonth(project: Pick<ProjectItem, 'statementsThrough' | 'billingStartDate'>): Month {
  return project.statementsThrough ? nextMonth(project.statementsThrough) : monthOf(project.billingStartDate);
}

/** True when the project has a month whose last day is charged and whose statement is not made. */
export function monthDue(project: Pick<ProjectItem, 'statementsThrough' | 'billingStartDate' | 'chargedThrough'>): boolean {
  return lastDayOf(nextStatementMonth(project)) <= project.chargedThrough;
}

/**
 * The VAT rate of each day and the names of the products, from the plan versions in force on the
 * days `from`..`to`: each plan and each version item read once (never a tariff).
 */
/** Version items by table, plan and version: never edited, so kept per warm function (not their tariffs). */
const versionItems = new Map<string, Promise<{ vatPercent: number; products: { productId: string; name: string }[] }>>();

function versionItemOf(ctx: StoreContext, planId: string, version: number): Promise<{ vatPercent: number; products: { productId: string; name: string }[] }> {
  const key = `${ctx.tables.plans}|${planId}@${version}`;
  let hit = versionItems.get(key);
  if (!hit) {
    hit = readVersionItem(ctx, planId, version).then((item) => {
      if (!item) throw new NotFound(`version ${version} of plan ${planId}`);
      return { vatPercent: item.vatPercent ?? 0, products: item.products.map((p) => ({ productId: p.productId, name: p.name })) };
    });
    hit.catch(() => versionItems.delete(key));
    if (versionItems.size >= 64) versionItems.delete(versionItems.keys().next().value!);
    versionItems.set(key, hit);
  }
  return hit;
}

/**
 * The VAT rate of each day and the names of the products, from the plan versions in force on the
 * days `from`..`to` (the plan items as ./prices.ts keeps them, the version items without their tariffs).
 */
async function pricesOfMonth(ctx: StoreContext, assignments: readonly PlanAssignment[], from: BillingDay, to: BillingDay): Promise<{ vatOn: (day: BillingDay) => number; productName: (id: string) => string | undefined }> {
  const plans = new Map<string, VersionRef[]>();
  const rateByDay = new Map<BillingDay, number>();
  const names = new Map<string, string>();
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const planId = planOn(assignments, day);
    let refs = plans.get(planId);
    if (!refs) {
      refs = (await planFor(ctx, planId, to)).versions;
      plans.set(planId, refs);
    }
    const ref = versionOn(refs, day);
    if (!ref) throw new NotFound(`a version of plan ${planId} in force on ${day}`);
    const v = await versionItemOf(ctx, planId, ref.version);
    rateByDay.set(day, v.vatPercent);
    // The name in force on the latest day wins: what the customer last saw the product called.
    for (const p of v.products) names.set(p.productId, p.name);
  }
  return { vatOn: (day) => rateByDay.get(day) ?? 0, productName: (id) => names.get(id) };
}

/** What a month's statement reads of the project's data (besides the plan's items). */
interface MonthReads {
  entries: Awaited<ReturnType<typeof readLedgerRange>>;
  telecomByKind: Awaited<ReturnType<typeof readTelecomKinds>>;
  drawn: Awaited<ReturnType<typeof readCreditsDrawn>>;
}

function readMonth(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<MonthReads> {
  return Promise.all([readLedgerRange(ctx, projectId, from, to), readTelecomKinds(ctx, projectId, from, to), readCreditsDrawn(ctx, projectId, from, to)])
    .then(([entries, telecomByKind, drawn]) => ({ entries, telecomByKind, drawn }));
}

/** The earliest billing day there is: the first statement reads from it (see readFromOf). */
const BEGINNING: BillingDay = '0001-01-01';

/**
 * Where a month's reads start: the 1st, or for the first statement the beginning, so a payment made
 * before `billingStartDate` (a project created ahead of its start) is in the first statement.
 */
function readFromOf(project: Pick<ProjectItem, 'statementsThrough'>, month: Month): BillingDay {
  return project.statementsThrough ? firstDayOf(month) : BEGINNING;
}

/** The statement's header, opening and prices: all it needs beside its month's figures. */
async function frameOf(ctx: StoreContext, project: ProjectItem, month: Month, previous: Pick<Statement, 'closingBalance' | 'closingCreditBalance'> | null): Promise<StatementFrame> {
  const from = month === monthOf(project.billingStartDate) ? project.billingStartDate : firstDayOf(month);
  const prices = await pricesOfMonth(ctx, plansOf(project), from, lastDayOf(month));
  return { projectId: project.projectId, projectName: project.name, currency: project.currency, month, from, ...openingAfter(previous), vatOn: prices.vatOn, productName: prices.productName };
}

/** The statement of `month` as the ledger has it now (the month must be closed for it to be final). */
export async function statementOf(ctx: StoreContext, project: ProjectItem, month: Month, previous: Pick<Statement, 'closingBalance' | 'closingCreditBalance'> | null, reads?: MonthReads): Promise<Statement> {
  const [read, frame] = await Promise.all([
    reads ?? readMonth(ctx, project.projectId, readFromOf(project, month), lastDayOf(month)),
    frameOf(ctx, project, month, previous),
  ]);
  return makeStatement({ ...frame, entries: read.entries, telecomByKind: read.telecomByKind, creditsDrawn: read.drawn.total });
}

/**
 * The month the charge of `day` closes and may state in its own transaction: `day` is the last day
 * of the month whose statement is due next. Null otherwise (an ordinary day, or months behind: those
 * are closeMonths' to make, oldest first).
 */
export function monthClosedBy(project: Pick<ProjectItem, 'statementsThrough' | 'billingStartDate'>, day: BillingDay): Month | null {
  const month = nextStatementMonth(project);
  return day === lastDayOf(month) ? month : null;
}

/**
 * What a month's statement reads, each one request, all at once (beside the day's own reads when the
 * charge of its last day makes it): the month's sums (one item) for a project that keeps them, its
 * ledger entries and telecom items for one made before; the grants' draws; the previous closing.
 */
export type MonthCloseReads = {
  drawn: Awaited<ReturnType<typeof readCreditsDrawn>>;
  previous: Pick<Statement, 'closingBalance' | 'closingCreditBalance'> | null;
} & (
  | { sums: MonthSums }
  /** The month's entries booked so far; its telecom items by day. */
  | { entries: LedgerEntry[]; telecomDays: Map<BillingDay, Record<string, unknown>> }
);

export async function readMonthClose(ctx: StoreContext, project: ProjectItem, month: Month): Promise<MonthCloseReads> {
  const from = readFromOf(project, month);
  const to = lastDayOf(month);
  const [drawn, previous] = [
    // A project never granted credit has no draws to read (grantSeq counts every grant made).
    project.grantSeq ? readCreditsDrawn(ctx, project.projectId, from, to) : Promise.resolve({ total: 0, byGrant: new Map<string, Money>() }),
    previousOf(ctx, project),
  ];
  if (project.sumsKept) {
    const [sums, d, p] = await Promise.all([readMonthSums(ctx, project.projectId, monthOf(from), month), drawn, previous]);
    return { sums, drawn: d, previous: p };
  }
  const [entries, telecomDays, d, p] = await Promise.all([readLedgerRange(ctx, project.projectId, from, to), readTelecomDays(ctx, project.projectId, from, to), drawn, previous]);
  return { entries, telecomDays, drawn: d, previous: p };
}

/**
 * The statement of `month` from its reads and, when the charge of its last day makes it, that day
 * (`lines` its ledger lines, `kinds` its telecom by kind, `drawn` what its grants paid of it): equal to
 * what closeMonths makes once that charge is committed. Null when the month's sums left the exact
 * integers: closeMonths then reads it from the ledger.
 */
export async function statementFrom(ctx: StoreContext, project: ProjectItem, month: Month, reads: MonthCloseReads,
  day: { lines: readonly LedgerEntry[]; kinds: ReadonlyMap<UsageKind, KindTotal>; drawn: Money; date: BillingDay } | null = null): Promise<Statement | null> {
  const drawn = reads.drawn.total + (day?.drawn ?? 0);
  if ('sums' in reads) {
    const booked = day ? book({}, { entries: day.lines, closedDay: { day: day.date, kinds: day.kinds } })[month] : undefined;
    const sums = booked ? mergeSums(reads.sums, booked) : reads.sums;
    if (sums.inexact) return null;
    return statementOfSums({ ...(await frameOf(ctx, project, month, reads.previous)), sums: { ...sums, drawn } });
  }
  return statementOf(ctx, project, month, reads.previous, {
    entries: [...reads.entries, ...(day?.lines ?? [])],
    telecomByKind: kindsOfItems(reads.telecomDays.values()),
    drawn: { total: drawn, byGrant: reads.drawn.byGrant },
  });
}

/** The closing the previous statement left: on the project item, or (a statement made before it was kept there) the statement. */
function previousOf(ctx: StoreContext, project: ProjectItem): Promise<Pick<Statement, 'closingBalance' | 'closingCreditBalance'> | null> {
  if (!project.statementsThrough) return Promise.resolve(null);
  if (project.statementClosing) return Promise.resolve({ closingBalance: project.statementClosing.balance, closingCreditBalance: project.statementClosing.credit });
  return findStatement(ctx, project.projectId, project.statementsThrough);
}

/** The project's side of a statement: the month stated through and its closing, for the next one's opening. */
export function statementSet(s: Statement): { set: string[]; values: Record<string, unknown>; after: Pick<ProjectItem, 'statementsThrough' | 'statementClosing'> } {
  const closing = { balance: s.closingBalance, credit: s.closingCreditBalance };
  return { set: ['statementsThrough = :month', 'statementClosing = :closing'], values: { ':month': s.month, ':closing': closing }, after: { statementsThrough: s.month, statementClosing: closing } };
}

/**
 * Makes the statement of every month of `projectId` whose last day is charged and whose statement is
 * not made yet, oldest first, each in its own transaction (see the module comment). Returns those it
 * made. `chargedThrough` (what the charge just now reached): when it is a month's last day, that
 * month's reads start beside the project's read instead of after it.
 */
export async function closeMonths(ctx: StoreContext, projectId: string): Promise<Statement[]> {
  const made: Statement[] = [];
  let after: ProjectItem | undefined;
  while (made.length < MAX_MONTHS_PER_CALL) {
    // After a month is made, the project as that commit left it says whether another is due.
    if (after && !monthDue(after)) break;
    const step = await optimisticCommit<{ statement: Statement; after: ProjectItem } | null>(ctx.doc, `closing a month of ${projectId}`, async ({ round, attemptId }) => {
      const project = round === 0 && after ? after : await getProjectItem(ctx, projectId);
      if (!monthDue(project)) return { done: null };
      const month = nextStatementMonth(project);
      const reads = await readMonthClose(ctx, project, month);
      // Sums past exact integers (see MonthSums): the ledger, read now, says what they could not.
      const s = await statementFrom(ctx, project, month, reads) ?? await statementOf(ctx, project, month, reads.previous);
      const createdAt = nowIso(ctx);
      const events = eventWrites(ctx, project, [draft('statement.ready', { month, closingBalance: s.closingBalance }, `statement#${month}`)], createdAt);
      const closing = { balance: s.closingBalance, credit: s.closingCreditBalance };
      return {
        items: [
          statementPut(ctx, s, createdAt, attemptId),
          {
            Update: {
              TableName: ctx.tables.projects,
              Key: keys.project(projectId),
              UpdateExpression: 'SET statementsThrough = :month, statementClosing = :closing, eventSeq = :seq, version = :next',
              ConditionExpression: 'version = :version',
              ExpressionAttributeValues: { ':month': month, ':closing': closing, ':seq': events.eventSeq, ':next': project.version + 1, ':version': project.version },
            },
          },
          ...events.puts,
        ],
        receipt: statementRef(ctx, projectId, month),
        result: { statement: s, after: { ...project, statementsThrough: month, statementClosing: closing, eventSeq: events.eventSeq, version: project.version + 1 } },
      };
    });
    if (!step) break;
    made.push(step.statement);
    after = step.after;
  }
  return made;
}

/** `GET /projects/{id}/statements`: every statement's month and balances, newest first. */
export async function listStatements(ctx: StoreContext, projectId: string): Promise<{ statements: StatementSummary[] }> {
  await getProjectItem(ctx, projectId, false);
  return { statements: await listStatementSummaries(ctx, projectId) };
}

/** `GET /projects/{id}/statements/{month}`: the stored statement; 404 for a month not yet made. */
export async function getStatement(ctx: StoreContext, projectId: string, month: Month): Promise<Statement> {
  const s = await findStatement(ctx, projectId, month);
  if (!s) {
    await getProjectItem(ctx, projectId, false);
    throw new NotFound(`the statement of ${month}`);
  }
  return s;
}
