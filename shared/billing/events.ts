/**
 * Publishing the domain events a committed change caused. They are notifications, not the record of
 * the money (that is the transaction): a failed publish is logged and never undoes or repeats a
 * movement.
 */
import { config } from '../config';
import { balanceEvents as eventsOfMove, type BalanceBefore, type DomainEvent } from '../domain/events';
import { errorMessage } from '../domain/errors';
import type { Money } from '../domain/money';
import type { ProjectStatus } from '../domain/project';
import { logger } from '../logger';
import { runtime } from '../runtime';
// Links the EventBridge publisher into the functions that publish (and only those).
import '../aws/event-bus';

/** The events of a balance move, with the deployment's BalanceLow threshold. */
export function balanceEvents(before: BalanceBefore, after: { balance: Money; status: ProjectStatus }): DomainEvent[] {
  return eventsOfMove(before, after, config().BALANCE_LOW_THRESHOLD);
}

/** Publishes, logging instead of throwing: the money has already moved. */
export async function publishQuietly(events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await runtime().events.publish([...events]);
  } catch (e) {
    logger.error('publishing domain events failed', { types: events.map((e) => e.type), error: errorMessage(e) });
  }
}
