/**
 * Real against model. Read straight from the tables with the plain client (no faults):
 * - every step: each project's balance (= payments − debited costs + charges), chargedThrough, status;
 * - full checks: the whole ledger of each project entry by entry (payments, each closed day's product,
 *   number and discount lines from the model's own chargeDay, one telecom_daily line per closed day
 *   equal to minus the events counted on it), every usage item (stored once, debited iff the model
 *   debited it, counted on the model's day), the telecom running totals (total and event count per
 *   day: an event debited twice would be counted twice), and day.charged written at most once per
 *   project and day;
 * - at the end of a run: the tally of lost and double-charged events and days, and reconcileAll.
 */
import { withDebitMarks, type MarkedUsage } from '../support/marks';
import { QueryCommand, ScanCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { keys } from '../../shared/store/keys';
import { toLedgerEntry } from '../../shared/store/ledger';
import type { UsageItem } from '../../shared/store/usage';
import { handler as getProject } from '../../functions/api/get-project';
import { handler as listLedger } from '../../functions/api/list-ledger';
import { handler as listUsage } from '../../functions/api/list-usage';
import { call } from '../support/http';
import { ledgerKey, type Model, type ProjectModel } from './model';
import type { World } from './world';
import { type ProjectItem } from '../../shared/store/projects';
import { reconcileAll } from '../../shared/billing/reconcile';
import { type LedgerEntry } from '../../shared/domain/ledger';
import { creditBalanceOf } from '../../shared/domain/credits';
import { DRAW_ATTRIBUTE_PREFIX } from '../../shared/store/credits';

export class ModelMismatch extends Error {
  constructor(readonly problems: string[]) {
    super(`the service disagrees with the model:\n  - ${problems.slice(0, 15).join('\n  - ')}${problems.length > 15 ? `\n  … ${problems.length - 15} more` : ''}`);
    this.name = 'ModelMismatch';
  }
}

/** Throws a ModelMismatch unless `ok`. */
export function expectThat(ok: boolean, problem: string | (() => string)): void {
  if (!ok) throw new ModelMismatch([typeof problem === 'string' ? problem : problem()]);
}

async function queryAll(doc: DynamoDBDocumentClient, make: (start?: Record<string, unknown>) => QueryCommand | ScanCommand): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(make(start) as QueryCommand);
    out.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

async function projectItem(w: World, projectId: string): Promise<ProjectItem | undefined> {
  const out = await w.raw.send(new GetCommand({ TableName: w.tables.PROJECTS_TABLE, Key: keys.project(projectId), ConsistentRead: true }));
  return out.Item as ProjectItem | undefined;
}

function projectProblems(m: Model, p: ProjectModel, item: ProjectItem | undefined): string[] {
  if (!item) return [`project ${p.idx} (${p.projectId}) does not exist`];
  const out: string[] = [];
  const balance = m.balance(p);
  if (item.balance !== balance) {
    out.push(`project ${p.idx}: balance ${item.balance}, model ${balance} (paid ${p.paid}, charges ${p.charges}, debited ${p.debited}; off by ${item.balance - balance})`);
  }
  if (item.chargedThrough !== p.chargedThrough) out.push(`project ${p.idx}: chargedThrough ${item.chargedThrough}, model ${p.chargedThrough}`);
  if (item.status !== m.statusOf(p)) out.push(`project ${p.idx}: status ${item.status}, model ${m.statusOf(p)} (balance ${item.balance}, creditLimit ${p.creditLimit})`);
  // issue 18: no grant below 0 (one drawn to 0 is gone: used), none left after its last day was closed.
  for (const g of item.grants ?? []) {
    if (!(g.remaining > 0) || g.remaining > g.amount) out.push(`project ${p.idx}: grant ${g.grantId} holds ${g.remaining} of ${g.amount}`);
    if (g.expiresOn !== null && g.expiresOn <= item.chargedThrough) out.push(`project ${p.idx}: grant ${g.grantId} still active after its last day ${g.expiresOn} was closed`);
    const known = p.grants.find((x) => x.grantId === g.grantId);
    if (!known || known.ended !== null) out.push(`project ${p.idx}: grant ${g.grantId} active, model ${known ? known.ended : 'never granted'}`);
  }
  return out;
}

/**
 * issue 18: creditBalance = Σ granted − Σ expired − Σ voided − Σ drawn (the draws items), and every
 * draw recorded on a day of its grant.
 */
async function creditProblems(w: World, p: ProjectModel, item: ProjectItem | undefined): Promise<string[]> {
  if (!item) return [];
  const out: string[] = [];
  const draws = await queryAll(w.raw, (start) => new QueryCommand({
    TableName: w.tables.PROJECTS_TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
    ExpressionAttributeValues: { ':pk': keys.project(p.projectId).pk, ':d': keys.drawsPrefix }, ConsistentRead: true,
    ...(start ? { ExclusiveStartKey: start } : {}),
  }));
  let drawn = 0;
  for (const d of draws) {
    const day = String(d.sk).slice(keys.drawsPrefix.length);
    let sum = 0;
    for (const [name, value] of Object.entries(d)) {
      if (!name.startsWith(DRAW_ATTRIBUTE_PREFIX)) continue;
      const grantId = name.slice(DRAW_ATTRIBUTE_PREFIX.length);
      sum += Number(value);
      const g = p.grants.find((x) => x.grantId === grantId);
      if (!g) out.push(`project ${p.idx}: draws#${day} names grant ${grantId} the model never made`);
      else if (day < g.effectiveOn || (g.expiresOn !== null && day > g.expiresOn)) out.push(`project ${p.idx}: grant ${grantId} (${g.effectiveOn}..${g.expiresOn ?? ''}) drawn on ${day}`);
    }
    if (sum !== Number(d.total)) out.push(`project ${p.idx}: draws#${day} totals ${String(d.total)}, its grants ${sum}`);
    drawn += sum;
  }
  const of = (type: string) => p.corrections.filter((e) => e.type === type).reduce((s, e) => s + e.amount, 0);
  const credit = creditBalanceOf(item.grants);
  const expected = of('credit_granted') + of('credit_expired') + of('credit_voided') - drawn;
  if (credit !== expected) out.push(`project ${p.idx}: creditBalance ${credit}, but granted ${of('credit_granted')} − expired ${-of('credit_expired')} − voided ${-of('credit_voided')} − drawn ${drawn} = ${expected}`);
  return out;
}

/** The per-step check: every project item against the model. */
export async function checkProjects(m: Model, w: World): Promise<void> {
  const items = await Promise.all(m.projects.map((p) => projectItem(w, p.projectId)));
  const problems = m.projects.flatMap((p, i) => projectProblems(m, p, items[i]));
  if (problems.length > 0) throw new ModelMismatch(problems);
}

/** Every usage item of the run (one consistent scan). */
export async function scanUsage(w: World): Promise<MarkedUsage[]> {
  return withDebitMarks(w.raw, w.tables.LEDGER_TABLE, (await queryAll(w.raw, (start) => new ScanCommand({
    TableName: w.tables.USAGE_TABLE, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}),
  }))) as unknown as UsageItem[]);
}

async function ledgerOf(w: World, projectId: string): Promise<Record<string, unknown>[]> {
  return queryAll(w.raw, (start) => new QueryCommand({
    TableName: w.tables.LEDGER_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId) }, ConsistentRead: true,
    ...(start ? { ExclusiveStartKey: start } : {}),
  }));
}

async function telecomOf(w: World, projectId: string): Promise<Map<string, { total: number; events: number }>> {
  const items = await queryAll(w.raw, (start) => new QueryCommand({
    TableName: w.tables.PROJECTS_TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
    ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':t': keys.telecomPrefix }, ConsistentRead: true,
    ...(start ? { ExclusiveStartKey: start } : {}),
  }));
  return new Map(items.map((i) => [String(i.sk).slice(keys.telecomPrefix.length), { total: Number(i.total ?? 0), events: Number(i.events ?? 0) }]));
}

/** Every project's events, straight from the Events table, in sequence order. */
export async function eventsOf(w: World, projectId: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await w.raw.send(new QueryCommand({
      TableName: w.tables.EVENTS_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.eventsPk(projectId) },
      ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** day.charged events per project and day (a second one means a second committed charge). */
export async function dayChargedCounts(m: Model, w: World): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const p of m.projects) {
    for (const e of await eventsOf(w, p.projectId)) {
      if (e.type !== 'day.charged') continue;
      const k = `${p.projectId} ${String((e.data as { date: string }).date)}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}

/** Everything the model can say about the tables. */
export async function checkFull(m: Model, w: World): Promise<void> {
  const problems: string[] = [];
  const items = await Promise.all(m.projects.map((p) => projectItem(w, p.projectId)));
  m.projects.forEach((p, i) => problems.push(...projectProblems(m, p, items[i])));
  for (const [i, p] of m.projects.entries()) problems.push(...(await creditProblems(w, p, items[i])));

  for (const p of m.projects) {
    const stored = await ledgerOf(w, p.projectId);
    const actual = stored.map((i) => ({ sk: String(i.sk), entry: toLedgerEntry(i) }));
    const expected = m.expectedLedger(p);
    const byKey = new Map(actual.map((a) => [a.sk, a.entry]));
    for (const e of expected) {
      const got = byKey.get(ledgerKey(e));
      if (!got) problems.push(`project ${p.idx}: ledger lacks ${ledgerKey(e)} (${e.amount})`);
      else if (!isDeepStrictEqual(got, e)) problems.push(`project ${p.idx}: ledger ${ledgerKey(e)} is ${JSON.stringify(got)}, model ${JSON.stringify(e)}`);
      byKey.delete(ledgerKey(e));
    }
    for (const [sk, got] of byKey) problems.push(`project ${p.idx}: unexpected ledger entry ${sk} (${got.type} ${got.amount})`);
    const ids = new Map<string, number>();
    for (const a of actual) ids.set(a.entry.entryId, (ids.get(a.entry.entryId) ?? 0) + 1);
    for (const [id, n] of ids) if (n > 1) problems.push(`project ${p.idx}: entry ${id} stored ${n} times`);

    const telecom = await telecomOf(w, p.projectId);
    const want = m.telecomByDay(p);
    for (const day of new Set([...telecom.keys(), ...want.keys()])) {
      const got = telecom.get(day) ?? { total: 0, events: 0 };
      const exp = want.get(day) ?? { total: 0, events: 0 };
      if (got.total !== exp.total || got.events !== exp.events) {
        problems.push(`project ${p.idx}: telecom#${day} holds ${got.total} over ${got.events} events, model ${exp.total} over ${exp.events}`);
      }
    }
  }

  const usage = await scanUsage(w);
  if (usage.length !== m.events.size) problems.push(`${usage.length} usage items stored, model ${m.events.size}`);
  for (const u of usage) {
    const e = m.events.get(u.eventId);
    if (!e) { problems.push(`usage ${u.eventId} stored but never accepted by the model`); continue; }
    const p = m.projects[e.projectIdx]!;
    if (u.projectId !== p.projectId || u.cost !== e.cost || u.day !== e.day) {
      problems.push(`usage ${u.eventId}: project ${u.projectId} cost ${u.cost} day ${u.day}, model ${p.projectId} ${e.cost} ${e.day}`);
    }
    if (Boolean(u.debitedAt) !== e.debited) problems.push(`usage ${u.eventId}: ${u.debitedAt ? 'debited' : 'not debited'}, model ${e.debited ? 'debited' : 'not debited'}`);
    else if (e.debited && u.countedOn !== e.countedOn) problems.push(`usage ${u.eventId}: counted on ${u.countedOn}, model ${e.countedOn}`);
  }

  for (const [k, n] of await dayChargedCounts(m, w)) if (n > 1) problems.push(`day.charged written ${n} times for ${k}`);
  for (const p of m.projects) problems.push(...(await apiProblems(m, w, p)));
  if (problems.length > 0) throw new ModelMismatch(problems);
}

/**
 * What the API shows (outside any invocation, so without faults): the project, the ledger read page
 * by page with a small limit (cursors included), and the rated events of each day with events.
 */
async function apiProblems(m: Model, w: World, p: ProjectModel): Promise<string[]> {
  const out: string[] = [];
  const params = { projectId: p.projectId };
  const project = await call(getProject, 'GET /projects/{projectId}', { params });
  const lastChargedDate = p.chargedThrough >= p.billingStartDate ? p.chargedThrough : null;
  if (project.status !== 200 || project.body.balance !== m.balance(p) || typeof project.body.creditBalance !== 'number' || project.body.status !== m.statusOf(p) || project.body.lastChargedDate !== lastChargedDate) {
    out.push(`GET /projects/${p.idx}: ${project.status} ${JSON.stringify(project.body)}, model balance ${m.balance(p)} ${m.statusOf(p)} lastChargedDate ${lastChargedDate}`);
  }
  const limit = String(1 + (w.steps % 9));
  const entries: LedgerEntry[] = [];
  for (let cursor: string | undefined, pages = 0; ; pages++) {
    const page = await call(listLedger, 'GET /projects/{projectId}/ledger', { params, query: { limit, ...(cursor ? { cursor } : {}) } });
    if (page.status !== 200 || pages > 1000) { out.push(`GET ledger of project ${p.idx}: ${page.status} ${JSON.stringify(page.body)}`); break; }
    entries.push(...(page.body.entries as LedgerEntry[]));
    cursor = page.body.nextCursor ?? undefined;
    if (!cursor) break;
  }
  if (!isDeepStrictEqual(entries, m.expectedLedger(p))) out.push(`GET ledger of project ${p.idx} (limit ${limit}) lists ${entries.length} entries that differ from the model's ${m.expectedLedger(p).length}`);
  const days = new Map<string, Map<string, number>>();
  for (const id of p.eventIds) {
    const e = m.events.get(id)!;
    const day = days.get(e.day) ?? new Map<string, number>();
    day.set(id, e.cost);
    days.set(e.day, day);
  }
  for (const [date, want] of days) {
    const r = await call(listUsage, 'GET /projects/{projectId}/usage', { params, query: { date } });
    const got = new Map(((r.body?.events ?? []) as { eventId: string; cost: number }[]).map((e) => [e.eventId, e.cost]));
    if (r.status !== 200 || !isDeepStrictEqual(got, want)) out.push(`GET usage of project ${p.idx} on ${date}: ${r.status}, ${got.size} events, model ${want.size}`);
  }
  return out;
}

export interface Tally {
  /** Distinct events accepted (each must be debited exactly once). */
  events: number;
  /** Events sent, duplicates included. */
  posted: number;
  /** Accepted events not debited after the stream settled (or not stored at all). */
  lost: number;
  /** Event debits beyond one per event (telecom event counters above the debited events). */
  doubleDebited: number;
  /** Days charged more than once (a second DayCharged, or a charge line twice). */
  doubleChargedDays: number;
  days: number;
}

/** The end-of-run accounting, from the tables: what the soak line reports. */
export async function tally(m: Model, w: World): Promise<Tally> {
  const usage = new Map((await scanUsage(w)).map((u) => [u.eventId, u]));
  let lost = 0;
  for (const id of m.eventOrder) if (!usage.get(id)?.debitedAt) lost++;
  let doubleDebited = 0;
  let doubleChargedDays = 0;
  let days = 0;
  for (const p of m.projects) {
    const debited = [...usage.values()].filter((u) => u.projectId === p.projectId && u.debitedAt).length;
    const counted = [...(await telecomOf(w, p.projectId)).values()].reduce((s, t) => s + t.events, 0);
    doubleDebited += Math.max(0, counted - debited);
    const lines = new Map<string, number>();
    for (const i of await ledgerOf(w, p.projectId)) {
      const e = toLedgerEntry(i);
      if (e.type === 'payment' || e.type === 'adjustment' || e.type === 'usage_refund' || e.type.startsWith('credit_')) continue;
      const k = `${e.date} ${e.type} ${e.productId ?? e.number ?? ''}`;
      lines.set(k, (lines.get(k) ?? 0) + 1);
      if (e.type === 'telecom_daily') days++;
    }
    const doubled = new Set([...lines].filter(([, n]) => n > 1).map(([k]) => k.slice(0, 10)));
    doubleChargedDays += doubled.size;
  }
  for (const n of (await dayChargedCounts(m, w)).values()) if (n > 1) doubleChargedDays += n - 1;
  return { events: m.events.size, posted: m.posted, lost, doubleDebited, doubleChargedDays, days };
}

/** The reconciler over the run's tables (at `now`, by default the clock's) must find nothing wrong. */
export async function checkReconcile(w: World, now = w.clock): Promise<void> {
  const summary = await reconcileAll({ doc: w.raw, tables: { projects: w.tables.PROJECTS_TABLE, ledger: w.tables.LEDGER_TABLE, usage: w.tables.USAGE_TABLE, plans: w.tables.PLANS_TABLE, events: w.tables.EVENTS_TABLE, webhooks: w.tables.WEBHOOKS_TABLE } }, { now, zone: w.zone });
  if (summary.mismatches > 0 || summary.reports.length > 0) {
    throw new ModelMismatch(summary.reports.flatMap((r) => r.mismatches.map((x) => `reconcile ${r.projectId}: ${x.kind}: ${x.detail}`)));
  }
}
