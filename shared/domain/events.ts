/**
 * Domain events: what happened to a project's money, one zod schema per type, as one discriminated
 * union. They are notifications that follow a committed change (the record of the money is the
 * transaction); the bus (EventBridge on AWS, the console on the twin) carries `type` as the
 * detail-type and `detail` as the detail.
 */
import * as z from 'zod';
import { Money } from './money';
import type { ProjectStatus } from './project';
import { Currency, Day } from './values';

const BalanceDetail = z.object({ projectId: z.string(), currency: Currency, balance: Money, creditLimit: Money });

export const BalanceLow = z.object({ type: z.literal('BalanceLow'), detail: BalanceDetail.extend({ threshold: Money }) });
export const ProjectBlocked = z.object({ type: z.literal('ProjectBlocked'), detail: BalanceDetail });
export const ProjectUnblocked = z.object({ type: z.literal('ProjectUnblocked'), detail: BalanceDetail });
export const DayCharged = z.object({
  type: z.literal('DayCharged'),
  detail: z.object({ projectId: z.string(), currency: Currency, date: Day, amount: Money, telecomTotal: Money, balance: Money }),
});
export const ReconcileMismatch = z.object({
  type: z.literal('ReconcileMismatch'),
  detail: z.object({
    projectId: z.string(),
    mismatches: z.number().int(),
    kinds: z.array(z.string()),
    settled: z.boolean(),
    /** The first mismatches, as the reconciler reports them (the log has them all). */
    first: z.array(z.record(z.string(), z.unknown())),
  }),
});

export const DomainEvent = z.discriminatedUnion('type', [BalanceLow, ProjectBlocked, ProjectUnblocked, DayCharged, ReconcileMismatch]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type DomainEventType = DomainEvent['type'];

/** What the balance events need to know of the project before a move. */
export interface BalanceBefore {
  projectId: string;
  currency: string;
  creditLimit: Money;
  balance: Money;
  status: ProjectStatus;
}

/**
 * The events a move of the balance from `before` to `after` causes: a block or an unblock when the
 * status changes, and BalanceLow when the balance crosses `threshold` downwards. Only the change that
 * takes the balance over the line sees both sides, so each crossing is announced once.
 */
export function balanceEvents(before: BalanceBefore, after: { balance: Money; status: ProjectStatus }, threshold: Money): DomainEvent[] {
  const detail = { projectId: before.projectId, currency: before.currency, balance: after.balance, creditLimit: before.creditLimit };
  const out: DomainEvent[] = [];
  if (before.status !== 'blocked' && after.status === 'blocked') out.push({ type: 'ProjectBlocked', detail });
  if (before.status === 'blocked' && after.status === 'active') out.push({ type: 'ProjectUnblocked', detail });
  if (before.balance > threshold && after.balance <= threshold) out.push({ type: 'BalanceLow', detail: { ...detail, threshold } });
  return out;
}
