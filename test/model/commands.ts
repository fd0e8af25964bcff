/**
 * The model test's commands (fast-check `AsyncCommand`s). Each one is an action a real client, the
 * voice platform, the scheduler or AWS's at-least-once plumbing takes; it runs against the real
 * handlers under the step's faults, checks the answer against the model, updates the model, and then
 * the project items (every step) or everything (full checks) are compared.
 *
 * fast-check generates the commands before the model exists, so they refer to projects, payments and
 * earlier events by index (taken modulo what exists when they run).
 */
import type { DebitMark } from '../../shared/store/debit-marks';
import { isDeepStrictEqual } from 'node:util';
import { DateTime } from 'luxon';
import * as fc from 'fast-check';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, billingDayOf, type BillingDay } from '../../shared/domain/billing-days';
import { startOfDay } from '../../shared/domain/day-bounds';
import { FIRST_DAY, isSeatPriced, productOf, type PlanVersion, type ProductId } from '../../shared/domain/plan';
import { stateAt } from '../../shared/domain/timeline';
import type { Timeline, TimelineChange } from '../../shared/domain/types';
import type { ChargeMessage } from '../../shared/runtime';
import { keys } from '../../shared/store/keys';
import { handler as addNumber } from '../../functions/api/add-number';
import { handler as createBillingRun } from '../../functions/api/create-billing-run';
import { handler as createPayment } from '../../functions/api/create-payment';
import { handler as createPlan } from '../../functions/api/create-plan';
import { handler as createPlanVersion } from '../../functions/api/create-plan-version';
import { handler as createProject } from '../../functions/api/create-project';
import { handler as putProjectPlan } from '../../functions/api/put-project-plan';
import { handler as postUsage } from '../../functions/api/post-usage';
import { handler as putProduct } from '../../functions/api/put-product';
import { handler as removeNumber } from '../../functions/api/remove-number';
import { TELEPHONY } from '../support/http';
import type { StreamRecord } from '../support/stream';
import { expectThat } from './checks';
import type { StepFaults } from './faults';
import { countedOn, type Model, type ProjectModel } from './model';
import { committedCopies } from './event-checks';
import { eventCommandArbs } from './event-commands';
import { adoptEndedGrants, creditCommandArbs } from './credit-commands';
import { applyInterleaved, codeIs, faultsArb, hasProject, statusIn, Step, tick } from './step';
import { eventIdOf, type World } from './world';
import { type UsageEvent, type UsageKind } from '../../shared/domain/usage';
import { utcIso } from '../../shared/domain/timeline-snapshot';

/** How big a run is: the default `npm test` run and the soak differ only here. */
export interface Scale {
  name: 'test' | 'soak';
  maxCommands: number;
  maxProjects: number;
  eventsPerPost: { min: number; max: number };
  /** Full check every n steps (1: after every step); the project items are checked after every step. */
  fullCheckEvery: number;
  /** Faults a step may inject at most. */
  faultBudget: number;
  /** Relative weight of POST /usage among the commands. */
  usageWeight: number;
  /** Webhook endpoints a project gets at most (the API allows 10). */
  maxWebhooks: number;
  /** Delivery function invocations a delivery step makes at most. */
  deliveryInvocations: number;
  /** Multiplies the weights of the event commands (alert rules, webhooks, relay, deliveries). */
  eventWeight: number;
}

export const TEST_SCALE: Scale = { name: 'test', maxCommands: 28, maxProjects: 3, eventsPerPost: { min: 1, max: 25 }, fullCheckEvery: 1, faultBudget: 5, usageWeight: 5, maxWebhooks: 2, deliveryInvocations: 20, eventWeight: 1 };
export const SOAK_SCALE: Scale = { name: 'soak', maxCommands: 64, maxProjects: 5, eventsPerPost: { min: 100, max: 700 }, fullCheckEvery: 6, faultBudget: 14, usageWeight: 6, maxWebhooks: 3, deliveryInvocations: 60, eventWeight: 2 };

/** A few Ukrainian destinations: Kyiv landline (per second), Vodafone, Kyivstar, lifecell, other 380. */
export const DESTINATIONS = ['+380441234567', '+380501112233', '+380671112233', '+380631112233', '+380321112233'] as const;
const KINDS: readonly UsageKind[] = ['outgoing_call', 'forwarded_call', 'sms'];
/** Numbers a project may rent (index → number); the type is chosen per command. */
export const NUMBERS = ['+380441110001', '+380441110002', '+380800500001', '+380671110003'] as const;

const MIN = 60_000;

/** The products every plan of a run has (a version never drops one), toggled by the commands. */
const PRODUCT_IDS: readonly ProductId[] = ['telephony', 'calltracking', 'callback', 'analytics'];
const NUMBER_TYPES = ['local', 'mobile', 'tollfree'] as const;

/** Seats, when the product is priced by seats in the version in force at the change. */
function seatsFor(m: Model, p: ProjectModel, productId: ProductId, day: BillingDay, seats: number | null): number | undefined {
  const product = productOf(m.pricesOn(p, day), productId);
  return product && isSeatPriced(product) && seats !== null ? seats : undefined;
}

// --- projects

export class CreateProject extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly startOffset: number, readonly creditLimit: number, readonly repeat: boolean, private readonly maxProjects: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return m.projects.length < this.maxProjects;
  }

  protected describe(): string {
    return `createProject(start ${this.startOffset >= 0 ? '+' : ''}${this.startOffset}d, creditLimit ${this.creditLimit}${this.repeat ? ', sent twice' : ''})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const i = m.projects.length;
    const idempotencyKey = `proj-${i}`;
    const body = { name: `project ${i}`, creditLimit: this.creditLimit, billingStartDate: addDays(w.today, this.startOffset) };
    const send = () => w.http(createProject, 'POST /projects', { body, headers: { 'idempotency-key': idempotencyKey } });
    const r = await send();
    statusIn(r, [201], 'POST /projects');
    const v = r.answer.body;
    expectThat(v.balance === 0 && v.status === 'active' && v.lastChargedDate === null && v.billingStartDate === body.billingStartDate && v.creditLimit === this.creditLimit,
      () => `POST /projects answered ${JSON.stringify(v)}`);
    expectThat(!m.projects.some((p) => p.projectId === v.projectId), `POST /projects made ${v.projectId} twice`);
    m.addProject({ projectId: v.projectId, idempotencyKey, name: body.name, creditLimit: this.creditLimit, billingStartDate: body.billingStartDate }, w.today);
    m.used.add('standard');
    if (this.repeat) {
      const again = await send();
      // docs/api.md "Idempotency of every create": the first answer, its status too.
      statusIn(again, [201], 'POST /projects (same Idempotency-Key)');
      expectThat(again.answer.body.projectId === v.projectId && again.answer.body.apiKey === undefined, () => `replay answered ${JSON.stringify(again.answer.body)}`);
    }
  }
}

// --- payments

export type PayMode = 'new' | 'twice-concurrent' | 'repeat' | 'conflict-amount' | 'conflict-project';

export class Pay extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly amount: number, readonly mode: PayMode, readonly pick: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    return `pay(${this.mode}, project #${this.projectIdx}, ${this.amount}, pick ${this.pick})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const route = 'POST /projects/{projectId}/payments';
    const existing = m.paymentOrder.length > 0 ? m.payments.get(m.paymentOrder[this.pick % m.paymentOrder.length]!)! : undefined;
    const mode = existing || this.mode === 'twice-concurrent' ? this.mode : 'new';
    if (mode === 'new') {
      const p = m.project(this.projectIdx);
      const paymentId = `pay-${m.nextPayment++}`;
      const r = await w.http(createPayment, route, { params: { projectId: p.projectId }, body: { paymentId, amount: this.amount } });
      // A payment interleaved before this one's transaction is in the balance it answers.
      applyInterleaved(m, w);
      const balance = m.balance(p) + this.amount;
      statusIn(r, r.ambiguous ? [201, 200] : [201], route);
      expectThat(isDeepStrictEqual(r.answer.body, { paymentId, amount: this.amount, balance }), () => `${route} answered ${JSON.stringify(r.answer.body)}, model balance ${balance}`);
      m.addPayment(p, { paymentId, projectIdx: p.idx, amount: this.amount, balanceAfter: balance, date: w.today });
      return;
    }
    if (mode === 'twice-concurrent') {
      // The provider sends the same payment twice at once: one moves money, the other replays it.
      const p = m.project(this.projectIdx);
      const paymentId = `pay-${m.nextPayment++}`;
      const send = () => w.http(createPayment, route, { params: { projectId: p.projectId }, body: { paymentId, amount: this.amount } });
      const [a, b] = await Promise.all([send(), send()]);
      applyInterleaved(m, w);
      const statuses = [a.answer.status, b.answer.status].sort();
      expectThat(a.ambiguous || b.ambiguous ? statuses.every((x) => x === 200 || x === 201) && statuses.includes(200) : isDeepStrictEqual(statuses, [200, 201]),
        () => `the same payment twice at once: statuses ${statuses.join(', ')}`);
      expectThat(isDeepStrictEqual(a.answer.body, b.answer.body) && a.answer.body.paymentId === paymentId && a.answer.body.amount === this.amount,
        () => `the same payment twice at once answered ${JSON.stringify(a.answer.body)} and ${JSON.stringify(b.answer.body)}`);
      m.addPayment(p, { paymentId, projectIdx: p.idx, amount: this.amount, balanceAfter: a.answer.body.balance, date: w.today });
      return;
    }
    if (!existing) throw new Error('unreachable: a repeat needs an earlier payment');
    const owner = m.projects[existing.projectIdx]!;
    if (mode === 'repeat') {
      const r = await w.http(createPayment, route, { params: { projectId: owner.projectId }, body: { paymentId: existing.paymentId, amount: existing.amount } });
      statusIn(r, [200], `${route} (repeat)`);
      expectThat(isDeepStrictEqual(r.answer.body, { paymentId: existing.paymentId, amount: existing.amount, balance: existing.balanceAfter }),
        () => `repeated payment answered ${JSON.stringify(r.answer.body)}, first answer had balance ${existing.balanceAfter}`);
      return;
    }
    const other = m.projects.length > 1 ? m.projects[(existing.projectIdx + 1) % m.projects.length]! : owner;
    const target = mode === 'conflict-project' ? other : owner;
    // Same id, other amount (or the same amount into another project): refused, nothing moves.
    const amount = mode === 'conflict-project' && target !== owner ? existing.amount : existing.amount + 1 + (this.amount % 1000);
    const r = await w.http(createPayment, route, { params: { projectId: target.projectId }, body: { paymentId: existing.paymentId, amount } });
    statusIn(r, [409], `${route} (same paymentId, ${mode})`);
    codeIs(r, 'payment_conflict', route);
  }
}

// --- usage

export interface EventSpec {
  projectIdx: number;
  kind: number;
  destination: number;
  durationSec: number;
  segments: number;
  /** Minutes before the clock (negative: a little in the future, a platform clock ahead of ours). */
  minutesAgo: number;
  seconds: number;
  /** Write occurredAt with the Kyiv offset instead of Z. */
  localOffset: boolean;
  /** Re-send an event already accepted (index into the accepted ones), `alter`ed or not. */
  reuse: number | null;
  alter: boolean;
}

/**
 * A request refused whole: an event of a project that does not exist, one from too far ahead, or one
 * from before its project's billing started.
 */
export type BadUsage = 'none' | 'unknown-project' | 'future' | 'before-start';

export class PostUsage extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly specs: EventSpec[], readonly dupWithin: number[], readonly bad: BadUsage, readonly resend: boolean) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    const reused = this.specs.filter((s) => s.reuse !== null).length;
    return `postUsage(${this.specs.length} events, ${reused} re-sent, ${this.dupWithin.length} repeated within${this.bad !== 'none' ? `, one ${this.bad}` : ''}${this.resend ? ', request sent twice' : ''})`;
  }

  /** A new event as the spec asks, or null for a project whose billing starts more than 15 minutes from now. */
  private eventOf(m: Model, w: World, s: EventSpec): { event: UsageEvent; projectIdx: number } | null {
    if (s.reuse !== null && m.eventOrder.length > 0) {
      const first = m.events.get(m.eventOrder[s.reuse % m.eventOrder.length]!)!;
      const e = first.event;
      // The same id with another duration or segment count is still the same event: the first one counts.
      const event = !s.alter ? e : e.kind === 'sms' ? { ...e, segments: (e.segments ?? 1) + 1 } : { ...e, durationSec: (e.durationSec ?? 0) + 17 };
      return { event, projectIdx: first.projectIdx };
    }
    const p = m.project(s.projectIdx);
    let ms = Math.floor((w.clock - s.minutesAgo * MIN) / 1000) * 1000 - s.seconds * 1000;
    // The platform carries no call for a project before its billing starts (that is the 'before-start' case).
    const startMs = startOfDay(p.billingStartDate, w.zone);
    if (ms < startMs) ms = startMs + s.seconds * 1000;
    if (ms > w.clock + 15 * MIN) return null;
    const occurredAt = s.localOffset ? DateTime.fromMillis(ms, { zone: w.zone }).toISO({ suppressMilliseconds: true })! : new Date(ms).toISOString().replace('.000Z', 'Z');
    const kind = KINDS[s.kind % KINDS.length]!;
    const base = { eventId: `e${m.nextEvent++}`, projectId: p.projectId, kind, destination: DESTINATIONS[s.destination % DESTINATIONS.length]!, occurredAt };
    return { event: kind === 'sms' ? { ...base, segments: s.segments } : { ...base, durationSec: s.durationSec }, projectIdx: p.idx };
  }

  protected async act(m: Model, w: World): Promise<void> {
    const events = this.specs.map((s) => this.eventOf(m, w, s)).filter((e) => e !== null);
    if (events.length === 0) return; // only projects that have not started yet
    for (const d of this.dupWithin) events.push(events[d % events.length]!);
    if (this.bad !== 'none') {
      const first = events[0]!;
      const before = new Date(startOfDay(m.project(first.projectIdx).billingStartDate, w.zone) - 1000).toISOString();
      const e = this.bad === 'unknown-project'
        ? { ...first.event, eventId: `e${m.nextEvent++}`, projectId: 'prj_unknown' }
        : { ...first.event, eventId: `e${m.nextEvent++}`, occurredAt: this.bad === 'future' ? new Date(w.clock + 16 * MIN).toISOString() : before };
      const r = await w.http(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [...events.map((x) => x.event), e].slice(-500) } });
      statusIn(r, [400], `POST /usage with an event ${this.bad}`);
      codeIs(r, this.bad === 'unknown-project' ? 'unknown_project' : 'validation_failed', 'POST /usage');
      return; // nothing stored: the full check counts the usage items
    }
    const chunks: (typeof events)[] = [];
    for (let i = 0; i < events.length; i += 500) chunks.push(events.slice(i, i + 500));
    for (const chunk of chunks) {
      const fresh = new Map<string, { event: UsageEvent; projectIdx: number }>();
      for (const x of chunk) if (!m.events.has(x.event.eventId) && !fresh.has(x.event.eventId)) fresh.set(x.event.eventId, x);
      const r = await w.http(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: chunk.map((x) => x.event) } });
      statusIn(r, [202], 'POST /usage');
      const { accepted, duplicates } = r.answer.body as { accepted: number; duplicates: number };
      expectThat(accepted + duplicates === chunk.length, () => `POST /usage: accepted ${accepted} + duplicates ${duplicates} != ${chunk.length} events`);
      // A retried request, or a put whose answer was lost, counts an event it stored itself as a duplicate.
      expectThat(r.ambiguous ? accepted <= fresh.size : accepted === fresh.size, () => `POST /usage: accepted ${accepted}, model ${fresh.size} new of ${chunk.length}`);
      for (const x of fresh.values()) m.addEvent(x.event, x.projectIdx, billingDayOf(x.event.occurredAt, w.zone));
      m.posted += chunk.length;
    }
    if (this.resend) {
      const chunk = chunks[0]!;
      const r = await w.http(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: chunk.map((x) => x.event) } });
      statusIn(r, [202], 'POST /usage (sent again)');
      expectThat(r.answer.body.accepted === 0 && r.answer.body.duplicates === chunk.length, () => `POST /usage sent again: ${JSON.stringify(r.answer.body)}`);
      m.posted += chunk.length;
    }
  }
}

// --- products and numbers

function changeInstant(w: World, backdateMin: number | null): number {
  return backdateMin === null ? w.clock : Math.floor(w.clock / 1000) * 1000 - backdateMin * MIN;
}

export class PutProduct extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly product: number, readonly enabled: boolean, readonly seats: number | null, readonly backdateMin: number | null) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    return `putProduct(project #${this.projectIdx}, ${PRODUCT_IDS[this.product % 4]} ${this.enabled ? 'on' : 'off'}${this.seats !== null ? `, ${this.seats} seats` : ''}${this.backdateMin !== null ? `, ${this.backdateMin} min ago` : ''})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const p = m.project(this.projectIdx);
    const productId: ProductId = PRODUCT_IDS[this.product % PRODUCT_IDS.length]!;
    const atMs = changeInstant(w, this.backdateMin);
    const seats = seatsFor(m, p, productId, billingDayOf(atMs, w.zone), this.seats);
    const body = { enabled: this.enabled, ...(seats !== undefined ? { seats } : {}), ...(this.backdateMin !== null ? { effectiveAt: new Date(atMs).toISOString() } : {}) };
    const route = 'PUT /projects/{projectId}/products/{productId}';
    const r = await w.http(putProduct, route, { params: { projectId: p.projectId, productId }, body });
    if (m.isCharged(p, billingDayOf(atMs, w.zone))) {
      statusIn(r, [409], `${route} into a charged day`);
      codeIs(r, 'day_already_charged', route);
      return;
    }
    statusIn(r, [200], route);
    expectThat(r.answer.body.productId === productId && r.answer.body.enabled === this.enabled, () => `${route} answered ${JSON.stringify(r.answer.body)}`);
    const change: TimelineChange = { kind: 'product', at: utcIso(atMs), productId, enabled: this.enabled, ...(seats !== undefined ? { seats } : {}) };
    // A retry after a 5xx whose attempt had committed sets the product again: a second change (same state).
    const copies = r.ambiguous ? await committedCopies(w, p, change) : 1;
    expectThat(copies >= 1 && copies <= r.attempts, () => `${route}: the change committed ${copies} times in ${r.attempts} attempts`);
    for (let i = 0; i < copies; i++) m.addChange(p, change);
  }
}

export class ChangeNumber extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly numberIdx: number, readonly type: number, readonly add: boolean, readonly backdateMin: number | null) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    return `${this.add ? 'addNumber' : 'removeNumber'}(project #${this.projectIdx}, ${NUMBERS[this.numberIdx % NUMBERS.length]}${this.backdateMin !== null ? `, ${this.backdateMin} min ago` : ''})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const p = m.project(this.projectIdx);
    const number = NUMBERS[this.numberIdx % NUMBERS.length]!;
    const atMs = changeInstant(w, this.backdateMin);
    const effectiveAt = this.backdateMin !== null ? new Date(atMs).toISOString() : undefined;
    const charged = m.isCharged(p, billingDayOf(atMs, w.zone));
    const held = stateAt(m.timeline(p), atMs).numbers;
    if (this.add) {
      const type = NUMBER_TYPES[this.type % NUMBER_TYPES.length]!;
      const route = 'POST /projects/{projectId}/numbers';
      const r = await w.http(addNumber, route, { params: { projectId: p.projectId }, body: { number, type, ...(effectiveAt ? { effectiveAt } : {}) } });
      if (charged) { statusIn(r, [409], `${route} into a charged day`); codeIs(r, 'day_already_charged', route); return; }
      if (held.has(number)) { statusIn(r, [409], `${route} of a number held`); codeIs(r, 'number_already_held', route); return; }
      // Held from atMs until this project's next release of it (or for good): does another project hold it then?
      const withAdd: Timeline = { ...m.timeline(p), changes: [...p.changes, { kind: 'number', at: utcIso(atMs), number, numberType: type, held: true, seq: p.changes.length + 1 }] };
      const until = withAdd.changes.filter((c) => c.kind === 'number' && c.number === number).map((c) => Date.parse(c.at)).filter((ms) => ms > atMs)
        .sort((a, b) => a - b).find((ms) => !stateAt(withAdd, ms).numbers.has(number)) ?? null;
      if (m.projects.some((q) => q !== p && heldDuring(m.timeline(q), number, atMs, until))) {
        statusIn(r, [409], `${route} of a number another project holds`); codeIs(r, 'number_taken', route); return;
      }
      // A lost answer: the retry finds the number it added itself already held.
      statusIn(r, r.ambiguous ? [201, 409] : [201], route);
      if (r.answer.status === 409) codeIs(r, 'number_already_held', route);
      m.addChange(p, { kind: 'number', at: utcIso(atMs), number, numberType: type, held: true });
      return;
    }
    const route = 'DELETE /projects/{projectId}/numbers/{number}';
    const r = await w.http(removeNumber, route, { params: { projectId: p.projectId, number }, ...(effectiveAt ? { query: { effectiveAt } } : {}) });
    if (charged) { statusIn(r, [409], `${route} into a charged day`); codeIs(r, 'day_already_charged', route); return; }
    const type = held.get(number);
    if (type === undefined) { statusIn(r, [404], `${route} of a number not held`); codeIs(r, 'not_found', route); return; }
    statusIn(r, r.ambiguous ? [204, 404] : [204], route);
    m.addChange(p, { kind: 'number', at: utcIso(atMs), number, numberType: type, held: false });
  }
}

/** True when `timeline` holds `number` at any moment of [fromMs, untilMs) (untilMs null: for good). */
function heldDuring(timeline: Timeline, number: string, fromMs: number, untilMs: number | null): boolean {
  if (stateAt(timeline, fromMs).numbers.has(number)) return true;
  return timeline.changes.some((c) => {
    const ms = Date.parse(c.at);
    return ms > fromMs && (untilMs === null || ms < untilMs) && stateAt(timeline, ms).numbers.has(number);
  });
}

export class AdvanceClock extends Step {
  constructor(faults: StepFaults, readonly minutes: number) {
    super(faults, 0);
  }

  check(): boolean {
    return true;
  }

  protected describe(): string {
    return `advanceClock(${this.minutes} min)`;
  }

  protected async act(_m: Model, w: World): Promise<void> {
    w.clock += this.minutes * MIN;
  }
}

// --- plans: prices as data

/** A version made from `base` with every price at `percent` of it: products, numbers and rates. */
function repriced(base: PlanVersion, percent: number): Pick<PlanVersion, 'products' | 'numbers' | 'multiProductDiscounts' | 'tariff'> {
  const at = (x: number) => Math.floor((x * percent) / 100);
  return {
    products: base.products.map((p) => ({ ...p, monthlyPrice: at(p.monthlyPrice), ...(p.extraSeatMonthlyPrice !== undefined ? { extraSeatMonthlyPrice: at(p.extraSeatMonthlyPrice) } : {}) })),
    numbers: Object.fromEntries(Object.entries(base.numbers).map(([t, price]) => [t, at(price)])),
    multiProductDiscounts: base.multiProductDiscounts,
    tariff: {
      calls: base.tariff.calls.map((r) => ({ ...r, perMinute: at(r.perMinute), connectFee: at(r.connectFee) })),
      sms: base.tariff.sms.map((r) => ({ ...r, perSegment: at(r.perSegment) })),
    },
  };
}

/** An individual offer: plan `offer`, every price at a share of the standard one. */
export class CreateOffer extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly percent: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return !m.plans.has('offer');
  }

  protected describe(): string {
    return `createPlan(offer at ${this.percent}%)`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const standard = m.versionOf('standard', w.today)!;
    const body = { planId: 'offer', name: 'Offer', currency: standard.currency, ...repriced(standard, this.percent) };
    const r = await w.http(createPlan, 'POST /plans', { body });
    // A crash after the commit: the client's retry finds the plan it made.
    statusIn(r, r.ambiguous ? [201, 409] : [201], 'POST /plans');
    if (r.answer.status === 409) codeIs(r, 'plan_exists', 'POST /plans (retried)');
    else expectThat(r.answer.body.version === 1 && r.answer.body.effectiveFrom === FIRST_DAY, () => `POST /plans answered version ${r.answer.body.version} from ${r.answer.body.effectiveFrom}`);
    m.plans.set('offer', [{ ...standard, ...body, version: 1, effectiveFrom: FIRST_DAY } as PlanVersion]);
  }
}

/** A price change published for a later day (or, refused, for a day that has begun). */
export class PublishVersion extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly plan: number, readonly daysAhead: number, readonly percent: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return m.plans.size > 0;
  }

  protected describe(): string {
    return `publishVersion(plan #${this.plan}, from today+${this.daysAhead}, prices at ${this.percent}%)`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const planId = [...m.plans.keys()].sort()[this.plan % m.plans.size]!;
    const effectiveFrom = addDays(w.today, this.daysAhead);
    const versions = m.plans.get(planId)!;
    const latest = versions.reduce((a, b) => (a.effectiveFrom > b.effectiveFrom ? a : b));
    const route = 'POST /plans/{planId}/versions';
    const r = await w.http(createPlanVersion, route, { params: { planId }, body: { effectiveFrom, ...repriced(latest, this.percent) } });
    if (m.used.has(planId) && effectiveFrom <= w.today) { statusIn(r, [409], `${route} for a begun day`); codeIs(r, 'day_already_started', route); return; }
    if (versions.some((v) => v.effectiveFrom === effectiveFrom)) { statusIn(r, [409], `${route} for a day taken`); codeIs(r, 'version_exists', route); return; }
    // A crash after the commit: the client's retry finds the day taken by the version it published.
    statusIn(r, r.ambiguous ? [201, 409] : [201], route);
    const version = Math.max(...versions.map((v) => v.version)) + 1;
    if (r.answer.status === 409) codeIs(r, 'version_exists', `${route} (retried)`);
    else expectThat(r.answer.body.version === version && r.answer.body.effectiveFrom === effectiveFrom, () => `${route} answered version ${r.answer.body.version} from ${r.answer.body.effectiveFrom}, model ${version}`);
    versions.push({ ...latest, ...repriced(latest, this.percent), version, effectiveFrom });
  }
}

/** A customer moved to another plan from a later day (or, refused, from today). */
export class MovePlan extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly plan: number, readonly daysAhead: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    return `movePlan(project #${this.projectIdx}, plan #${this.plan}, from today+${this.daysAhead})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const p = m.project(this.projectIdx);
    const planId = [...m.plans.keys()].sort()[this.plan % m.plans.size]!;
    const effectiveFrom = addDays(w.today, this.daysAhead);
    const route = 'PUT /projects/{projectId}/plan';
    const r = await w.http(putProjectPlan, route, { params: { projectId: p.projectId }, body: { planId, effectiveFrom } });
    if (this.daysAhead <= 0) { statusIn(r, [409], `${route} from a begun day`); codeIs(r, 'day_already_started', route); return; }
    statusIn(r, [200], route);
    expectThat(isDeepStrictEqual(r.answer.body, { planId, effectiveFrom }), () => `${route} answered ${JSON.stringify(r.answer.body)}`);
    const at = utcIso(startOfDay(effectiveFrom, w.zone));
    const copies = r.ambiguous ? await committedCopies(w, p, { kind: 'plan', at, planId, effectiveFrom }) : 1;
    expectThat(copies >= 1 && copies <= r.attempts, () => `${route}: the move committed ${copies} times in ${r.attempts} attempts`);
    for (let i = 0; i < copies; i++) m.movePlan(p, planId, effectiveFrom, at);
    m.used.add(planId);
  }
}

// --- the usage stream

export type StreamMode = 'all' | 'prefix' | 'race' | 'redeliver';

/** Reads the stream for every stored event and hands `take` of the pending records to the debit. */
async function readAndTake(m: Model, w: World, fraction: number): Promise<StreamRecord[]> {
  await w.usage.read(m.eventOrder);
  return w.usage.take(Math.floor((w.usage.pending.length * fraction) / 100));
}

/** The model's side of a delivery: each record's event debited once, counted on the first open day. */
function debitInModel(m: Model, records: readonly StreamRecord[]): void {
  for (const r of records) {
    const e = m.events.get(eventIdOf(r));
    expectThat(e !== undefined, `stream record for unknown event ${eventIdOf(r)}`);
    if (e!.debited) continue; // a redelivery
    m.markDebited(e!, countedOn(e!.day, m.projects[e!.projectIdx]!.chargedThrough));
  }
}

export class DeliverStream extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly mode: StreamMode, readonly batchSize: number, readonly fraction: number, readonly from: number, readonly length: number) {
    super(faults, tickSec);
  }

  check(): boolean {
    return true;
  }

  protected describe(): string {
    return `deliverStream(${this.mode}, batches of ${this.batchSize}${this.mode === 'prefix' ? `, ${this.fraction}%` : ''}${this.mode === 'redeliver' ? `, again from ${this.from} x${this.length}` : ''})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const records = await readAndTake(m, w, this.mode === 'prefix' ? this.fraction : 100);
    if (this.mode === 'race') {
      // Two pollers on the same records (a lease handed over), one of them on an overlapping slice.
      const half = Math.floor(records.length / 2);
      await Promise.all([
        w.deliver(records, { batchSize: this.batchSize, tag: 'a' }),
        w.deliver([...records.slice(half), ...records.slice(0, half)], { batchSize: Math.max(1, 101 - this.batchSize), tag: 'b' }),
      ]);
    } else {
      await w.deliver(records, { batchSize: this.batchSize, tag: 'a' });
    }
    debitInModel(m, records);
    if (this.mode === 'redeliver' && w.usage.delivered.length > 0) {
      // An old batch again (a retried shard, a replayed failure destination): it must move nothing.
      const start = this.from % w.usage.delivered.length;
      await w.deliver(w.usage.delivered.slice(start, start + this.length), { batchSize: this.batchSize, tag: 'again' });
    }
  }
}

// --- the nightly run

export type NightMode = 'once' | 'twice' | 'concurrent';
export type SqsMode = 'plain' | 'dup-batch' | 'dup-again' | 'dup-concurrent';

function sqsPlan(messages: ChargeMessage[], mode: SqsMode): ChargeMessage[][] {
  const batches: ChargeMessage[][] = [];
  for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
  switch (mode) {
    case 'plain': return batches;
    case 'dup-batch': return batches.map((b) => [...b, ...b]);
    case 'dup-again': case 'dup-concurrent': return [...batches, ...batches];
  }
}

export interface LateChange {
  projectIdx: number;
  product: number;
  enabled: boolean;
  seats: number | null;
  /** effectiveAt: this many minutes before the midnight that ends the day being closed. */
  minutesBeforeMidnight: number;
}

export class Night extends Step {
  constructor(
    faults: StepFaults,
    readonly skip: number,
    readonly minute: number,
    readonly mode: NightMode,
    readonly sqs: SqsMode,
    readonly withStream: boolean,
    readonly adminRerun: boolean,
    readonly batchSize: number,
    /** A support correction into the day being closed, racing the night: lands in it, or is a 409. */
    readonly lateChange: LateChange | null,
  ) {
    super(faults, 0);
  }

  check(): boolean {
    return true;
  }

  /**
   * Every charge of a project ends with a runway evaluation, and a night charges more than once (two
   * nights, duplicated or redelivered messages): debits or a late change between them may move it.
   */
  override get runwaySwing(): boolean {
    return this.withStream || this.lateChange !== null;
  }

  protected describe(): string {
    return `night(${this.skip > 0 ? `skipping ${this.skip}, ` : ''}${this.mode}, sqs ${this.sqs}, at ${String(Math.floor(this.minute / 60)).padStart(2, '0')}:${String(this.minute % 60).padStart(2, '0')}${this.withStream ? ', stream delivered meanwhile' : ''}${this.lateChange ? `, a change into the closing day racing it` : ''}${this.adminRerun ? ', then POST /admin/billing-runs again' : ''})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const night = addDays(w.today, 1 + this.skip);
    w.setClockTo(night, this.minute);
    const yesterday = addDays(night, -1);
    const run = async (tag: string) => {
      const messages = await w.fanOut(tag);
      await w.chargeMessages(sqsPlan(messages, this.sqs), tag, this.sqs === 'dup-concurrent');
    };
    const nights = async () => {
      if (this.mode === 'once') await run('n1');
      else if (this.mode === 'twice') { await run('n1'); await run('n2'); }
      else await Promise.all([run('n1'), run('n2')]);
    };
    const before = new Map(m.projects.map((p) => [p.idx, p.chargedThrough]));
    const records: StreamRecord[] = this.withStream ? await readAndTake(m, w, 100) : [];
    const late = this.lateChange ? this.late(m, w, this.lateChange, startOfDay(night, w.zone)) : Promise.resolve(undefined);
    const [, change] = await Promise.all([
      Promise.all([nights(), records.length > 0 ? w.deliver(records, { batchSize: this.batchSize, tag: 's' }) : undefined]),
      late,
    ]);
    // A change that was accepted landed before the close (the close would have refused it after).
    for (let i = 0; i < (change?.copies ?? 0); i++) m.addChange(change!.p, change!.change);
    for (const p of m.projects) m.closeThrough(p, yesterday);
    if (records.length > 0) await this.adoptCountedOn(m, w, records, before);
    for (const p of m.projects) await adoptEndedGrants(m, w, p);
    if (this.adminRerun) {
      const r = await w.http(createBillingRun, 'POST /admin/billing-runs', { body: { date: yesterday } });
      statusIn(r, [202], 'POST /admin/billing-runs (a night already run)');
      expectThat(r.answer.body.projects === 0, () => `a second billing run for ${yesterday} sent ${JSON.stringify(r.answer.body)}`);
    }
  }

  private async late(m: Model, w: World, c: LateChange, midnight: number): Promise<{ p: ProjectModel; change: TimelineChange; copies: number }> {
    const p = m.project(c.projectIdx);
    const productId: ProductId = PRODUCT_IDS[c.product % PRODUCT_IDS.length]!;
    const atMs = midnight - c.minutesBeforeMidnight * MIN;
    const seats = seatsFor(m, p, productId, billingDayOf(atMs, w.zone), c.seats);
    const route = 'PUT /projects/{projectId}/products/{productId}';
    const r = await w.http(putProduct, route, { params: { projectId: p.projectId, productId }, body: { enabled: c.enabled, ...(seats !== undefined ? { seats } : {}), effectiveAt: new Date(atMs).toISOString() } });
    const change: TimelineChange = { kind: 'product', at: utcIso(atMs), productId, enabled: c.enabled, ...(seats !== undefined ? { seats } : {}) };
    statusIn(r, [200, 409], `${route} racing the night`);
    if (r.answer.status === 409) codeIs(r, 'day_already_charged', `${route} racing the night`);
    // Ambiguous, it may have landed (a 409 then refuses the client's retry, the day charged meanwhile) or landed twice.
    const copies = r.ambiguous ? await committedCopies(w, p, change) : r.answer.status === 200 ? 1 : 0;
    expectThat(copies <= r.attempts && (r.answer.status === 409 || copies >= 1), () => `${route} racing the night: answered ${r.answer.status}, the change committed ${copies} times in ${r.attempts} attempts`);
    return { p, change, copies };
  }

  /**
   * Events debited while days were being closed may count on any day that was the first open one
   * while they were debited: between the model's answer before and after the night. The real marks
   * are read, checked to be in that range, and adopted; the ledger check then holds each closed
   * day's telecom line to exactly the events counted on it.
   */
  private async adoptCountedOn(m: Model, w: World, records: StreamRecord[], before: Map<number, BillingDay>): Promise<void> {
    for (const r of records) {
      const e = m.events.get(eventIdOf(r));
      expectThat(e !== undefined, `stream record for unknown event ${eventIdOf(r)}`);
      if (e!.debited) continue;
      const p = m.projects[e!.projectIdx]!;
      const lo = countedOn(e!.day, before.get(p.idx)!);
      const hi = countedOn(e!.day, p.chargedThrough);
      const got = await w.raw.send(new GetCommand({ TableName: w.tables.LEDGER_TABLE, Key: keys.debitMark(e!.event.eventId), ConsistentRead: true }));
      const day = (got.Item as DebitMark | undefined)?.countedOn;
      expectThat(day !== undefined && day >= lo && day <= hi, () => `event ${e!.event.eventId} (day ${e!.day}) counted on ${String(day)}, expected ${lo}..${hi}`);
      m.markDebited(e!, day!);
    }
  }
}

// --- arbitraries

// Mostly now; sometimes backdated (admin support correction), up to a day and a half.
const backdate = fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 36 * 60 }), weight: 1 });

const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
  projectIdx: fc.nat(),
  kind: fc.nat({ max: 2 }),
  destination: fc.nat({ max: DESTINATIONS.length - 1 }),
  // 0 is an unanswered call (cost 0); most calls are a few minutes.
  durationSec: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 900 }), weight: 5 }),
  segments: fc.integer({ min: 1, max: 4 }),
  // Mostly the last hours; some a day or two late (their day may be closed by now); a few minutes
  // ahead (a platform clock ahead of ours, within the 15 minutes POST /usage tolerates).
  minutesAgo: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 240 }), weight: 6 }, { arbitrary: fc.integer({ min: 240, max: 3 * 1440 }), weight: 2 }, { arbitrary: fc.integer({ min: -14, max: -1 }), weight: 1 }),
  seconds: fc.nat({ max: 59 }),
  localOffset: fc.boolean(),
  reuse: fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: fc.nat(), weight: 1 }),
  alter: fc.boolean(),
});

/** POST /projects, billing from 3 days ago to tomorrow. */
export function createProjectArb(scale: Scale): fc.Arbitrary<CreateProject> {
  return fc.tuple(faultsArb(scale), tick, fc.integer({ min: -3, max: 1 }), fc.constantFrom(0, 0, 5_000, 100_000), fc.boolean())
    .map(([faults, t, start, limit, repeat]) => new CreateProject(faults, t, start, limit, repeat, scale.maxProjects));
}

/** Every command, weighted: a run is mostly usage, payments and stream deliveries, with nights between. */
export function commandArbs(scale: Scale): fc.Arbitrary<fc.AsyncCommand<Model, World>>[] {
  const f = faultsArb(scale);
  const w = (arbitrary: fc.Arbitrary<fc.AsyncCommand<Model, World>>, weight: number) => ({ arbitrary, weight });
  const usage = fc.tuple(f, tick, fc.array(eventSpec, { minLength: scale.eventsPerPost.min, maxLength: scale.eventsPerPost.max }), fc.array(fc.nat(), { maxLength: 3 }), fc.constantFrom<BadUsage>(...Array<BadUsage>(18).fill('none'), 'unknown-project', 'future', 'before-start'), fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }))
    .map(([faults, t, specs, dups, bad, resend]) => new PostUsage(faults, t, specs, dups, bad, resend));
  return [fc.oneof(
    w(createProjectArb(scale), 2),
    w(fc.tuple(f, tick, fc.nat(), fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 5_000, max: 500_000 })), fc.constantFrom<PayMode>('new', 'new', 'new', 'twice-concurrent', 'repeat', 'conflict-amount', 'conflict-project'), fc.nat())
      .map(([faults, t, p, amount, mode, pick]) => new Pay(faults, t, p, amount, mode, pick)), 3),
    w(usage, scale.usageWeight),
    w(fc.tuple(f, tick, fc.nat(), fc.nat({ max: 3 }), fc.boolean(), fc.option(fc.integer({ min: 0, max: 8 })), backdate)
      .map(([faults, t, p, product, on, seats, back]) => new PutProduct(faults, t, p, product, on, seats, back)), 2),
    w(fc.tuple(f, tick, fc.nat(), fc.nat({ max: NUMBERS.length - 1 }), fc.nat({ max: 2 }), fc.boolean(), backdate)
      .map(([faults, t, p, n, type, add, back]) => new ChangeNumber(faults, t, p, n, type, add, back)), 2),
    w(fc.tuple(f, fc.integer({ min: 1, max: 16 * 60 })).map(([faults, minutes]) => new AdvanceClock(faults, minutes)), 1),
    w(fc.tuple(f, tick, fc.integer({ min: 50, max: 95 })).map(([faults, t, percent]) => new CreateOffer(faults, t, percent)), 1),
    w(fc.tuple(f, tick, fc.nat(), fc.constantFrom(0, 1, 1, 2, 3, 5), fc.integer({ min: 80, max: 130 })).map(([faults, t, plan, ahead, percent]) => new PublishVersion(faults, t, plan, ahead, percent)), 1),
    w(fc.tuple(f, tick, fc.nat(), fc.nat(), fc.constantFrom(0, 1, 1, 2, 4)).map(([faults, t, p, plan, ahead]) => new MovePlan(faults, t, p, plan, ahead)), 1),
    w(fc.tuple(f, tick, fc.constantFrom<StreamMode>('all', 'all', 'prefix', 'race', 'redeliver'), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.nat(), fc.integer({ min: 1, max: 150 }))
      .map(([faults, t, mode, size, fraction, from, length]) => new DeliverStream(faults, t, mode, size, fraction, from, length)), 3),
    w(fc.tuple(f, fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }), fc.integer({ min: 5, max: 240 }),
      fc.constantFrom<NightMode>('once', 'once', 'twice', 'concurrent'), fc.constantFrom<SqsMode>('plain', 'dup-batch', 'dup-again', 'dup-concurrent'), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 100 }),
      fc.option(fc.record({ projectIdx: fc.nat(), product: fc.nat({ max: 3 }), enabled: fc.boolean(), seats: fc.option(fc.integer({ min: 0, max: 8 })), minutesBeforeMidnight: fc.integer({ min: 1, max: 600 }) }), { freq: 2 }))
      .map(([faults, skip, minute, mode, sqs, stream, rerun, size, late]) => new Night(faults, skip, minute, mode, sqs, stream, rerun, size, late)), 2),
    ...eventCommandArbs(scale),
    ...creditCommandArbs(scale),
  )];
}

/** The end of a run: every stored event read from the stream and delivered (faults still on). */
export async function settle(m: Model, w: World, faults: StepFaults): Promise<void> {
  w.beginStep();
  w.faults.beginStep(faults);
  try {
    const records = await readAndTake(m, w, 100);
    await w.deliver(records, { batchSize: 100, tag: 'settle' });
    debitInModel(m, records);
  } finally {
    w.faults.endStep();
  }
  applyInterleaved(m, w);
}
