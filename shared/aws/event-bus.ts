/**
 * The EventBridge publisher behind `runtime().events` in Lambda (EVENT_BUS_NAME set). Its own module,
 * linked only into the functions that publish (shared/billing/events.ts imports it),
 * so the EventBridge client is not bundled into the other functions (bench/bundle.ts: ~56 KB each).
 * Importing it registers it with shared/runtime.ts.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { registerDefaultPublisher, type EventPublisher } from '../runtime';

/** Entries PutEvents refused (it answers 200 with `FailedEntryCount` and per-entry error codes). */
export class PublishFailed extends Error {
  constructor(readonly failed: { type: string; errorCode?: string }[]) {
    super(`EventBridge refused ${failed.length} event(s): ${failed.map((f) => `${f.type} (${f.errorCode ?? 'unknown'})`).join(', ')}`);
    this.name = 'PublishFailed';
  }
}

/**
 * Publishes to `bus`, 10 entries a PutEvents call (its limit); the client is made on first use. A
 * call that refused some entries throws PublishFailed naming them: the caller's retry (the outbox
 * reader's batch) publishes again instead of losing them quietly.
 */
export function eventBridgePublisher(bus: string, makeClient: () => Pick<EventBridgeClient, 'send'> = () => new EventBridgeClient({})): EventPublisher {
  let client: Pick<EventBridgeClient, 'send'> | undefined;
  return {
    async publish(events) {
      if (events.length === 0) return;
      client ??= makeClient();
      const failed: { type: string; errorCode?: string }[] = [];
      for (let i = 0; i < events.length; i += 10) {
        const chunk = events.slice(i, i + 10);
        const out = await client.send(new PutEventsCommand({
          Entries: chunk.map((e) => ({ EventBusName: bus, Source: 'paygo', DetailType: e.type, Detail: JSON.stringify(e.detail) })),
        }));
        if ((out.FailedEntryCount ?? 0) > 0) {
          (out.Entries ?? []).forEach((entry, j) => { if (entry.ErrorCode) failed.push({ type: chunk[j]!.type, errorCode: entry.ErrorCode }); });
          if (failed.length === 0) failed.push({ type: 'unknown', errorCode: `${out.FailedEntryCount} failed` });
        }
      }
      if (failed.length > 0) throw new PublishFailed(failed);
    },
  };
}

registerDefaultPublisher(eventBridgePublisher);
