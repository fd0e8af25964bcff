import { Duration, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, MetricType, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import { secureQueue } from './secure-queue';
import type { PaygoTables } from './tables';

/** Props of {@link EventDelivery}. */
export interface EventDeliveryProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  readonly eventBus: IEventBus;
  /** Seals webhook secrets (kept in the data stack: without it no stored secret opens again). */
  readonly secretKey: IKey;
  /** @default Duration.minutes(3) — a batch of 10 attempts to one slow endpoint, 10 s each, one after another */
  readonly deliveryTimeout?: Duration;
  /** @default 5 — receives before a delivery message that could not be attempted or logged is parked */
  readonly maxReceiveCount?: number;
}

/**
 * Events out of paygo (docs/reliability.md "Events"): the Events table's stream → the outbox reader
 * (the operator's bus, and one delivery message per matching webhook) → the delivery queue → the
 * delivery function, which signs, POSTs, logs and queues its own retries with SQS delays. The key
 * that seals webhook secrets lives here: the API seals with it, only the delivery function opens.
 */
export class EventDelivery extends Construct {
  readonly relayFunction: PaygoFunction;
  readonly relaySource: DynamoEventSource;
  /** Stream batches the relay gave up on (their keys: the events are still in the table to redeliver). */
  readonly relayFailureQueue: Queue;
  readonly deliveryFunction: PaygoFunction;
  readonly deliveryQueue: Queue;
  readonly deliveryDeadLetterQueue: Queue;
  readonly secretKey: IKey;

  constructor(scope: Construct, id: string, props: EventDeliveryProps) {
    super(scope, id);
    const deliveryTimeout = props.deliveryTimeout ?? Duration.minutes(3);

    this.secretKey = props.secretKey;

    this.deliveryDeadLetterQueue = secureQueue(this, 'DeliveryDeadLetterQueue');
    this.deliveryQueue = secureQueue(this, 'DeliveryQueue', {
      // AWS's rule for Lambda consumers: at least 6× the function timeout.
      visibilityTimeout: Duration.seconds(deliveryTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });

    this.relayFunction = new PaygoFunction(this, WORKERS.relayEvents.name, {
      entry: WORKERS.relayEvents.entry,
      settings: props.settings,
      timeout: Duration.seconds(60),
      description: 'Relays new project events from the Events stream to the bus and the webhook delivery queue',
    }).bindDeclared(WORKERS.relayEvents, { tables: props.tables, eventBus: props.eventBus, deliveryQueue: this.deliveryQueue });

    this.relayFailureQueue = secureQueue(this, 'RelayFailureQueue');
    Validations.of(this.relayFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is itself a dead-letter queue (the outbox reader's on-failure destination), alarmed when not empty; a DLQ of a DLQ would only hide the messages.",
    });
    this.relaySource = new DynamoEventSource(props.tables.events.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // One batch per shard at a time: a project's events stay in sequence order.
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 10,
      // A day: the stream keeps 24 h; an event older than that is still in the table, redeliverable by id.
      maxRecordAge: Duration.hours(24),
      onFailure: new SqsDlq(this.relayFailureQueue),
      // New events only: TTL deletions arrive as REMOVE.
      filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    });
    this.relayFunction.addEventSource(this.relaySource);

    this.deliveryFunction = new PaygoFunction(this, WORKERS.deliverWebhooks.name, {
      entry: WORKERS.deliverWebhooks.entry,
      settings: props.settings,
      timeout: deliveryTimeout,
      description: 'Delivers project events to webhooks: signs, POSTs to public addresses only, logs, queues retries',
    }).bindDeclared(WORKERS.deliverWebhooks, { tables: props.tables, deliveryQueue: this.deliveryQueue, secretKey: this.secretKey });
    this.deliveryFunction.addEventSource(new SqsEventSource(this.deliveryQueue, {
      batchSize: 10,
      reportBatchItemFailures: true,
      // Bounded: a burst of events must not become a burst of connections to customers' receivers.
      maxConcurrency: 20,
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    }));
  }
}
