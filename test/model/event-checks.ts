/**
 * The model test's view of project events (docs/api.md "Events, webhooks and alerts"), read straight
 * from the Events table with the plain client after every step:
 * - one event per committed change: the payments, closed days and timeline changes the model took in
 *   the step each have exactly one event of their type and data, and the step wrote no other event
 *   but alerts and status changes (no event without its change); sequences grow, the project's
 *   counter is the last one, ids are unique and derived from the cause;
 * - alerts fire once per crossing, judged against the model's balance after every step and the
 *   balances the events themselves carry: balance.low for `t` twice only with the balance seen at or
 *   above `t` between them, and never missing where the balance was seen going from `>= t` to `< t`
 *   with `t` in force all along (every move up is a payment, whose event carries its balance, so a
 *   re-arm is always seen); blocked/unblocked alternating and agreeing with the model's status;
 *   spend_cap.reached at most once per project and day, and present where the model's day total went
 *   from below the cap to at or above it under that cap; runway.low only under a runway rule, and
 *   not again before the project's alert state was re-armed;
 * - at the end of a run: every event published to the bus, and every webhook got every event owed
 *   to it (see checkDeliveries).
 */
import { isDeepStrictEqual } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { billingDayOf, type BillingDay } from '../../shared/domain/billing-days';
import { costOf, telecomDailyLine } from '../../shared/domain/charge-day';
import { DELIVERY_ATTEMPTS, DISABLE_AFTER_MS } from '../../shared/domain/delivery-schedule';
import { NO_ALERTS, type AlertRules, type ProjectEvent } from '../../shared/domain/events';
import type { TimelineChange } from '../../shared/domain/types';
import { storeContext } from '../../shared/store/context';
import { eventIdOf, eventsAfter } from '../../shared/store/events';
import { keys } from '../../shared/store/keys';
import type { ProjectItem } from '../../shared/store/projects';
import { getWebhookItem } from '../../shared/store/webhooks';
import { ModelMismatch } from './checks';
import type { Model, ProjectModel } from './model';
import type { World } from './world';

/** What the model held of a project before a step: its payments, changes and closed days. */
interface ProjectMark { payments: number; changes: number; closed: ReadonlySet<BillingDay>; corrections: number }
export type ModelMark = ProjectMark[];

export function markModel(m: Model): ModelMark {
  return m.projects.map((p) => ({ payments: p.paymentIds.length, changes: p.changes.length, closed: new Set(p.closed.keys()), corrections: p.correctionEvents.length }));
}

/** A project as a step left it (model and project item). */
interface ProjectAtStep {
  balance: number;
  status: 'active' | 'blocked';
  /** The rules in force from the end of this step on. */
  rules: AlertRules;
  /** The model's telecom total per counted day. */
  telecom: Map<BillingDay, number>;
  runwayLow: boolean;
  /** The project item's event counter. */
  eventSeq: number;
}

interface StepRecord {
  what: string;
  setsRules: boolean;
  runwaySwing: boolean;
  /** By project index; undefined before the project exists. */
  projects: (ProjectAtStep | undefined)[];
}

/** The events read so far, and what each step left. */
export class EventBook {
  /** By project id, in sequence order. */
  readonly events = new Map<string, ProjectEvent[]>();
  /** eventId → index of the step that wrote it. */
  readonly stepOf = new Map<string, number>();
  readonly steps: StepRecord[] = [];

  get total(): number {
    return this.stepOf.size;
  }

  ids(): string[] {
    return [...this.stepOf.keys()];
  }
}

export interface StepInfo { what: string; setsRules: boolean; runwaySwing: boolean }

const ALERT_TYPES = new Set(['balance.low', 'runway.low', 'spend_cap.reached', 'project.blocked', 'project.unblocked',
  // issue 18: decided by the moves themselves like alerts; checked by topupProblems.
  'topup.requested', 'topup.failed', 'topup.limit_reached', 'topup.disabled']);
/** Checked at the end of a run, month by month, by statement-checks.ts (a statement is made by the night after its month). */
const CHECKED_ELSEWHERE = new Set(['statement.ready']);

function countKey(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function changeKey(c: TimelineChange): string {
  switch (c.kind) {
    case 'product': return `product.changed ${c.productId} ${c.enabled} ${c.seats ?? '-'} at ${Date.parse(c.at)}`;
    case 'number': return `${c.held ? 'number.added' : 'number.removed'} ${c.number} ${c.numberType ?? '-'} at ${Date.parse(c.at)}`;
    case 'plan': return `plan.changed ${c.planId} from ${c.effectiveFrom}`;
  }
}

/** The key of a non-alert event, as the model's change would make it. */
function eventKey(e: ProjectEvent): string {
  switch (e.type) {
    case 'payment.received': return `payment.received ${e.data.paymentId} ${e.data.amount} balance ${e.data.balance}`;
    case 'day.charged': return `day.charged ${e.data.date} ${e.data.amount} telecom ${e.data.telecomTotal}`;
    case 'product.changed': return `product.changed ${e.data.productId} ${e.data.enabled} ${e.data.seats ?? '-'} at ${Date.parse(e.data.effectiveAt)}`;
    case 'number.added': case 'number.removed': return `${e.type} ${e.data.number} ${e.data.type ?? '-'} at ${Date.parse(e.data.effectiveAt)}`;
    case 'plan.changed': return `plan.changed ${e.data.planId} from ${e.data.effectiveFrom}`;
    case 'adjustment.made': return `adjustment.made ${e.data.adjustmentId} ${e.data.amount}`;
    case 'usage.refunded': return `usage.refunded ${e.data.eventId} ${e.data.amount}`;
    case 'credit.granted': return `credit.granted ${e.data.grantId} ${e.data.amount} until ${e.data.expiresOn ?? '-'}`;
    case 'credit.expired': case 'credit.voided': return `${e.type} ${e.data.grantId} ${e.data.amount}`;
    default: return e.type;
  }
}

function telecomTotals(m: Model, p: ProjectModel): Map<BillingDay, number> {
  return new Map([...m.telecomByDay(p)].map(([d, t]) => [d, t.total]));
}

/** The keys of the events the model says `p`'s changes since `mark` made. */
function expectedKeys(m: Model, p: ProjectModel, mark: ProjectMark | undefined): Map<string, number> {
  const from = mark ?? { payments: 0, changes: 0, closed: new Set<BillingDay>(), corrections: 0 };
  const out = new Map<string, number>();
  for (const id of p.paymentIds.slice(from.payments)) {
    const pay = m.payments.get(id)!;
    countKey(out, `payment.received ${id} ${pay.amount} balance ${pay.balanceAfter}`);
  }
  for (const c of p.changes.slice(from.changes)) countKey(out, changeKey(c));
  for (const k of p.correctionEvents.slice(from.corrections)) countKey(out, k);
  const telecom = telecomTotals(m, p);
  for (const [day, lines] of p.closed) {
    if (from.closed.has(day)) continue;
    const total = telecom.get(day) ?? 0;
    countKey(out, `day.charged ${day} ${costOf([...lines, telecomDailyLine(day, total)])} telecom ${total}`);
  }
  return out;
}

/** Problems with the events `fresh` of one step against the model's changes in it. */
function stepEventProblems(m: Model, p: ProjectModel, mark: ProjectMark | undefined, fresh: readonly ProjectEvent[], info: StepInfo): string[] {
  const out: string[] = [];
  const expected = expectedKeys(m, p, mark);
  for (const e of fresh) {
    if (info.setsRules) out.push(`project ${p.idx}: ${e.type} #${e.sequence} written by a step that only sets alert rules`);
    if (e.type === 'payment.received' && e.eventId !== eventIdOf(p.projectId, `payment#${e.data.paymentId}`)) out.push(`project ${p.idx}: payment.received #${e.sequence} has id ${e.eventId}, not the one of its cause`);
    if (e.type === 'day.charged' && e.eventId !== eventIdOf(p.projectId, `day#${e.data.date}`)) out.push(`project ${p.idx}: day.charged #${e.sequence} has id ${e.eventId}, not the one of its cause`);
    if (ALERT_TYPES.has(e.type) || CHECKED_ELSEWHERE.has(e.type)) continue;
    const k = eventKey(e);
    const n = expected.get(k) ?? 0;
    if (n === 0) out.push(`project ${p.idx}: an event without its change: ${k} (#${e.sequence})`);
    else expected.set(k, n - 1);
  }
  for (const [k, n] of expected) if (n > 0) out.push(`project ${p.idx}: a committed change without its event${n > 1 ? ` (${n} times)` : ''}: ${k}`);
  return out;
}

/**
 * How many times `change` committed for `p` since the step began, told by its events (an event exists
 * exactly when its change committed). After an ambiguous request the model adopts this: a client's
 * retry after a 5xx whose attempt had committed is a request of its own, so it may commit the change
 * again, or be refused (409) for a change that did land.
 */
export async function committedCopies(w: World, p: ProjectModel, change: TimelineChange): Promise<number> {
  const last = (w.book.events.get(p.projectId) ?? []).at(-1)?.sequence ?? 0;
  const key = changeKey(change);
  return (await eventsAfter(storeContext({ doc: w.raw }), p.projectId, last, 100_000)).filter((e) => !ALERT_TYPES.has(e.type) && eventKey(e) === key).length;
}

async function projectItem(w: World, projectId: string): Promise<ProjectItem | undefined> {
  const out = await w.raw.send(new GetCommand({ TableName: w.tables.PROJECTS_TABLE, Key: keys.project(projectId), ConsistentRead: true }));
  return out.Item as ProjectItem | undefined;
}

/**
 * After a step: reads each project's new events, checks them against the model's changes in the step
 * (`mark` is the model before it), records what the step left, and checks the alerts so far.
 */
export async function observeEvents(m: Model, w: World, mark: ModelMark, info: StepInfo): Promise<void> {
  const ctx = storeContext({ doc: w.raw });
  const book = w.book;
  const problems: string[] = [];
  const index = book.steps.length;
  const record: StepRecord = { ...info, projects: [] };
  for (const p of m.projects) {
    const known = book.events.get(p.projectId) ?? [];
    const last = known.at(-1)?.sequence ?? 0;
    const [item, fresh] = await Promise.all([projectItem(w, p.projectId), eventsAfter(ctx, p.projectId, last, 100_000)]);
    let prev = last;
    for (const e of fresh) {
      if (e.sequence <= prev) problems.push(`project ${p.idx}: event #${e.sequence} after #${prev}`);
      if (e.projectId !== p.projectId) problems.push(`project ${p.idx}: event #${e.sequence} names project ${e.projectId}`);
      if (book.stepOf.has(e.eventId)) problems.push(`project ${p.idx}: event id ${e.eventId} used twice (#${e.sequence})`);
      prev = e.sequence;
      book.stepOf.set(e.eventId, index);
    }
    const eventSeq = item?.eventSeq ?? 0;
    if (eventSeq !== prev) problems.push(`project ${p.idx}: eventSeq ${eventSeq}, last event #${prev}`);
    problems.push(...stepEventProblems(m, p, mark[p.idx], fresh, info));
    book.events.set(p.projectId, [...known, ...fresh]);
    record.projects[p.idx] = { balance: m.balance(p), status: m.statusOf(p), rules: p.rules, telecom: telecomTotals(m, p), runwayLow: item?.alertState?.runwayLow === true, eventSeq };
  }
  book.steps.push(record);
  for (const p of m.projects) problems.push(...alertProblems(p, book));
  if (problems.length > 0) throw new ModelMismatch(problems.map((x) => `after step ${index + 1} (${info.what}): ${x}`));
}

/** A balance seen: carried by an event (at its sequence) or the model's after a step (after its events). */
interface Seen { pos: number; balance: number; step: number; event?: ProjectEvent }

const BALANCE_TYPES = new Set(['payment.received', 'day.charged', 'balance.low', 'project.blocked', 'project.unblocked',
  // issue 18: every other move of the balance carries it too (a move up that re-arms a threshold is seen).
  'adjustment.made', 'usage.refunded', 'credit.granted', 'credit.expired', 'credit.voided']);

/** The alert checks over everything `p` has written so far (see the module comment). */
export function alertProblems(p: ProjectModel, book: EventBook): string[] {
  const out: string[] = [];
  const events = book.events.get(p.projectId) ?? [];
  const steps = book.steps;
  const at = (k: number) => steps[k]?.projects[p.idx];
  /** The rules the writes of step k were judged by: those the step before left. */
  const inForce = (k: number): AlertRules => at(k - 1)?.rules ?? NO_ALERTS;
  const stepOf = (e: ProjectEvent) => book.stepOf.get(e.eventId)!;
  const label = (e: ProjectEvent) => `project ${p.idx}: ${e.type} #${e.sequence} (step ${stepOf(e) + 1}, ${JSON.stringify(e.data)})`;

  const seen: Seen[] = [];
  for (const e of events) if (BALANCE_TYPES.has(e.type)) seen.push({ pos: e.sequence, balance: (e.data as { balance: number }).balance, step: stepOf(e), event: e });
  steps.forEach((s, k) => { const x = s.projects[p.idx]; if (x) seen.push({ pos: x.eventSeq + 0.5, balance: x.balance, step: k }); });
  seen.sort((a, b) => a.pos - b.pos || a.step - b.step);
  const bySeq = new Map(events.map((e) => [e.sequence, e]));

  // balance.low
  const lows = events.filter((e): e is Extract<ProjectEvent, { type: 'balance.low' }> => e.type === 'balance.low');
  const thresholds = new Set<number>(lows.map((e) => e.data.threshold));
  for (const s of steps) for (const t of s.projects[p.idx]?.rules.balanceBelow ?? []) thresholds.add(t);
  for (const e of lows) {
    if (!(inForce(stepOf(e)).balanceBelow ?? []).includes(e.data.threshold)) out.push(`${label(e)}: threshold not in the rules in force ${JSON.stringify(inForce(stepOf(e)).balanceBelow)}`);
    if (e.data.balance >= e.data.threshold) out.push(`${label(e)}: the balance is not below the threshold`);
  }
  for (const t of thresholds) {
    const fired = lows.filter((e) => e.data.threshold === t);
    for (let i = 1; i < fired.length; i++) {
      const a = fired[i - 1]!;
      const b = fired[i]!;
      if (!seen.some((o) => o.pos > a.sequence && o.pos < b.sequence && o.balance >= t)) {
        out.push(`${label(b)}: fired again for ${t} after #${a.sequence}, with no balance at or above ${t} seen between them`);
      }
    }
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1]!;
      const b = seen[i]!;
      if (!(a.balance >= t && b.balance < t)) continue;
      let armed = true;
      for (let k = a.event ? a.step : a.step + 1; k <= b.step && armed; k++) if (!steps[k]!.setsRules && !(inForce(k).balanceBelow ?? []).includes(t)) armed = false;
      if (!armed) continue;
      // The alerts of b's own write come right after it, with its balance.
      let end = b.pos;
      if (b.event) {
        for (let q = b.event.sequence + 1; ; q++) {
          const next = bySeq.get(q);
          if (!next || !['balance.low', 'project.blocked'].includes(next.type) || (next.data as { balance: number }).balance !== b.balance) break;
          end = q;
        }
      }
      if (!fired.some((e) => e.sequence > a.pos && e.sequence <= end)) {
        out.push(`project ${p.idx}: the balance went from ${a.balance} (${a.event ? `${a.event.type} #${a.event.sequence}` : `after step ${a.step + 1}`}) to ${b.balance} (${b.event ? `${b.event.type} #${b.event.sequence}` : `after step ${b.step + 1}`}) with threshold ${t} in force, and no balance.low for it`);
      }
    }
  }

  // project.blocked / project.unblocked
  let status: 'active' | 'blocked' = 'active';
  let next = 0;
  steps.forEach((s, k) => {
    const x = s.projects[p.idx];
    if (!x) return;
    for (; next < events.length && events[next]!.sequence <= x.eventSeq; next++) {
      const e = events[next]!;
      if (e.type !== 'project.blocked' && e.type !== 'project.unblocked') continue;
      const blocked = e.type === 'project.blocked';
      if ((status === 'blocked') === blocked) out.push(`${label(e)}: the project was already ${status}`);
      if (e.data.creditLimit !== p.creditLimit) out.push(`${label(e)}: creditLimit ${e.data.creditLimit}, model ${p.creditLimit}`);
      if (blocked !== e.data.balance < -p.creditLimit) out.push(`${label(e)}: the balance does not say ${blocked ? 'blocked' : 'active'}`);
      status = blocked ? 'blocked' : 'active';
    }
    if (status !== x.status) out.push(`project ${p.idx}: after step ${k + 1} the status events say ${status}, the model ${x.status}`);
  });

  // spend_cap.reached
  const caps = events.filter((e): e is Extract<ProjectEvent, { type: 'spend_cap.reached' }> => e.type === 'spend_cap.reached');
  const capDays = new Map<string, number>();
  for (const e of caps) {
    countKey(capDays, e.data.date);
    const cap = inForce(stepOf(e)).dailySpendCap;
    if (cap !== e.data.cap) out.push(`${label(e)}: the cap in force was ${cap}`);
    if (e.data.telecomTotal < e.data.cap) out.push(`${label(e)}: the total is below the cap`);
  }
  for (const [day, n] of capDays) if (n > 1) out.push(`project ${p.idx}: spend_cap.reached ${n} times for ${day}`);
  for (let k = 1; k < steps.length; k++) {
    const before = at(k - 1);
    const after = at(k);
    const cap = inForce(k).dailySpendCap;
    if (!before || !after || cap === null) continue;
    for (const [day, total] of after.telecom) {
      const was = before.telecom.get(day) ?? 0;
      if (was < cap && total >= cap && !caps.some((e) => e.data.date === day && stepOf(e) <= k)) {
        out.push(`project ${p.idx}: ${day}'s calls went from ${was} to ${total} in step ${k + 1} with a cap of ${cap}, and no spend_cap.reached`);
      }
    }
  }

  out.push(...topupProblems(p, events));

  // runway.low
  const runway = events.filter((e): e is Extract<ProjectEvent, { type: 'runway.low' }> => e.type === 'runway.low');
  for (const e of runway) {
    const days = inForce(stepOf(e)).runwayDays;
    if (days === null || e.data.days > days) out.push(`${label(e)}: the runway rule in force was ${days}`);
  }
  steps.forEach((s, k) => {
    const x = s.projects[p.idx];
    if (!x) return;
    const wasLow = at(k - 1)?.runwayLow ?? false;
    const fired = runway.filter((e) => stepOf(e) === k);
    if (fired.length > 1 && !s.runwaySwing) out.push(`project ${p.idx}: runway.low ${fired.length} times in step ${k + 1}`);
    if (fired.length > 0 && wasLow && !s.runwaySwing) out.push(`${label(fired[0]!)}: fired again while the runway was still reported low`);
    if (!wasLow && x.runwayLow && fired.length === 0) out.push(`project ${p.idx}: the runway became low in step ${k + 1} without runway.low`);
  });
  return out;
}

/**
 * issue 18, auto top-up: at most one outstanding (each request follows the settlement of the one
 * before: its payment, whose payment.received carries its topupId, or its failure), the requests of a
 * month within the largest monthlyLimit ever put, topup.limit_reached at most once a month, and a
 * payment's topupId only for the top-up outstanding.
 */
function topupProblems(p: ProjectModel, events: readonly ProjectEvent[]): string[] {
  const out: string[] = [];
  const limit = Math.max(0, ...p.topupLimits);
  let outstanding: string | null = null;
  const requested = new Map<string, number>();
  const reached = new Map<string, number>();
  const monthOf = (e: ProjectEvent) => billingDayOf(e.occurredAt, 'Europe/Kyiv').slice(0, 7);
  for (const e of events) {
    const at = `project ${p.idx}: ${e.type} #${e.sequence}`;
    if (e.type === 'topup.requested') {
      if (outstanding !== null) out.push(`${at}: requested while ${outstanding} was outstanding`);
      outstanding = e.data.topupId;
      requested.set(monthOf(e), (requested.get(monthOf(e)) ?? 0) + e.data.amount);
    } else if (e.type === 'topup.failed' || (e.type === 'payment.received' && e.data.topupId !== undefined)) {
      const id = e.data.topupId!;
      if (id !== outstanding) out.push(`${at}: settles ${id}, outstanding ${String(outstanding)}`);
      outstanding = null;
    } else if (e.type === 'topup.limit_reached') {
      countKey(reached, e.data.month);
    }
  }
  for (const [month, sum] of requested) if (sum > limit) out.push(`project ${p.idx}: ${sum} requested in ${month}, the largest monthlyLimit put is ${limit}`);
  for (const [month, n] of reached) if (n > 1) out.push(`project ${p.idx}: topup.limit_reached ${n} times in ${month}`);
  return out;
}

/** What the end-of-run checks counted. */
export interface EventTally {
  /** Project events read and checked against the model. */
  events: number;
  /** (webhook, event) pairs owed and delivered. */
  deliveries: number;
  /** Of those, the ones that took more than one POST. */
  retried: number;
  /** POSTs of an event the receiver had already processed (it recognised the webhook-id). */
  duplicates: number;
  /** Events given up after every attempt failed (then not owed any more). */
  givenUp: number;
  /** Drain messages moved to the dead-letter queue (redriven at the end of the run). */
  deadLettered: number;
}

/**
 * The end of a run, after every event was relayed and the delivery queue drained with healthy
 * receivers: the whole history once more (every payment, closed day and change of the model has
 * exactly one event), every event on the bus, and every webhook's deliveries.
 */
export async function checkEventsEnd(m: Model, w: World): Promise<EventTally> {
  const problems: string[] = [];
  for (const p of m.projects) {
    const events = w.book.events.get(p.projectId) ?? [];
    const expected = expectedKeys(m, p, undefined);
    const got = new Map<string, number>();
    for (const e of events) if (!ALERT_TYPES.has(e.type) && !CHECKED_ELSEWHERE.has(e.type)) countKey(got, eventKey(e));
    for (const k of new Set([...expected.keys(), ...got.keys()])) {
      if ((expected.get(k) ?? 0) !== (got.get(k) ?? 0)) problems.push(`project ${p.idx}: ${got.get(k) ?? 0} events for the ${expected.get(k) ?? 0} changes ${k}`);
    }
  }
  const published = new Map<string, unknown>();
  for (const b of w.published) published.set(String(b.detail.eventId), b);
  for (const events of w.book.events.values()) {
    for (const e of events) {
      const b = published.get(e.eventId);
      if (!b) problems.push(`${e.type} #${e.sequence} of ${e.projectId} never reached the bus`);
      else if (!isDeepStrictEqual(b, { type: e.type, detail: e })) problems.push(`${e.type} #${e.sequence} reached the bus as ${JSON.stringify(b)}`);
    }
  }
  const tally = await checkDeliveries(m, w, problems);
  if (problems.length > 0) throw new ModelMismatch(problems.map((x) => `end of run: ${x}`));
  return { ...tally, events: w.book.total };
}

/**
 * Each webhook got each event of its project after its creation whose type it takes, at least once
 * (unless every attempt of it failed, or the endpoint was disabled after failing for 5 days), signed
 * with its secret, as stored; its receiver saw the events' ids, once deduplicated, in sequence order;
 * nothing it does not take; and, enabled, its cursor is past every event with no retry pending.
 */
async function checkDeliveries(m: Model, w: World, problems: string[]): Promise<Omit<EventTally, 'events'>> {
  const ctx = storeContext({ doc: w.raw });
  const tally = { deliveries: 0, retried: 0, duplicates: 0, givenUp: 0, deadLettered: w.redriven };
  for (const r of w.receivers.receipts) if (r.problem) problems.push(`${r.url} got ${r.eventId}: ${r.problem}`);
  for (const hook of m.webhooks) {
    const p = m.projects[hook.projectIdx]!;
    const name = `webhook ${hook.webhookId} of project ${p.idx}${hook.types ? ` (${hook.types.join(', ')})` : ''}`;
    const item = await getWebhookItem(ctx, p.projectId, hook.webhookId);
    if (!item) { problems.push(`${name} is gone`); continue; }
    const events = w.book.events.get(p.projectId) ?? [];
    const owed = events.filter((e) => e.sequence > hook.firstCursor && (hook.types === null || hook.types.includes(e.type)));
    const owedIds = new Map(owed.map((e) => [e.eventId, e]));
    const receipts = w.receivers.receipts.filter((r) => r.webhookId === hook.webhookId);
    for (const r of receipts) {
      const e = owedIds.get(r.eventId);
      if (!e) problems.push(`${name} was sent ${r.event?.type ?? '?'} ${r.eventId} (#${r.event?.sequence ?? '?'}), which it does not take`);
      else if (!isDeepStrictEqual(JSON.parse(r.body), e)) problems.push(`${name} was sent ${r.body}, stored as ${JSON.stringify(e)}`);
    }
    // The receiver's view: the first time it processed each id, in that order.
    const firsts: number[] = [];
    const processed = new Map<string, number>();
    for (const r of receipts) {
      if (!r.processed) continue;
      const n = processed.get(r.eventId) ?? 0;
      processed.set(r.eventId, n + 1);
      if (n === 0) firsts.push(owedIds.get(r.eventId)?.sequence ?? -1);
      else tally.duplicates++;
    }
    for (let i = 1; i < firsts.length; i++) if (firsts[i]! <= firsts[i - 1]!) problems.push(`${name}: the receiver got #${firsts[i]} after #${firsts[i - 1]}`);
    const disabledLegitimately = item.status === 'disabled'
      && item.failingSince !== undefined && item.disabledAt !== undefined && Date.parse(item.disabledAt) - Date.parse(item.failingSince) >= DISABLE_AFTER_MS;
    if (item.status === 'disabled' && !disabledLegitimately) problems.push(`${name} disabled at ${item.disabledAt} failing since ${item.failingSince}`);
    for (const e of owed) {
      const posts = receipts.filter((r) => r.eventId === e.eventId).length;
      if (processed.has(e.eventId)) {
        tally.deliveries++;
        if (posts > 1) tally.retried++;
      } else if (posts >= DELIVERY_ATTEMPTS) {
        tally.givenUp++;
      } else if (!disabledLegitimately) {
        problems.push(`${name} never got ${e.type} #${e.sequence} (${posts} failed POSTs; cursor ${item.cursor}${item.retry ? `, retry ${JSON.stringify(item.retry)}` : ''})`);
      }
    }
    if (item.status === 'enabled') {
      const last = owed.at(-1)?.sequence ?? 0;
      if (item.cursor < last || item.retry) problems.push(`${name}: cursor ${item.cursor}${item.retry ? `, retry ${JSON.stringify(item.retry)}` : ''} after the queue was drained (last event owed #${last})`);
    }
  }
  return tally;
}
