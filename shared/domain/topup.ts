/**
 * Auto top-up (docs/api.md "Auto top-up"): paygo decides when and how much, the operator's payment
 * service takes the money. The decision is made in the transaction that moves the balance, from the
 * balance before and after it (as balance.low is), on the rule's state kept in the project item, so a
 * crossing requests one top-up however the move is retried, at most one is outstanding, and the
 * month's requests never pass the limit.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { draft, type EventDraft } from './events';
import { Money, PositiveMoney } from './money';

export const MAX_TOPUP_FAILURES = 3;

export const TopupRuleInput = z.strictObject({
  below: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({ description: 'a top-up is requested when a movement takes the balance from >= below to < below' }),
  amount: PositiveMoney,
  monthlyLimit: PositiveMoney.meta({ description: 'the top-ups requested in a calendar month add up to at most this; >= amount' }),
}).refine((r) => r.monthlyLimit >= r.amount, { message: 'monthlyLimit must be at least amount', path: ['monthlyLimit'] });
export type TopupRuleInput = z.infer<typeof TopupRuleInput>;

export const Outstanding = z.object({ topupId: z.string(), amount: PositiveMoney, requestedAt: z.string() });
export type Outstanding = z.infer<typeof Outstanding>;

export const TopupRuleView = z.object({
  below: Money,
  amount: PositiveMoney,
  monthlyLimit: PositiveMoney,
  status: z.enum(['active', 'disabled']),
  outstanding: Outstanding.nullable(),
  requestedThisMonth: Money,
}).meta({ id: 'AutoTopup' });
export type TopupRuleView = z.infer<typeof TopupRuleView>;

/** The rule and its state, as the project item keeps it. */
export interface TopupRule {
  below: Money;
  amount: Money;
  monthlyLimit: Money;
  status: 'active' | 'disabled';
  /** Failed top-ups in a row. */
  failures: number;
  outstanding: Outstanding | null;
  /** The calendar month (YYYY-MM) `requestedThisMonth` counts. */
  month: string;
  requestedThisMonth: Money;
  /** The month topup.limit_reached was emitted for (once a month). */
  limitReachedMonth?: string;
  /**
   * The rule was removed (PUT null): it requests nothing and reads as null, but its month's counters
   * and what is outstanding stay, so removing and putting a rule again never passes the month's limit.
   */
  removed?: boolean;
}

export function viewOf(rule: TopupRule, month: string): TopupRuleView {
  return {
    below: rule.below, amount: rule.amount, monthlyLimit: rule.monthlyLimit, status: rule.status,
    outstanding: rule.outstanding, requestedThisMonth: rule.month === month ? rule.requestedThisMonth : 0,
  };
}

/** The top-up id of the request made by the write that gives `projectId` version `version`: one cause, one id. */
export function topupIdOf(projectId: string, version: number): string {
  return `tu_${createHash('sha256').update(`${projectId}\u0000topup\u0000${version}`).digest('base64url').slice(0, 24)}`;
}

export interface TopupMove {
  projectId: string;
  /** The balance before and after the move. */
  before: Money;
  after: Money;
  /** The version the move's write gives the project. */
  version: number;
  /** This write settles the outstanding top-up (paid or failed): the next may be requested at once. */
  settled: boolean;
  month: string;
  nowIso: string;
}

/**
 * The rule's state after a move, and the events it causes: topup.requested when the balance crosses
 * `below` (or a settled top-up leaves it below) and none is outstanding, within the month's limit;
 * topup.limit_reached, once a month, for the first request the limit refuses. Unchanged: `changed` false.
 */
export function topupDecision(rule: TopupRule | undefined, move: TopupMove): { rule: TopupRule | undefined; drafts: EventDraft[]; changed: boolean } {
  if (!rule || rule.removed || rule.status !== 'active' || rule.outstanding) return { rule, drafts: [], changed: false };
  const crossed = move.after < rule.below && (move.before >= rule.below || move.settled);
  if (!crossed) return { rule, drafts: [], changed: false };
  const requested = rule.month === move.month ? rule.requestedThisMonth : 0;
  if (requested + rule.amount > rule.monthlyLimit) {
    if (rule.limitReachedMonth === move.month) return { rule, drafts: [], changed: false };
    return {
      rule: { ...rule, month: move.month, requestedThisMonth: requested, limitReachedMonth: move.month },
      drafts: [draft('topup.limit_reached', { month: move.month, monthlyLimit: rule.monthlyLimit }, `topup.limit_reached#${move.month}`)],
      changed: true,
    };
  }
  const topupId = topupIdOf(move.projectId, move.version);
  return {
    rule: { ...rule, month: move.month, requestedThisMonth: requested + rule.amount, outstanding: { topupId, amount: rule.amount, requestedAt: move.nowIso } },
    drafts: [draft('topup.requested', { topupId, amount: rule.amount, balance: move.after, below: rule.below }, `topup#${topupId}`)],
    changed: true,
  };
}
