/**
 * Domain events that follow a committed balance change. They are notifications, not the record of the
 * money (that is the transaction): a failed publish is logged and never undoes or repeats a movement.
 */
import { config } from '../config';
import type { Money } from '../domain/money';
import { errorMessage } from '../domain/errors';
import { logger } from '../logger';
import { runtime, type PaygoEvent } from '../runtime';
// Links the EventBridge publisher into the functions that publish (and only those).
import '../event-bus';
import type { ProjectItem } from './project-item';

/** The events a move of `before` to `after` (same project, consecutive versions) calls for. */
export function balanceEvents(before: ProjectItem, after: { balance: Money; status: 'active' | 'blocked' }): PaygoEvent[] {
  const detail = { projectId: before.projectId, currency: before.currency, balance: after.balance, creditLimit: before.creditLimit };
  const out: PaygoEvent[] = [];
  if (before.status !== 'blocked' && after.status === 'blocked') out.push({ type: 'ProjectBlocked', detail });
  if (before.status === 'blocked' && after.status === 'active') out.push({ type: 'ProjectUnblocked', detail });
  const threshold = config().BALANCE_LOW_THRESHOLD;
  // Published once per crossing: only the transaction that takes the balance over the line sees both sides.
  if (before.balance > threshold && after.balance <= threshold) out.push({ type: 'BalanceLow', detail: { ...detail, threshold } });
  return out;
}

/** Publishes, logging instead of throwing: the money has already moved. */
export async function publishQuietly(events: PaygoEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await runtime().events.publish(events);
  } catch (e) {
    logger.error('publishing domain events failed', { types: events.map((e) => e.type), error: errorMessage(e) });
  }
}
