/**
 * The process-wide dependencies a handler needs, made once per cold start: the DynamoDB document
 * client, the event publisher, the charge and delivery queues and the clock. The local twin and the tests replace
 * any of them with `setRuntime` before they call a handler (a fault-injecting client, an in-process
 * queue, a fixed clock); in Lambda the defaults below are used.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from './config';
import type { SecretBox } from './delivery/secret-box';
import { tracer } from './observability';

/** What goes to the operator's bus: `type` as the detail-type, `detail` as the detail. */
export interface BusEvent {
  type: string;
  detail: Record<string, unknown>;
}

export interface EventPublisher {
  publish(events: BusEvent[]): Promise<void>;
}

/**
 * Work for the webhook delivery function. `drain`: deliver a webhook's events after its cursor, in
 * sequence order (sent by the outbox reader when events arrive, and by the delivery itself to come
 * back for a retry that is due or to carry on). `redeliver`: one event again, outside that order
 * (`POST /projects/{id}/events/{eventId}/redeliver`), attempt `attempt`, due at `dueAt` (epoch ms).
 */
export type DeliveryMessage =
  | { kind: 'drain'; projectId: string; webhookId: string }
  | { kind: 'redeliver'; projectId: string; webhookId: string; eventId: string; sequence: number; attempt: number; dueAt: number };

export interface DeliveryQueue {
  /** Each message becomes visible after its `delaySeconds` (0..900, SQS's range). */
  send(entries: { message: DeliveryMessage; delaySeconds: number }[]): Promise<void>;
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
  deliveryQueue: DeliveryQueue;
  /** Seals and opens webhook secrets (KMS on AWS). */
  secrets: SecretBox;
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
  // One X-Ray subsegment per DynamoDB call in Lambda; the tracer is off elsewhere, and so is this.
  if (!endpoint) tracer.captureAWSv3Client(client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function runtime(): Runtime {
  current.doc ??= makeDocumentClient();
  current.events ??= defaultPublisher();
  current.chargeQueue ??= defaultChargeQueue();
  current.deliveryQueue ??= defaultDeliveryQueue();
  current.secrets ??= defaultSecretBox();
  current.now ??= Date.now;
  return current as Runtime;
}

/**
 * The AWS-backed defaults live in their own modules (shared/aws/event-bus.ts, shared/aws/charge-queue.ts),
 * which register here when imported: only the functions that publish or enqueue import them, so the
 * EventBridge and SQS clients are bundled into those functions alone.
 */
let publisherFactory: ((bus: string) => EventPublisher) | undefined;
let chargeQueueFactory: ((url: string) => ChargeQueue) | undefined;
let deliveryQueueFactory: ((url: string) => DeliveryQueue) | undefined;
let secretBoxFactory: (() => SecretBox) | undefined;

/** Called by shared/aws/event-bus.ts on import: how to publish when EVENT_BUS_NAME is set. */
export function registerDefaultPublisher(factory: (bus: string) => EventPublisher): void {
  publisherFactory = factory;
}

/** Called by shared/aws/charge-queue.ts on import: how to enqueue when CHARGE_QUEUE_URL is set. */
export function registerDefaultChargeQueue(factory: (url: string) => ChargeQueue): void {
  chargeQueueFactory = factory;
}

/** Called by shared/aws/delivery-queue.ts on import: how to enqueue when DELIVERY_QUEUE_URL is set. */
export function registerDefaultDeliveryQueue(factory: (url: string) => DeliveryQueue): void {
  deliveryQueueFactory = factory;
}

/** Called by shared/aws/kms-secret-box.ts on import: how to seal and open webhook secrets in Lambda. */
export function registerDefaultSecretBox(factory: () => SecretBox): void {
  secretBoxFactory = factory;
}

function defaultPublisher(): EventPublisher {
  const bus = config().EVENT_BUS_NAME;
  if (!bus) return { publish: async () => undefined };
  let publisher: EventPublisher | undefined;
  return {
    async publish(events) {
      if (events.length === 0) return;
      if (!publisherFactory) throw new Error('EVENT_BUS_NAME is set but this function does not link the EventBridge publisher (import shared/aws/event-bus)');
      publisher ??= publisherFactory(bus);
      await publisher.publish(events);
    },
  };
}

function defaultChargeQueue(): ChargeQueue {
  const url = config().CHARGE_QUEUE_URL;
  let queue: ChargeQueue | undefined;
  return {
    async send(messages) {
      if (!url) throw new Error('CHARGE_QUEUE_URL is not set and no charge queue was injected');
      if (!chargeQueueFactory) throw new Error('CHARGE_QUEUE_URL is set but this function does not link the SQS charge queue (import shared/aws/charge-queue)');
      queue ??= chargeQueueFactory(url);
      await queue.send(messages);
    },
  };
}

function defaultDeliveryQueue(): DeliveryQueue {
  const url = config().DELIVERY_QUEUE_URL;
  let queue: DeliveryQueue | undefined;
  return {
    async send(entries) {
      if (!url) throw new Error('DELIVERY_QUEUE_URL is not set and no delivery queue was injected');
      if (!deliveryQueueFactory) throw new Error('DELIVERY_QUEUE_URL is set but this function does not link the SQS delivery queue (import shared/aws/delivery-queue)');
      queue ??= deliveryQueueFactory(url);
      await queue.send(entries);
    },
  };
}

function defaultSecretBox(): SecretBox {
  let box: SecretBox | undefined;
  const get = (): SecretBox => {
    if (!secretBoxFactory) throw new Error('this function does not link a secret box (import shared/aws/kms-secret-box) and none was injected');
    return (box ??= secretBoxFactory());
  };
  return { seal: (plaintext, context) => get().seal(plaintext, context), open: (sealed, context) => get().open(sealed, context) };
}
