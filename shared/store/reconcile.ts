/**
 * The reconciler (RELIABILITY.md rule 3): recomputes each project's money from its append-only records
 * and compares. Read-only: it never writes, so it can run at any time beside live traffic.
 *
 * Checks, per project (API.md LedgerEntry invariants and DATA FORMATS):
 * - `balance`: balance = sum(amount of entries with balanceEffect) - sum(cost of debited usage events).
 *   A usage event debited twice, a charge applied twice, a lost payment all show here.
 * - `undebited`: every usage event received more than `stuckAfterMs` ago carries `debitedAt`.
 * - `debit_mark`: a debited event has `countedOn`, and it is not before the event's own day.
 * - `telecom`: each closed day (billingStartDate..chargedThrough) has telecom_daily amount =
 *   -sum(cost of the events counted on it) (no line ⇔ 0; the line never moves the balance); no event
 *   is counted before billingStartDate. Per day, so the API's closed-days total follows.
 * - `open_telecom`: each open day's running total (keys.telecom) equals the events counted on it, the
 *   total the nightly charge will copy into the day's line.
 * - `uncharged_day`: every closed day has its telecom_daily line: the nightly charge writes it always,
 *   0 included, in the transaction that closes the day (shared/store/charges.ts), so a closed day
 *   without one was never charged.
 * - `duplicate_charge`: at most one line per (day, product), (day, number or number group), day
 *   discount, day telecom.
 * - `duplicate_entry`: an entryId appears under one sort key only (same id on two dates = paid twice).
 * - `unclosed_day_charged` / `charge_before_start`: no charge line dated after chargedThrough or
 *   before billingStartDate.
 * - `invalid_amount`: every amount and cost is an integer number of minor units.
 * - `unknown_project` (reconcileAll only): usage events whose project does not exist.
 *
 * Consistency of a live read. Every balance change bumps the project's `version` in the transaction
 * that writes its records, so a project read (p1), then its records, then the project again (p2): if
 * the version did not move, the records read are exactly those behind p1's balance ("settled"). A
 * project that never settles within `settleAttempts` is still checked for everything that does not
 * depend on the moment (closed days are judged at p1.chargedThrough: nothing can be counted into a
 * day once it is closed), but its balance and open totals are not compared; the report says
 * `settled: false`.
 *
 * Reading usage. The Usage table is keyed by event, with one index by project and day:
 * - reconcileAll scans the Usage table once (strongly consistent, optionally in parallel segments)
 *   and folds it into small per-project aggregates: O(events) reads in 1 MB pages, instead of one
 *   index query per project per day since it started. Projects are listed from the byChargedThrough
 *   index shards, which hold only project items (a Scan of the Projects table would also read every
 *   timeline change, session count, telecom total and API key). Because the scan is long, a project
 *   whose fast check fails (its events may have been debited after the scan passed them) is checked
 *   again alone, with a settled snapshot, and only that second verdict is reported.
 * - reconcileProject queries the byProjectDay index for every day from `lookbackDays` before the
 *   project's start (or creation) to two days after today (plus any `alsoDays` the caller saw events
 *   on); events of other days are only seen by reconcileAll's scan. The index is eventually
 *   consistent and `debitedAt` only ever appears, so events it shows as undebited are re-read from the
 *   table with a consistent BatchGet.
 */
import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { addDays, billingDayOf, daysFromTo, type BillingDay } from '../domain/billing-days';
import { NotFound } from '../domain/errors';
import type { Money } from '../domain/money';
import type { LedgerEntry, LedgerType } from '../domain/types';
import { logger } from '../logger';
import type { StoreContext } from './context';
import { keys } from './keys';
import { findProjectItem, type ProjectItem } from './project-item';
import { CHARGE_SHARDS, TABLES } from './tables';
import { mapLimit, type UsageItem } from './usage';

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

export type Tables = StoreContext['tables'];

export const DEFAULT_STUCK_AFTER_MS = 15 * 60_000;
/** Ids quoted in a mismatch's detail: enough to start looking, small enough for a log line and an event. */
const SAMPLE = 10;

/** Lines that the nightly charge writes for a closed day (never for an open one). */
const CHARGE_TYPES: ReadonlySet<LedgerType> = new Set(['product_daily', 'number_daily', 'discount', 'telecom_daily']);

/** A stored ledger entry (DATA FORMATS: keys.ledger + LedgerEntry fields). */
export type LedgerItem = LedgerEntry & { pk: string; sk: string; projectId?: string; createdAt?: string };

/** An open (or not yet cleaned) day's running telecom total (keys.telecom). */
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

/** One project's records as read together, and what is known of their consistency. */
export interface ProjectSnapshot {
  /** The project as read before its records. */
  project: ProjectItem;
  /** chargedThrough read after the records: a charge line read may belong to a day closed meanwhile. */
  chargedThroughAfter: BillingDay;
  /** The version did not move while the records were read: balance and open totals are comparable. */
  settled: boolean;
  entries: readonly LedgerItem[];
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
export function addUsage(agg: UsageAggregate, item: Pick<UsageItem, 'eventId' | 'cost' | 'day' | 'receivedAt' | 'debitedAt' | 'countedOn'>, stuckBefore: number): void {
  agg.events++;
  if (typeof item.day === 'string') agg.days.add(item.day);
  if (!isMoney(item.cost)) { note(agg.invalidCosts, item.eventId); return; }
  if (!item.debitedAt) {
    // An unparsable receivedAt counts as old: an event nobody can date should not hide.
    const received = Date.parse(item.receivedAt);
    if (!(received >= stuckBefore)) note(agg.stuck, item.eventId);
    return;
  }
  agg.debitedTotal += BigInt(item.cost);
  if (!item.countedOn || item.countedOn < item.day) { note(agg.badMarks, item.eventId); return; }
  const c = agg.counted.get(item.countedOn) ?? { total: 0n, events: 0 };
  c.total += BigInt(item.cost);
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

  const entries: LedgerItem[] = [];
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

  const perCharge = new Map<string, LedgerItem[]>();
  const telecomLines = new Map<BillingDay, bigint>();
  for (const e of entries) {
    if (!CHARGE_TYPES.has(e.type)) continue;
    // A number line without `number` stands for a group of numbers (charges.ts fitLines): its id says which.
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

function reportOf(projectId: string, mismatches: Mismatch[], settled: boolean): ReconcileReport {
  return { projectId, ok: mismatches.length === 0, mismatches, settled };
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every ledger entry of a project (strongly consistent). */
async function readLedger(doc: DynamoDBDocumentClient, tables: Tables, projectId: string): Promise<LedgerItem[]> {
  const out: LedgerItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({
      TableName: tables.ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId) },
      ConsistentRead: true,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    out.push(...((page.Items ?? []) as LedgerItem[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The running telecom totals of the days after `chargedThrough` (strongly consistent). */
async function readOpenTelecom(doc: DynamoDBDocumentClient, tables: Tables, projectId: string, chargedThrough: BillingDay): Promise<TelecomTotal[]> {
  const out: TelecomTotal[] = [];
  let start: Record<string, unknown> | undefined;
  const from = keys.telecom(projectId, addDays(chargedThrough, 1)).sk;
  // '~' sorts after every digit: the upper bound of every telecom#<date> key.
  const to = `${keys.telecomPrefix}~`;
  do {
    const page = await doc.send(new QueryCommand({
      TableName: tables.projects,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':from': from, ':to': to },
      ConsistentRead: true,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    for (const i of page.Items ?? []) {
      out.push({ date: String(i.sk).slice(keys.telecomPrefix.length), total: i.total as Money, events: Number(i.events ?? 0) });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

const USAGE_FIELDS = ['eventId', 'projectId', 'cost', 'day', 'receivedAt', 'debitedAt', 'countedOn'] as const;
type UsageFields = Pick<UsageItem, (typeof USAGE_FIELDS)[number]>;
const usageProjection = {
  ProjectionExpression: USAGE_FIELDS.map((f) => `#${f}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(USAGE_FIELDS.map((f) => [`#${f}`, f])),
};

/** One project's usage events of one day, from the byProjectDay index (eventually consistent). */
async function readUsageDay(doc: DynamoDBDocumentClient, tables: Tables, projectId: string, day: BillingDay): Promise<UsageFields[]> {
  const out: UsageFields[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({
      TableName: tables.usage,
      IndexName: TABLES.usage.globalSecondaryIndexes[0].indexName,
      KeyConditionExpression: 'projectDay = :pd',
      ExpressionAttributeValues: { ':pd': keys.projectDay(projectId, day) },
      ...usageProjection,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    out.push(...((page.Items ?? []) as UsageFields[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Usage items by event id, strongly consistent (BatchGet, 100 keys a call, unprocessed keys retried). */
async function readUsageItems(doc: DynamoDBDocumentClient, tables: Tables, eventIds: readonly string[]): Promise<Map<string, UsageFields>> {
  const out = new Map<string, UsageFields>();
  for (let i = 0; i < eventIds.length; i += 100) {
    let request: Record<string, unknown>[] | undefined = eventIds.slice(i, i + 100).map((id) => keys.usage(id));
    for (let round = 0; request && request.length > 0; round++) {
      if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
      const page = await doc.send(new BatchGetCommand({ RequestItems: { [tables.usage]: { Keys: request, ConsistentRead: true, ...usageProjection } } }));
      for (const item of page.Responses?.[tables.usage] ?? []) out.set(String(item.eventId), item as UsageFields);
      request = page.UnprocessedKeys?.[tables.usage]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return out;
}

/** The days reconcileProject reads events of: see the module comment. */
function usageDays(p: ProjectItem, r: Resolved, alsoDays: Iterable<BillingDay>): BillingDay[] {
  const created = p.createdAt ? billingDayOf(p.createdAt, r.zone) : p.billingStartDate;
  const first = created < p.billingStartDate ? created : p.billingStartDate;
  const today = billingDayOf(r.now, r.zone);
  const last = today > p.chargedThrough ? today : p.chargedThrough;
  const days = new Set(daysFromTo(addDays(first, -r.lookbackDays), addDays(last, 2)));
  for (const d of alsoDays) days.add(d);
  return [...days].sort();
}

async function readUsage(doc: DynamoDBDocumentClient, tables: Tables, p: ProjectItem, r: Resolved, concurrency: number, alsoDays: Iterable<BillingDay>): Promise<UsageAggregate> {
  const perDay = await mapLimit(usageDays(p, r, alsoDays), concurrency, (day) => readUsageDay(doc, tables, p.projectId, day));
  const events = perDay.flat();
  // The index may lag the table; debitedAt is only ever added, so only "undebited" can be stale.
  const stale = events.filter((e) => !e.debitedAt).map((e) => e.eventId);
  const fresh = stale.length > 0 ? await readUsageItems(doc, tables, stale) : new Map<string, UsageFields>();
  const agg = emptyUsageAggregate();
  const stuckBefore = r.now - r.stuckAfterMs;
  for (const e of events) addUsage(agg, fresh.get(e.eventId) ?? e, stuckBefore);
  return agg;
}

/** p1, the records, p2 (see the module comment); retried until the version holds still. */
async function readSnapshot(
  doc: DynamoDBDocumentClient, tables: Tables, projectId: string, r: Resolved,
  readUsageOf: (p: ProjectItem) => Promise<UsageAggregate>,
): Promise<ProjectSnapshot | null> {
  for (let attempt = 1; ; attempt++) {
    const p1 = await findProjectItem(doc, tables.projects, projectId);
    if (!p1) return null;
    const [entries, usage, openTelecom] = await Promise.all([
      readLedger(doc, tables, projectId),
      readUsageOf(p1),
      readOpenTelecom(doc, tables, projectId, p1.chargedThrough),
    ]);
    const p2 = await findProjectItem(doc, tables.projects, projectId);
    const settled = p2 !== null && p2.version === p1.version;
    if (settled || attempt >= r.settleAttempts) {
      return { project: p1, chargedThroughAfter: p2?.chargedThrough ?? p1.chargedThrough, settled, entries, usage, openTelecom };
    }
    await sleep(50 * attempt * (0.5 + Math.random()));
  }
}

/**
 * Reconciles one project from its own records (ledger, usage by day, open telecom totals), with a
 * settled snapshot. Throws NotFound when the project does not exist.
 * `alsoDays`: event days to read besides the project's own range (reconcileAll passes the scan's).
 */
export async function reconcileProject(
  doc: DynamoDBDocumentClient, tables: Tables, projectId: string,
  opts: ReconcileOptions & { alsoDays?: Iterable<BillingDay> } = {},
): Promise<ReconcileReport> {
  const r = resolve(opts);
  const snap = await readSnapshot(doc, tables, projectId, r, (p) => readUsage(doc, tables, p, r, opts.concurrency ?? 8, opts.alsoDays ?? []));
  if (!snap) throw new NotFound(`project ${projectId}`);
  if (!snap.settled) logger.warn('reconcile: project kept changing, balance not compared', { projectId });
  return reportOf(projectId, checkProject(snap), snap.settled);
}

/** Every project id, from the byChargedThrough index shards (project items only). */
export async function listProjectIds(doc: DynamoDBDocumentClient, tables: Tables): Promise<string[]> {
  const index = TABLES.projects.globalSecondaryIndexes[0];
  const shards = Array.from({ length: CHARGE_SHARDS }, (_, i) => `shard#${i}`);
  const perShard = await mapLimit(shards, 4, async (shard) => {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({
        TableName: tables.projects,
        IndexName: index.indexName,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': index.partitionKey.name, '#sk': 'sk', '#projectId': 'projectId' },
        ExpressionAttributeValues: { ':shard': shard },
        ProjectionExpression: '#sk, #projectId',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const i of page.Items ?? []) if (i.sk === 'project' && typeof i.projectId === 'string') ids.push(i.projectId);
      start = page.LastEvaluatedKey;
    } while (start);
    return ids;
  });
  return [...new Set(perShard.flat())].sort();
}

/** One strongly consistent pass over the Usage table, folded per project. */
export async function scanUsage(doc: DynamoDBDocumentClient, tables: Tables, opts: ReconcileOptions = {}): Promise<Map<string, UsageAggregate>> {
  const r = resolve(opts);
  const stuckBefore = r.now - r.stuckAfterMs;
  const byProject = new Map<string, UsageAggregate>();
  const segments = Array.from({ length: r.scanSegments }, (_, i) => i);
  await Promise.all(segments.map(async (segment) => {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new ScanCommand({
        TableName: tables.usage,
        ConsistentRead: true,
        ...usageProjection,
        ...(r.scanSegments > 1 ? { Segment: segment, TotalSegments: r.scanSegments } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const item of (page.Items ?? []) as UsageFields[]) {
        if (typeof item.projectId !== 'string') continue;
        let agg = byProject.get(item.projectId);
        if (!agg) { agg = emptyUsageAggregate(); byProject.set(item.projectId, agg); }
        addUsage(agg, item, stuckBefore);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }));
  return byProject;
}

/**
 * Reconciles every project (see the module comment for how): lists projects, scans usage once, checks
 * each project against the scan and re-checks any that fails alone before reporting it. Usage of a
 * project that does not exist is reported as `unknown_project` under that project id.
 */
export async function reconcileAll(doc: DynamoDBDocumentClient, tables: Tables, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const r = resolve(opts);
  const withNow = { ...opts, now: r.now, zone: r.zone };
  const projectIds = await listProjectIds(doc, tables);
  const usage = await scanUsage(doc, tables, withNow);
  const listed = new Set(projectIds);
  let usageEvents = 0;
  for (const agg of usage.values()) usageEvents += agg.events;

  const reports: ReconcileReport[] = [];
  let checked = 0;
  let unsettled = 0;
  const confirm = async (projectId: string, agg: UsageAggregate | undefined): Promise<ReconcileReport> =>
    reconcileProject(doc, tables, projectId, { ...withNow, alsoDays: agg?.days ?? [] });

  await mapLimit(projectIds, opts.concurrency ?? 4, async (projectId) => {
    const agg = usage.get(projectId) ?? emptyUsageAggregate();
    const snap = await readSnapshot(doc, tables, projectId, r, async () => agg);
    if (!snap) return; // deleted since it was listed: nothing left to reconcile
    checked++;
    let report = reportOf(projectId, checkProject(snap), snap.settled);
    // The scan is older than the project read: a failure may be traffic, so it is judged again alone.
    if (!report.ok) report = await confirm(projectId, agg);
    if (!report.settled) unsettled++;
    if (!report.ok) reports.push(report);
  });

  // Events of projects not listed: created during the run (reconcile them), or of no project at all.
  await mapLimit([...usage.keys()].filter((id) => !listed.has(id)), opts.concurrency ?? 4, async (projectId) => {
    const agg = usage.get(projectId)!;
    const exists = await doc.send(new GetCommand({ TableName: tables.projects, Key: keys.project(projectId), ConsistentRead: true, ProjectionExpression: 'pk' }));
    if (exists.Item) {
      checked++;
      const report = await confirm(projectId, agg);
      if (!report.settled) unsettled++;
      if (!report.ok) reports.push(report);
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
