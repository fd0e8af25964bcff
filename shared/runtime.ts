/**
 * The process-wide dependencies a handler needs, made once per cold start: the DynamoDB document
 * client, the event publisher, the charge queue and the clock. The local twin and the tests replace
 * any of them with `setRuntime` before they call a handler (a fault-injecting client, an in-process
 * queue, a fixed clock); in Lambda the defaults below are used.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from './config';

/** A domain event for the EventBridge bus. */
export interface PaygoEvent {
  type: 'BalanceLow' | 'ProjectBlocked' | 'ProjectUnblocked' | 'DayCharged' | 'ReconcileMismatch';
  detail: Record<string, unknown>;
}

export interface EventPublisher {
  publish(events: PaygoEvent[]): Promise<void>;
}

/** A message for the charge-day function: charge the project up to and including `date`. */
export interface ChargeMessage { projectId: string; date: string }

export interface ChargeQueue {
  send(messages: ChargeMessage[]): Promise<void>;
}

export interface Runtime {
  doc: DynamoDBDocumentClient;
  events: EventPublisher;
  chargeQueue: ChargeQueue;
  /** Epoch milliseconds. */
  now: () => number;
}

let current: Partial<Runtime> = {};

export function setRuntime(overrides: Partial<Runtime>): void {
  current = { ...current, ...overrides };
}

export function resetRuntime(): void {
  current = {};
}

export function makeDocumentClient(endpoint = config().DYNAMODB_ENDPOINT): DynamoDBDocumentClient {
  const client = new DynamoDBClient(endpoint
    ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {});
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function runtime(): Runtime {
  current.doc ??= makeDocumentClient();
  current.events ??= defaultPublisher();
  current.chargeQueue ??= defaultChargeQueue();
  current.now ??= Date.now;
  return current as Runtime;
}

function defaultPublisher(): EventPublisher {
  const bus = config().EVENT_BUS_NAME;
  if (!bus) return { publish: async () => undefined };
  // Loaded lazily so functions that never publish do not pay for the client at cold start.
  return {
    async publish(events) {
      if (events.length === 0) return;
      const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
      const client = new EventBridgeClient({});
      for (let i = 0; i < events.length; i += 10) {
        await client.send(new PutEventsCommand({
          Entries: events.slice(i, i + 10).map((e) => ({ EventBusName: bus, Source: 'paygo', DetailType: e.type, Detail: JSON.stringify(e.detail) })),
        }));
      }
    },
  };
}

function defaultChargeQueue(): ChargeQueue {
  const url = config().CHARGE_QUEUE_URL;
  return {
    async send(messages) {
      if (!url) throw new Error('CHARGE_QUEUE_URL is not set and no charge queue was injected');
      const { SQSClient, SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
      const client = new SQSClient({});
      // SendMessageBatch takes at most 10 entries.
      for (let i = 0; i < messages.length; i += 10) {
        const batch = messages.slice(i, i + 10);
        const out = await client.send(new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((m, j) => ({ Id: String(j), MessageBody: JSON.stringify(m) })),
        }));
        if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} charge messages`);
      }
    },
  };
}
