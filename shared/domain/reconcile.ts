/**
 * The reconciler's checks (docs/reliability.md rule 3): given one project's records as read together, what
 * does not add up. Pure: the same snapshot always gives the same list; reading the records is the
 * store's (shared/store/reconcile-reads.ts) and running the checks over every project is the use
 * case's (shared/billing/reconcile.ts).
 *
 * Checks, per project (docs/api.md LedgerEntry invariants):
 * - `balance`: balance = sum(amount of entries with balanceEffect) - sum(cost of debited usage events).
 *   A usage event debited twice, a charge applied twice, a lost payment all show here.
 * - `undebited`: every usage event received more than `stuckAfterMs` ago carries `debitedAt`.
 * - `debit_mark`: a debited event has `countedOn`, and it is not before the event's own day.
 * - `telecom`: each closed day (billingStartDate..chargedThrough) has telecom_daily amount =
 *   -sum(cost of the events counted on it) (no line ⇔ 0; the line never moves the balance); no event
 *   is counted before billingStartDate. Per day, so the API's closed-days total follows.
 * - `open_telecom`: each open day's running total equals the events counted on it, the total the
 *   nightly charge will copy into the day's line.
 * - `uncharged_day`: every closed day has its telecom_daily line: the nightly charge writes it always,
 *   0 included, in the transaction that closes the day, so a closed day without one was never charged.
 * - `duplicate_charge`: at most one line per (day, product), (day, number or number group), day
 *   discount, day telecom.
 * - `duplicate_entry`: an entryId appears under one sort key only (same id on two dates = paid twice).
 * - `unclosed_day_charged` / `charge_before_start`: no charge line dated after chargedThrough or
 *   before billingStartDate.
 * - `invalid_amount`: every amount and cost is an integer number of minor units.
 * - `unknown_project` (over all projects only): usage events whose project does not exist.
 */
import { addDays, daysFromTo, type BillingDay } from './billing-days';
import type { LedgerEntry, LedgerType } from './ledger';
import type { Money } from './money';

export type MismatchKind =
  | 'balance'
  | 'undebited'
  | 'debit_mark'
  | 'telecom'
  | 'open_telecom'
  | 'uncharged_day'
  | 'duplicate_charge'
  | 'duplicate_entry'
  | 'unclosed_day_charged'
  | 'charge_before_start'
  | 'invalid_amount'
  | 'unknown_project';

export interface Mismatch {
  kind: MismatchKind;
  detail: string;
  expected?: number;
  actual?: number;
  /** The billing day concerned, when there is one. */
  date?: BillingDay;
}

export interface ReconcileReport {
  projectId: string;
  ok: boolean;
  mismatches: Mismatch[];
  /** False when the project kept changing while read: its balance and open totals were not compared. */
  settled: boolean;
}

export interface ReconcileSummary {
  /** Projects checked. */
  projects: number;
  /** Usage events read by the scan. */
  usageEvents: number;
  /** Mismatches over all projects. */
  mismatches: number;
  /** Projects whose balance could not be compared (kept changing). */
  unsettled: number;
  /** Only the projects that are not ok, by projectId. */
  reports: ReconcileReport[];
}

export const DEFAULT_STUCK_AFTER_MS = 15 * 60_000;
/** Ids quoted in a mismatch's detail: enough to start looking, small enough for a log line and an event. */
const SAMPLE = 10;

/** Lines that the nightly charge writes for a closed day (never for an open one). */
const CHARGE_TYPES: ReadonlySet<LedgerType> = new Set(['product_daily', 'number_daily', 'discount', 'telecom_daily']);

/** A stored ledger entry with the sort key it is stored under (`<date>#<entryId>`). */
export type StoredEntry = LedgerEntry & { sk: string };

/** An open day's running telecom total. */
export interface TelecomTotal { date: BillingDay; total: Money; events: number }

/** What the checks need of a project's usage: sums per counted day, never the events themselves. */
export interface UsageAggregate {
  events: number;
  /** Sum of the costs of debited events. */
  debitedTotal: bigint;
  /** Debited events by the day they were counted on (countedOn). */
  counted: Map<BillingDay, { total: bigint; events: number }>;
  stuck: Sample;
  badMarks: Sample;
  invalidCosts: Sample;
  /** Event days seen: where reconcileProject must look for this project's events. */
  days: Set<BillingDay>;
}

interface Sample { count: number; ids: string[] }

/** What the checks need of the project item. */
export interface ReconciledProject {
  balance: Money;
  billingStartDate: BillingDay;
  /** The last day charged; billingStartDate - 1 before the first charge. */
  chargedThrough: BillingDay;
}

/** What the checks need of a usage event as stored. */
export interface UsageFacts {
  eventId: string;
  cost: Money;
  /** The billing day of occurredAt. */
  day: BillingDay;
  receivedAt: string;
  debitedAt?: string;
  /** The open day whose telecom total the debit added it to. */
  countedOn?: BillingDay;
  /** What the debit took, when the balance could not hold the whole cost (shared/domain/usage.ts MIN_BALANCE); absent: the cost. */
  debited?: Money;
}

/** One project's records as read together, and what is known of their consistency. */
export interface ProjectSnapshot {
  /** The project as read before its records. */
  project: ReconciledProject;
  /** chargedThrough read after the records: a charge line read may belong to a day closed meanwhile. */
  chargedThroughAfter: BillingDay;
  /** The version did not move while the records were read: balance and open totals are comparable. */
  settled: boolean;
  entries: readonly StoredEntry[];
  usage: UsageAggregate;
  openTelecom: readonly TelecomTotal[];
}

export function emptyUsageAggregate(): UsageAggregate {
  return { events: 0, debitedTotal: 0n, counted: new Map(), stuck: sample(), badMarks: sample(), invalidCosts: sample(), days: new Set() };
}

function sample(): Sample {
  return { count: 0, ids: [] };
}

function note(s: Sample, id: string): void {
  s.count++;
  if (s.ids.length < SAMPLE) s.ids.push(id);
}

function isMoney(v: unknown): v is Money {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** Adds one usage item to `agg`; `stuckBefore` is the epoch ms before which an undebited event is stuck. */
export function addUsage(agg: UsageAggregate, item: UsageFacts, stuckBefore: number): void {
  agg.events++;
  if (typeof item.day === 'string') agg.days.add(item.day);
  if (!isMoney(item.cost)) { note(agg.invalidCosts, item.eventId); return; }
  if (!item.debitedAt) {
    // An unparsable receivedAt counts as old: an event nobody can date should not hide.
    const received = Date.parse(item.receivedAt);
    if (!(received >= stuckBefore)) note(agg.stuck, item.eventId);
    return;
  }
  // An event the balance could not hold in full moved the balance and its day's total by what was debited.
  const paid = item.debited !== undefined && isMoney(item.debited) ? item.debited : item.cost;
  agg.debitedTotal += BigInt(paid);
  if (!item.countedOn || item.countedOn < item.day) { note(agg.badMarks, item.eventId); return; }
  const c = agg.counted.get(item.countedOn) ?? { total: 0n, events: 0 };
  c.total += BigInt(paid);
  c.events++;
  agg.counted.set(item.countedOn, c);
}

function ids(s: Sample): string {
  return `${s.ids.join(', ')}${s.count > s.ids.length ? `, … (${s.count - s.ids.length} more)` : ''}`;
}

/** Every check that can be made on a snapshot. Pure: the same snapshot always gives the same list. */
export function checkProject(s: ProjectSnapshot): Mismatch[] {
  const out: Mismatch[] = [];
  const { project: p, usage } = s;
  const closedFrom = p.billingStartDate;
  const closedTo = p.chargedThrough;

  const entries: StoredEntry[] = [];
  let invalidEntries = 0;
  for (const e of s.entries) {
    // Only ledger entries live under a project's key today; anything else is not money to judge.
    if (typeof e.entryId !== 'string' || typeof e.type !== 'string') continue;
    if (isMoney(e.amount)) entries.push(e);
    else { invalidEntries++; out.push({ kind: 'invalid_amount', detail: `ledger entry ${e.entryId} (${e.sk}) has amount ${String(e.amount)}`, date: e.date }); }
  }
  if (usage.invalidCosts.count > 0) {
    out.push({ kind: 'invalid_amount', detail: `${usage.invalidCosts.count} usage events have a cost that is not minor units: ${ids(usage.invalidCosts)}`, actual: usage.invalidCosts.count, expected: 0 });
  }

  // A sum over an amount that is not minor units means nothing: the invalid_amount report stands alone.
  if (s.settled && usage.invalidCosts.count === 0 && invalidEntries === 0) {
    let credited = 0n;
    for (const e of entries) if (e.balanceEffect) credited += BigInt(e.amount);
    const expected = Number(credited - usage.debitedTotal);
    if (expected !== p.balance) {
      out.push({ kind: 'balance', detail: `balance is ${p.balance}; ledger entries with balanceEffect (${credited}) minus debited usage (${usage.debitedTotal}) give ${expected}`, expected, actual: p.balance });
    }
  }

  if (usage.stuck.count > 0) {
    out.push({ kind: 'undebited', detail: `${usage.stuck.count} usage events received before the threshold are not debited: ${ids(usage.stuck)}`, expected: 0, actual: usage.stuck.count });
  }
  if (usage.badMarks.count > 0) {
    out.push({ kind: 'debit_mark', detail: `${usage.badMarks.count} debited events have no countedOn or one before their own day: ${ids(usage.badMarks)}`, expected: 0, actual: usage.badMarks.count });
  }

  // An entryId is deterministic per money movement: under two sort keys it is the movement twice.
  const sksById = new Map<string, string[]>();
  for (const e of entries) sksById.set(e.entryId, [...(sksById.get(e.entryId) ?? []), e.sk]);
  for (const [entryId, sks] of sksById) {
    if (sks.length > 1) out.push({ kind: 'duplicate_entry', detail: `entry ${entryId} is stored ${sks.length} times: ${sks.join(', ')}`, expected: 1, actual: sks.length });
  }

  const perCharge = new Map<string, StoredEntry[]>();
  const telecomLines = new Map<BillingDay, bigint>();
  for (const e of entries) {
    if (!CHARGE_TYPES.has(e.type)) continue;
    // A number line without `number` stands for a group of numbers (charge-day.ts fitLines): its id says which.
    const what = e.type === 'product_daily' ? e.productId ?? e.entryId : e.type === 'number_daily' ? e.number ?? e.entryId : undefined;
    const key = `${e.date} ${e.type}${what ? ` ${what}` : ''}`;
    perCharge.set(key, [...(perCharge.get(key) ?? []), e]);
    if (e.date > s.chargedThroughAfter) {
      out.push({ kind: 'unclosed_day_charged', detail: `${e.type} entry ${e.entryId} is dated ${e.date}, after the last charged day ${s.chargedThroughAfter}`, date: e.date, actual: e.amount });
    } else if (e.date < closedFrom) {
      out.push({ kind: 'charge_before_start', detail: `${e.type} entry ${e.entryId} is dated ${e.date}, before billing started on ${closedFrom}`, date: e.date, actual: e.amount });
    }
    if (e.type === 'telecom_daily') {
      telecomLines.set(e.date, (telecomLines.get(e.date) ?? 0n) + BigInt(e.amount));
      if (e.balanceEffect) out.push({ kind: 'telecom', detail: `telecom_daily entry ${e.entryId} moves the balance: its events already did`, date: e.date, actual: e.amount });
    }
  }
  for (const [key, lines] of perCharge) {
    if (lines.length > 1) {
      out.push({ kind: 'duplicate_charge', detail: `${key} is charged ${lines.length} times: ${lines.map((l) => l.entryId).join(', ')}`, date: lines[0]!.date, expected: 1, actual: lines.length });
    }
  }

  const closedDays = new Set<BillingDay>();
  for (const d of [...telecomLines.keys(), ...usage.counted.keys()]) if (d >= closedFrom && d <= closedTo) closedDays.add(d);
  for (const day of [...closedDays].sort()) {
    const expected = 0n - (usage.counted.get(day)?.total ?? 0n);
    // No line and a zero line both say "nothing counted": the charge may write either.
    const actual = telecomLines.get(day) ?? 0n;
    if (expected !== actual) {
      out.push({ kind: 'telecom', detail: `telecom_daily of ${day} is ${actual}; the ${usage.counted.get(day)?.events ?? 0} events counted on it cost ${-expected}`, date: day, expected: Number(expected), actual: Number(actual) });
    }
  }
  const uncharged = closedTo >= closedFrom ? daysFromTo(closedFrom, closedTo).filter((d) => !telecomLines.has(d)) : [];
  if (uncharged.length > 0) {
    const shown = uncharged.slice(0, SAMPLE).join(', ') + (uncharged.length > SAMPLE ? `, … (${uncharged.length - SAMPLE} more)` : '');
    out.push({ kind: 'uncharged_day', detail: `${uncharged.length} days up to chargedThrough ${closedTo} have no telecom_daily line, so no charge: ${shown}`, date: uncharged[0], expected: 0, actual: uncharged.length });
  }
  for (const [day, c] of usage.counted) {
    if (day < closedFrom) out.push({ kind: 'telecom', detail: `${c.events} events are counted on ${day}, before billing started on ${closedFrom}: no telecom line will ever include them`, date: day, expected: 0, actual: Number(c.total) });
  }

  if (s.settled) {
    const items = new Map(s.openTelecom.filter((t) => t.date > closedTo).map((t) => [t.date, t]));
    const openDays = new Set([...items.keys(), ...[...usage.counted.keys()].filter((d) => d > closedTo)]);
    for (const day of [...openDays].sort()) {
      const item = items.get(day);
      const c = usage.counted.get(day) ?? { total: 0n, events: 0 };
      const total = isMoney(item?.total ?? 0) ? BigInt(item?.total ?? 0) : null;
      if (total !== c.total || (item?.events ?? 0) !== c.events) {
        out.push({ kind: 'open_telecom', detail: `open day ${day}: running total ${String(item?.total ?? 0)} over ${item?.events ?? 0} events; events counted on it: ${c.total} over ${c.events}`, date: day, expected: Number(c.total), actual: total === null ? undefined : Number(total) });
      }
    }
  }
  return out;
}


export function reportOf(projectId: string, mismatches: Mismatch[], settled: boolean): ReconcileReport {
  return { projectId, ok: mismatches.length === 0, mismatches, settled };
}

/**
 * The days whose usage a one-project reconcile reads from the by-day index: from `lookbackDays`
 * before the project's start (or creation, if earlier) to two days after today or its last charged
 * day, plus any `alsoDays` (event days a scan saw). Events of other days are only seen by a scan.
 */
export function daysToRead(p: { billingStartDate: BillingDay; chargedThrough: BillingDay; createdDay?: BillingDay }, today: BillingDay, lookbackDays: number, alsoDays: Iterable<BillingDay>): BillingDay[] {
  const first = p.createdDay !== undefined && p.createdDay < p.billingStartDate ? p.createdDay : p.billingStartDate;
  const last = today > p.chargedThrough ? today : p.chargedThrough;
  const days = new Set(daysFromTo(addDays(first, -lookbackDays), addDays(last, 2)));
  for (const d of alsoDays) days.add(d);
  return [...days].sort();
}
