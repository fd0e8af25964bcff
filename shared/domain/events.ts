/**
 * Project events (docs/api.md "Events, webhooks and alerts"): whatever changes a project's money or
 * what it pays for, as typed records customers build on. One zod schema per type, all in one
 * discriminated union; a change of a type's `data` that could break a consumer is a new type, never an
 * edit of the old one (the names below are version 1 of each).
 *
 * The domain decides WHICH events a change causes (drafts: a type, its data and the cause that makes
 * the event unique); the store gives each its sequence and id and writes it in the change's own
 * transaction (shared/store/events.ts), so an event exists if and only if its change committed.
 *
 * Alerts are decided here too, from the state before and after a move: a crossing is seen only by the
 * one transaction that makes it, because every move of the balance is conditioned on the version it
 * read (shared/store/commit.ts), so a crossing is announced exactly once however the move is retried.
 */
import * as z from 'zod';
import { daysBetween, type BillingDay } from './billing-days';
import { Money, PositiveMoney } from './money';
import type { ProjectStatus } from './project';
import type { TimelineChange } from './types';
import { Day, E164, Instant } from './values';

export const EVENT_TYPES = [
  'payment.received', 'day.charged', 'project.blocked', 'project.unblocked', 'balance.low', 'runway.low',
  'spend_cap.reached', 'product.changed', 'number.added', 'number.removed', 'plan.changed',
  'adjustment.made', 'usage.refunded', 'usage.underpaid', 'credit.granted', 'credit.expired', 'credit.voided',
  'topup.requested', 'topup.failed', 'topup.limit_reached', 'topup.disabled',
  'webhook.disabled',
  'statement.ready',
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

const StatusData = z.object({ balance: Money, creditLimit: Money });
const NumberData = z.object({ number: E164, type: z.string().optional(), effectiveAt: Instant });

/** Each type's `data`, version 1. */
export const EVENT_DATA = {
  'payment.received': z.object({ paymentId: z.string(), amount: PositiveMoney, balance: Money, topupId: z.string().optional().meta({ description: 'present when the payment settles an auto top-up' }) }),
  'day.charged': z.object({ date: Day, amount: Money, telecomTotal: Money, balance: Money }),
  'project.blocked': StatusData,
  'project.unblocked': StatusData,
  'balance.low': z.object({ balance: Money, threshold: Money }),
  'runway.low': z.object({ balance: Money, balanceRunsOutOn: Day, days: z.number().int().min(0) }),
  'spend_cap.reached': z.object({ date: Day, telecomTotal: Money, cap: PositiveMoney }),
  'product.changed': z.object({ productId: z.string(), enabled: z.boolean(), seats: z.number().int().min(0).optional(), effectiveAt: Instant }),
  'number.added': NumberData,
  'number.removed': NumberData,
  'plan.changed': z.object({ planId: z.string(), effectiveFrom: Day }),
  'adjustment.made': z.object({ adjustmentId: z.string(), amount: Money, balance: Money }),
  'usage.refunded': z.object({ eventId: z.string(), amount: PositiveMoney, balance: Money }),
  /**
   * Accepted usage whose cost the balance could not hold in full (it stops at -(2^53 - 1) minor
   * units): each event debited as far as it went; `unpaid` is the rest, never debited.
   */
  'usage.underpaid': z.object({
    events: z.array(z.object({ eventId: z.string(), cost: Money, debited: Money })).min(1),
    unpaid: PositiveMoney,
    balance: Money,
  }),
  'credit.granted': z.object({ grantId: z.string(), amount: PositiveMoney, expiresOn: Day.nullable(), balance: Money }),
  'credit.expired': z.object({ grantId: z.string(), amount: Money, balance: Money }),
  'credit.voided': z.object({ grantId: z.string(), amount: Money, balance: Money }),
  'topup.requested': z.object({ topupId: z.string(), amount: PositiveMoney, balance: Money, below: Money }),
  'topup.failed': z.object({ topupId: z.string(), amount: PositiveMoney, reason: z.string() }),
  'topup.limit_reached': z.object({ month: z.string(), monthlyLimit: Money }),
  'topup.disabled': z.object({ failures: z.number().int().min(1) }),
  /** `reason`: `gone` (the receiver answered 410) or `failing` (5 days of failures in a row). */
  'webhook.disabled': z.object({ webhookId: z.string(), reason: z.enum(['gone', 'failing']) }),
  'statement.ready': z.object({ month: z.string(), closingBalance: Money }),
} as const satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

/** The schema name of a type in the OpenAPI document: `payment.received` → `PaymentReceivedEvent`. */
export function eventSchemaName(type: EventType): string {
  return `${type.split(/[._]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}Event`;
}

function envelope<T extends EventType>(type: T) {
  return z.object({
    eventId: z.string().meta({ description: 'unique and stable: the `webhook-id` of its deliveries; deduplicate on it' }),
    type: z.literal(type),
    projectId: z.string(),
    sequence: z.number().int().positive().meta({ description: "grows with every event of the project (gaps allowed): order by it" }),
    occurredAt: Instant,
    data: EVENT_DATA[type],
  }).meta({ id: eventSchemaName(type) });
}

const ENVELOPES = EVENT_TYPES.map(envelope) as unknown as readonly [ReturnType<typeof envelope<EventType>>, ...ReturnType<typeof envelope<EventType>>[]];
export const ProjectEvent = z.discriminatedUnion('type', ENVELOPES).meta({ id: 'Event' });
/** An event as stored, listed and delivered. */
export type ProjectEvent = { [T in EventType]: { eventId: string; type: T; projectId: string; sequence: number; occurredAt: string; data: EventData<T> } }[EventType];

/** The schema of one type's envelope (the OpenAPI `webhooks` section describes each). */
export function eventSchemaOf(type: EventType): z.ZodType {
  return ENVELOPES[EVENT_TYPES.indexOf(type)]!;
}

/**
 * An event as a change decides it. `cause` names what happened, uniquely within the project
 * (`payment#<paymentId>`, `day#<date>`, `v<version>#…` for a move of the balance): the event's id is
 * derived from it, so the same cause can never make two events.
 */
export type EventDraft = { [T in EventType]: { type: T; data: EventData<T>; cause: string } }[EventType];

/** A draft of `type`, typed by it. */
export function draft<T extends EventType>(type: T, data: EventData<T>, cause: string): EventDraft {
  return { type, data, cause } as EventDraft;
}

/** The event of a change of what the project pays for, unique by the change's instant and order. */
export function changeDraft(change: TimelineChange): EventDraft {
  const cause = `change#${change.at}#${change.seq ?? 0}`;
  switch (change.kind) {
    case 'product':
      return draft('product.changed', { productId: change.productId, enabled: change.enabled, ...(change.seats !== undefined ? { seats: change.seats } : {}), effectiveAt: change.at }, cause);
    case 'number':
      return draft(change.held ? 'number.added' : 'number.removed', { number: change.number, type: change.numberType, effectiveAt: change.at }, cause);
    case 'plan':
      return draft('plan.changed', { planId: change.planId, effectiveFrom: change.effectiveFrom }, cause);
  }
}

// --- alert rules

export const MAX_BALANCE_THRESHOLDS = 10;

/** `PUT /projects/{id}/alerts`: the whole rule set; a rule null or absent is off. */
export const AlertRulesInput = z.strictObject({
  balanceBelow: z.array(Money).max(MAX_BALANCE_THRESHOLDS).nullable().optional()
    .meta({ description: `balance thresholds (minor units, at most ${MAX_BALANCE_THRESHOLDS}): balance.low when the balance falls below one` }),
  runwayDays: z.number().int().min(1).max(366).nullable().optional()
    .meta({ description: 'runway.low when, after a night, the forecast runs the balance out within this many days' }),
  dailySpendCap: PositiveMoney.nullable().optional()
    .meta({ description: "a billing day's calls and SMS at most this much: authorize refuses once reached" }),
});
export type AlertRulesInput = z.infer<typeof AlertRulesInput>;

/** The rules as stored and answered: every rule present, null when off. */
export const AlertRules = z.object({
  balanceBelow: z.array(Money).nullable(),
  runwayDays: z.number().int().min(1).max(366).nullable(),
  dailySpendCap: PositiveMoney.nullable(),
}).meta({ id: 'AlertRules' });
export type AlertRules = z.infer<typeof AlertRules>;

export const NO_ALERTS: AlertRules = { balanceBelow: null, runwayDays: null, dailySpendCap: null };

/** Thresholds deduplicated and highest first (the order a falling balance crosses them); none is off. */
export function normalizeRules(input: AlertRulesInput): AlertRules {
  const thresholds = [...new Set(input.balanceBelow ?? [])].sort((a, b) => b - a);
  return { balanceBelow: thresholds.length > 0 ? thresholds : null, runwayDays: input.runwayDays ?? null, dailySpendCap: input.dailySpendCap ?? null };
}

/**
 * What alerts remember between moves, beside the balance. A balance threshold needs nothing: it is
 * armed exactly while the balance is at or above it, so the balance itself is its state.
 */
export interface AlertState {
  /** runway.low fired and the runway has not been longer than runwayDays since. */
  runwayLow?: boolean;
  /** Open billing days whose spend cap was reached (at most once per day, even if the cap is raised and reached again). */
  spendCapDays?: BillingDay[];
}

/**
 * The most events one write can carry: its own (a payment, a day), a status change, every balance
 * threshold, and a spend cap on two open days (a debit chunk spans today and a late yesterday).
 */
export const MAX_EVENTS_PER_WRITE = 1 + 1 + MAX_BALANCE_THRESHOLDS + 2;

/** How many event items a write for a project with these rules may need (what it keeps free of a transaction). */
export function eventRoom(rules: AlertRules, days = 1): number {
  return 1 + 1 + (rules.balanceBelow?.length ?? 0) + (rules.dailySpendCap !== null ? days : 0);
}

export interface BalanceSide { balance: Money; status: ProjectStatus; creditLimit: Money }

/**
 * The events of a move of the balance from `before` to `after`, made by the write that gives the
 * project `version`: a block or an unblock when the status changes, and balance.low for each threshold
 * the balance falls below (from `>= t` to `< t`; re-armed once it is back at or above `t`).
 */
export function balanceDrafts(before: BalanceSide, after: BalanceSide, rules: AlertRules, version: number): EventDraft[] {
  const out: EventDraft[] = [];
  // The thresholds first, highest first: the order a falling balance passes them, then the block.
  for (const threshold of rules.balanceBelow ?? []) {
    if (before.balance >= threshold && after.balance < threshold) out.push(draft('balance.low', { balance: after.balance, threshold }, `v${version}#balance.low#${threshold}`));
  }
  const status = { balance: after.balance, creditLimit: after.creditLimit };
  if (before.status !== 'blocked' && after.status === 'blocked') out.push(draft('project.blocked', status, `v${version}#blocked`));
  if (before.status === 'blocked' && after.status === 'active') out.push(draft('project.unblocked', status, `v${version}#unblocked`));
  return out;
}

/** One open day's running telecom total, before and after a debit. */
export interface DaySpend { day: BillingDay; before: Money; after: Money }

/**
 * spend_cap.reached for each day whose total reaches the cap with this debit and has not reached it
 * before; with the days to remember, only open ones (after `chargedThrough`) kept.
 */
export function spendCapDrafts(spends: readonly DaySpend[], cap: Money | null, state: AlertState, chargedThrough: BillingDay): { drafts: EventDraft[]; spendCapDays: BillingDay[] } {
  const fired = new Set((state.spendCapDays ?? []).filter((d) => d > chargedThrough));
  const drafts: EventDraft[] = [];
  if (cap !== null) {
    for (const s of spends) {
      if (fired.has(s.day) || s.before >= cap || s.after < cap) continue;
      fired.add(s.day);
      drafts.push(draft('spend_cap.reached', { date: s.day, telecomTotal: s.after, cap }, `spend_cap#${s.day}`));
    }
  }
  return { drafts, spendCapDays: [...fired].sort() };
}

/** Whole days from `today` to the day the balance runs out (0: it runs out today). */
export function runwayDaysLeft(today: BillingDay, runsOutOn: BillingDay): number {
  return Math.max(0, daysBetween(today, runsOutOn));
}

/**
 * runway.low after a night's charge: fires when the forecast runs the balance out within `runwayDays`
 * and it has not fired since the runway was last longer; re-arms once it is longer again. `cause`
 * makes it unique per write (the version the decision is written with).
 */
export function runwayDecision(rules: AlertRules, state: AlertState, forecast: { balance: Money; balanceRunsOutOn: BillingDay | null }, today: BillingDay, version: number): { low: boolean; draft?: EventDraft } {
  if (rules.runwayDays === null) return { low: false };
  const runsOut = forecast.balanceRunsOutOn;
  const days = runsOut === null ? null : runwayDaysLeft(today, runsOut);
  const low = days !== null && days <= rules.runwayDays;
  if (!low || state.runwayLow) return { low };
  return { low, draft: draft('runway.low', { balance: forecast.balance, balanceRunsOutOn: runsOut!, days: days! }, `v${version}#runway.low`) };
}

// --- notifications for the operator only (not project events)

/** The reconciler's finding, published to the operator's bus only (no project subscribes to it). */
export const ReconcileMismatch = z.object({
  projectId: z.string(),
  mismatches: z.number().int(),
  kinds: z.array(z.string()),
  settled: z.boolean(),
  /** The first mismatches, as the reconciler reports them (the log has them all). */
  first: z.array(z.record(z.string(), z.unknown())),
});
export type ReconcileMismatch = z.infer<typeof ReconcileMismatch>;
