/**
 * What every correction, refund and grant (docs/api.md "Credits, corrections and top-ups") shares:
 * the day it may be dated on, and the project update that moves the balance together with what the
 * grants have left, the events' count, and the alerts the move crosses (one version-conditioned
 * update: shared/store/projects.ts).
 */
import { isDayCharged, DayAlreadyCharged } from '../domain/project';
import type { BillingDay } from '../domain/billing-days';
import type { ActiveGrant } from '../domain/credits';
import { balanceDrafts, type EventDraft } from '../domain/events';
import type { Money } from '../domain/money';
import { topupDecision, type TopupRule } from '../domain/topup';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { eventWrites, type EventWrites } from '../store/events';
import { topupIdOf } from '../store/keys';
import { afterBalanceUpdate, alertRulesOf, balanceUpdate, type ProjectItem } from '../store/projects';
import { sumsAdds } from '../store/month-sums';
import type { Booking } from '../domain/statement';
import type { TransactItem } from '../store/transactions';

/** `date` (default today) if it is a day not yet closed for the project; else 409 day_already_charged. */
export function correctionDay(project: ProjectItem, date: BillingDay | undefined, today: BillingDay): BillingDay {
  const day = date ?? today;
  if (isDayCharged(project, day)) throw new DayAlreadyCharged(day, project.chargedThrough);
  return day;
}

/** The top-up decision of a move (shared/domain/topup.ts), with the SET that stores the rule's new state. */
export function topupFor(ctx: StoreContext, project: ProjectItem, after: Money, version: number, settledRule?: TopupRule): { drafts: EventDraft[]; set: string[]; values: Record<string, unknown>; rule: TopupRule | undefined } {
  const decided = topupDecision(settledRule ?? project.autoTopup, {
    projectId: project.projectId, before: project.balance, after, topupId: topupIdOf(project.projectId, version), settled: settledRule !== undefined, month: todayOf(ctx).slice(0, 7), nowIso: nowIso(ctx),
  });
  const store = decided.changed || settledRule !== undefined;
  return { drafts: decided.drafts, rule: decided.rule, set: store ? ['autoTopup = :autoTopup'] : [], values: store ? { ':autoTopup': decided.rule } : {} };
}

export interface Move {
  after: ProjectItem;
  events: EventWrites;
  /** The project's update: balance, status, version, grants (when given), event count. */
  update: TransactItem;
  /** What the booked lines add to their month's sums (none for a project that keeps none). */
  sums: TransactItem[];
}

/**
 * The move of `project`'s balance by `delta`, its own event drafts first, then the alerts it crosses and
 * the auto top-up it causes. `grants`/`grantSeq`, when given, replace what the project item holds;
 * `settledTopup`, the rule as this write leaves it after settling its outstanding top-up (the next one
 * may then be requested at once). `booked`: the ledger lines the transaction writes, for the month's
 * sums (required, `{}` for none: a line missing from the sums is missing from the statement).
 */
export function moveBalance(ctx: StoreContext, project: ProjectItem, delta: Money, own: (after: ProjectItem) => EventDraft[], occurredAt: string,
  opts: { booked: Booking; grants?: ActiveGrant[]; grantSeq?: number; settledTopup?: TopupRule }): Move {
  const extra: Partial<ProjectItem> = { ...(opts.grants ? { grants: opts.grants } : {}), ...(opts.grantSeq !== undefined ? { grantSeq: opts.grantSeq } : {}) };
  const moved0 = afterBalanceUpdate(project, delta, extra);
  const topup = topupFor(ctx, project, moved0.balance, moved0.version, opts.settledTopup);
  const moved = { ...moved0, ...(topup.set.length > 0 ? { autoTopup: topup.rule } : {}) };
  const events = eventWrites(ctx, project, [...own(moved), ...balanceDrafts(project, moved, alertRulesOf(project), moved.version), ...topup.drafts], occurredAt);
  const set: string[] = [...topup.set];
  const values: Record<string, unknown> = { ...topup.values };
  if (events.events.length > 0) { set.push('eventSeq = :eventSeq'); values[':eventSeq'] = events.eventSeq; }
  if (opts.grants) { set.push('grants = :grants'); values[':grants'] = opts.grants; }
  if (opts.grantSeq !== undefined) { set.push('grantSeq = :grantSeq'); values[':grantSeq'] = opts.grantSeq; }
  const sums = sumsAdds(ctx, project, opts.booked);
  return { after: { ...moved, eventSeq: events.eventSeq }, events, update: balanceUpdate(ctx.tables.projects, project, delta, { set, values }), sums };
}
