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
import { type StoreContext } from '../store/context';
import { eventWrites, type EventWrites } from '../store/events';
import { afterBalanceUpdate, alertRulesOf, balanceUpdate, type ProjectItem } from '../store/projects';
import type { TransactItem } from '../store/transactions';

/** `date` (default today) if it is a day not yet closed for the project; else 409 day_already_charged. */
export function correctionDay(project: ProjectItem, date: BillingDay | undefined, today: BillingDay): BillingDay {
  const day = date ?? today;
  if (isDayCharged(project, day)) throw new DayAlreadyCharged(day, project.chargedThrough);
  return day;
}

export interface Move {
  after: ProjectItem;
  events: EventWrites;
  /** The project's update: balance, status, version, grants (when given), event count. */
  update: TransactItem;
}

/**
 * The move of `project`'s balance by `delta`, its own event drafts first, then the alerts it crosses.
 * `grants`/`grantSeq`, when given, replace what the project item holds.
 */
export function moveBalance(ctx: StoreContext, project: ProjectItem, delta: Money, own: (after: ProjectItem) => EventDraft[], occurredAt: string, opts: { grants?: ActiveGrant[]; grantSeq?: number } = {}): Move {
  const extra: Partial<ProjectItem> = { ...(opts.grants ? { grants: opts.grants } : {}), ...(opts.grantSeq !== undefined ? { grantSeq: opts.grantSeq } : {}) };
  const moved = afterBalanceUpdate(project, delta, extra);
  const events = eventWrites(ctx, project, [...own(moved), ...balanceDrafts(project, moved, alertRulesOf(project), moved.version)], occurredAt);
  const set: string[] = [];
  const values: Record<string, unknown> = {};
  if (events.events.length > 0) { set.push('eventSeq = :eventSeq'); values[':eventSeq'] = events.eventSeq; }
  if (opts.grants) { set.push('grants = :grants'); values[':grants'] = opts.grants; }
  if (opts.grantSeq !== undefined) { set.push('grantSeq = :grantSeq'); values[':grantSeq'] = opts.grantSeq; }
  return { after: { ...moved, eventSeq: events.eventSeq }, events, update: balanceUpdate(ctx.tables.projects, project, delta, { set, values }) };
}
