/**
 * The plain in-memory model the real service is compared with: the plans and their versions, per
 * project the payments, the plan moves, the timeline of changes (products, seats, numbers), the closed
 * days and, per usage event, its cost (from the domain's rater with the prices of its own day), whether
 * it was debited and on which day it was counted. Everything the service should show follows from it:
 * the balance, the ledger lines of every closed day (the pure chargeDay over the model's own timeline
 * and the version in force that day: no snapshots, no store), the telecom totals.
 */
import { addDays, type BillingDay } from '../../shared/domain/billing-days';
import { planOn, versionOn, type PlanAssignment, type PlanVersion } from '../../shared/domain/plan';
import { chargeDay, chargeTotal, telecomDailyLine } from '../../shared/domain/charge-day';
import { raterFor, type Rater } from '../../shared/domain/rating';
import type { Timeline, TimelineChange } from '../../shared/domain/types';
import { type LedgerEntry } from '../../shared/domain/ledger';
import { type UsageEvent } from '../../shared/domain/usage';
import { NO_ALERTS, type AlertRules, type EventType } from '../../shared/domain/events';

export interface ProjectModel {
  idx: number;
  projectId: string;
  idempotencyKey: string;
  name: string;
  creditLimit: number;
  billingStartDate: BillingDay;
  chargedThrough: BillingDay;
  paid: number;
  /** Sum of the balance effects of the closed days' lines (negative: charges). */
  charges: number;
  /** Sum of the costs of the debited events. */
  debited: number;
  paymentIds: string[];
  eventIds: string[];
  changes: TimelineChange[];
  /** The plan moves, as the project item lists them. */
  plans: PlanAssignment[];
  /** The product, number and discount lines of each closed day, fixed when the model closed it. */
  closed: Map<BillingDay, LedgerEntry[]>;
  /** The alert rules as last put (PUT /projects/{id}/alerts). */
  rules: AlertRules;
  /**
   * Corrections, refunds and grants (issue 18): their ledger entries, in the order made. Expiries and
   * voids are adopted from the ledger (what remains of a grant depends on the order its charges were
   * drawn in), checked against the grant's amount, and the credit identity is checked in full checks.
   */
  corrections: LedgerEntry[];
  /** The keys (event-checks.ts eventKey) of the events the corrections must have, in order. */
  correctionEvents: string[];
  grants: GrantModel[];
  adjustments: AdjustmentModel[];
  /** Refunded events: the first answer's balance. */
  refunds: Map<string, number>;
  /** Every monthlyLimit of an auto top-up rule put (the checks allow the largest). */
  topupLimits: number[];
}

export interface GrantModel {
  grantId: string;
  amount: number;
  effectiveOn: BillingDay;
  expiresOn: BillingDay | null;
  description: string;
  /** How it left: null while it may still pay. */
  ended: null | 'expired' | 'voided' | 'used';
}

export interface AdjustmentModel {
  adjustmentId: string;
  amount: number;
  description: string;
  date: BillingDay;
  balanceAfter: number;
}

/** A webhook endpoint as the model knows it: which events it must get. */
export interface WebhookModel {
  projectIdx: number;
  webhookId: string;
  url: string;
  /** null: every type. */
  types: EventType[] | null;
  /** The project's last event sequence when it was made: it gets the events after it. */
  firstCursor: number;
  secret: string;
}

export interface PaymentModel {
  paymentId: string;
  projectIdx: number;
  amount: number;
  /** The balance the first answer reported. */
  balanceAfter: number;
  date: BillingDay;
}

export interface EventModel {
  event: UsageEvent;
  projectIdx: number;
  cost: number;
  day: BillingDay;
  debited: boolean;
  countedOn?: BillingDay;
}

/** The day an event is counted on (docs/api.md): its own day, or the first day not yet closed. */
export function countedOn(day: BillingDay, chargedThrough: BillingDay): BillingDay {
  const firstOpen = addDays(chargedThrough, 1);
  return day > firstOpen ? day : firstOpen;
}

/** The ledger's order: sort key `<date>#<entryId>`. */
export function ledgerKey(e: Pick<LedgerEntry, 'date' | 'entryId'>): string {
  return `${e.date}#${e.entryId}`;
}

export class Model {
  readonly projects: ProjectModel[] = [];
  readonly payments = new Map<string, PaymentModel>();
  readonly paymentOrder: string[] = [];
  readonly events = new Map<string, EventModel>();
  readonly eventOrder: string[] = [];
  /** Every plan's versions, by planId (withdrawn ones are not kept). */
  readonly plans = new Map<string, PlanVersion[]>();
  /** Plans some project has been on: no version for a begun day any more. */
  readonly used = new Set<string>();
  nextEvent = 0;
  nextPayment = 0;
  /** Events sent in POST /usage, duplicates included. */
  posted = 0;
  /** Webhook endpoints, in order of creation (a retried POST may have made more than one). */
  readonly webhooks: WebhookModel[] = [];

  constructor(readonly zone: string, standard: PlanVersion) {
    this.plans.set(standard.planId, [standard]);
  }

  /** The prices of `day` for `p`: the version in force then of the plan `p` is on then. */
  pricesOn(p: ProjectModel, day: BillingDay): PlanVersion {
    return this.versionOf(planOn(p.plans, day), day)!;
  }

  raterOn(p: ProjectModel, day: BillingDay): Rater {
    return raterFor(this.pricesOn(p, day).tariff);
  }

  project(idx: number): ProjectModel {
    return this.projects[idx % this.projects.length]!;
  }

  addProject(p: Omit<ProjectModel, 'idx' | 'paid' | 'charges' | 'debited' | 'paymentIds' | 'eventIds' | 'changes' | 'closed' | 'chargedThrough' | 'plans' | 'rules' | 'corrections' | 'correctionEvents' | 'grants' | 'adjustments' | 'refunds' | 'topupLimits'>, today: BillingDay): ProjectModel {
    const from = p.billingStartDate < today ? p.billingStartDate : today;
    const project: ProjectModel = {
      ...p, idx: this.projects.length, chargedThrough: addDays(p.billingStartDate, -1),
      paid: 0, charges: 0, debited: 0, paymentIds: [], eventIds: [], changes: [], closed: new Map(),
      plans: [{ from, planId: 'standard', seq: 1 }], rules: NO_ALERTS,
      corrections: [], correctionEvents: [], grants: [], adjustments: [], refunds: new Map(), topupLimits: [],
    };
    this.projects.push(project);
    return project;
  }

  balance(p: ProjectModel): number {
    return p.paid + p.charges - p.debited + this.corrected(p);
  }

  /** The balance effect of the corrections, refunds and grants (and their expiries and voids). */
  corrected(p: ProjectModel): number {
    return p.corrections.reduce((s, e) => s + e.amount, 0);
  }

  /** A correction's ledger entry and the key of its event. */
  addCorrection(p: ProjectModel, entry: LedgerEntry, eventKey: string): void {
    p.corrections.push(entry);
    p.correctionEvents.push(eventKey);
  }

  statusOf(p: ProjectModel): 'active' | 'blocked' {
    return this.balance(p) < -p.creditLimit ? 'blocked' : 'active';
  }

  timeline(p: ProjectModel): Timeline {
    return { changes: p.changes, sessions: [], zone: this.zone };
  }

  addChange(p: ProjectModel, change: TimelineChange): void {
    // seq as the store gives it (the project's creation wrote seq 1): later writes win at the same instant.
    p.changes.push({ ...change, seq: p.changes.length + 2 });
  }

  /** A plan move from `from`: a timeline change (it holds nothing) and the project's list of plans. */
  movePlan(p: ProjectModel, planId: string, from: BillingDay, atIso: string): void {
    this.addChange(p, { kind: 'plan', at: atIso, planId, effectiveFrom: from });
    p.plans.push({ from, planId, seq: Math.max(...p.plans.map((x) => x.seq)) + 1 });
  }

  /** A plan's version in force on `day`. */
  versionOf(planId: string, day: BillingDay): PlanVersion | undefined {
    const versions = this.plans.get(planId);
    const ref = versions && versionOn(versions, day);
    return ref ? versions!.find((v) => v.version === ref.version) : undefined;
  }

  /** True when `day` is already charged for `p` (a change into it is a 409). */
  isCharged(p: ProjectModel, day: BillingDay): boolean {
    return p.chargedThrough >= p.billingStartDate && day <= p.chargedThrough;
  }

  /** The nightly charge as the model sees it: every day after chargedThrough up to `day`, once. */
  closeThrough(p: ProjectModel, day: BillingDay): BillingDay[] {
    const days: BillingDay[] = [];
    for (let d = addDays(p.chargedThrough, 1); d <= day; d = addDays(d, 1)) {
      const lines = chargeDay(this.timeline(p), this.pricesOn(p, d), d);
      p.closed.set(d, lines);
      p.charges += chargeTotal(lines);
      p.chargedThrough = d;
      days.push(d);
    }
    return days;
  }

  addPayment(p: ProjectModel, pay: PaymentModel): void {
    this.payments.set(pay.paymentId, pay);
    this.paymentOrder.push(pay.paymentId);
    p.paymentIds.push(pay.paymentId);
    p.paid += pay.amount;
  }

  /** Stores a new event (the first occurrence of its id wins, as at ingestion). */
  addEvent(event: UsageEvent, projectIdx: number, day: BillingDay): EventModel {
    const e: EventModel = { event, projectIdx, cost: this.raterOn(this.projects[projectIdx]!, day).rate(event), day, debited: false };
    this.events.set(event.eventId, e);
    this.eventOrder.push(event.eventId);
    this.projects[projectIdx]!.eventIds.push(event.eventId);
    return e;
  }

  markDebited(e: EventModel, day: BillingDay): void {
    if (e.debited) throw new Error(`model: ${e.event.eventId} debited twice`);
    e.debited = true;
    e.countedOn = day;
    this.projects[e.projectIdx]!.debited += e.cost;
  }

  /** Debited events per counted day: {total, events}, what the telecom totals and lines must say. */
  telecomByDay(p: ProjectModel): Map<BillingDay, { total: number; events: number }> {
    const out = new Map<BillingDay, { total: number; events: number }>();
    for (const id of p.eventIds) {
      const e = this.events.get(id)!;
      if (!e.debited) continue;
      const t = out.get(e.countedOn!) ?? { total: 0, events: 0 };
      out.set(e.countedOn!, { total: t.total + e.cost, events: t.events + 1 });
    }
    return out;
  }

  /** Every ledger entry the project must have, in the ledger's order. */
  expectedLedger(p: ProjectModel): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const id of p.paymentIds) {
      const pay = this.payments.get(id)!;
      out.push({ entryId: `payment#${id}`, date: pay.date, type: 'payment', description: `Payment ${id}`, amount: pay.amount, balanceEffect: true });
    }
    out.push(...p.corrections);
    const telecom = this.telecomByDay(p);
    for (const [day, lines] of p.closed) {
      out.push(...lines, telecomDailyLine(day, telecom.get(day)?.total ?? 0));
    }
    return out.sort((a, b) => (ledgerKey(a) < ledgerKey(b) ? -1 : ledgerKey(a) > ledgerKey(b) ? 1 : 0));
  }

  undebited(): EventModel[] {
    return this.eventOrder.map((id) => this.events.get(id)!).filter((e) => !e.debited);
  }
}
