/**
 * Operator notifications that are not project events (the reconciler's findings): published to the
 * operator's bus after the fact, best effort. Project events never go this way: they are written in
 * the transaction of their change and relayed from the outbox (./outbox.ts), so none is lost.
 */
import { errorMessage } from '../domain/errors';
import { logger } from '../logger';
import { runtime, type BusEvent } from '../runtime';
// Links the EventBridge publisher into the functions that publish (and only those).
import '../aws/event-bus';

/** Publishes, logging instead of throwing: what it reports is already in the log. */
export async function publishQuietly(events: readonly BusEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await runtime().events.publish([...events]);
  } catch (e) {
    logger.error('publishing operator notifications failed', { types: events.map((e) => e.type), error: errorMessage(e) });
  }
}
