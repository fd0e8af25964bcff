/**
 * The EventBridge publisher behind `runtime().events` in Lambda (EVENT_BUS_NAME set). Its own module,
 * linked only into the functions that publish (shared/billing/events.ts imports it),
 * so the EventBridge client is not bundled into the other functions (bench/bundle.ts: ~56 KB each).
 * Importing it registers it with shared/runtime.ts.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { registerDefaultPublisher, type EventPublisher } from '../runtime';

/** Publishes to `bus`, 10 entries a PutEvents call (its limit); the client is made on first use. */
export function eventBridgePublisher(bus: string): EventPublisher {
  let client: EventBridgeClient | undefined;
  return {
    async publish(events) {
      if (events.length === 0) return;
      client ??= new EventBridgeClient({});
      for (let i = 0; i < events.length; i += 10) {
        await client.send(new PutEventsCommand({
          Entries: events.slice(i, i + 10).map((e) => ({ EventBusName: bus, Source: 'paygo', DetailType: e.type, Detail: JSON.stringify(e.detail) })),
        }));
      }
    },
  };
}

registerDefaultPublisher(eventBridgePublisher);
