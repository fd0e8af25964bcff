import { Duration, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { MetricType } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ContextAttribute, type Schedule, type ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import { dailySchedule } from './daily-schedule';
import { secureQueue } from './secure-queue';
import type { PaygoTables } from './tables';

/** Props of {@link NightlyBilling}. */
export interface NightlyBillingProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  readonly eventBus: IEventBus;
  /** @default Duration.seconds(30) — one project's missed days, each one transaction */
  readonly chargeDayTimeout?: Duration;
  /** @default Duration.minutes(5) — pages through the shards of the byChargedThrough index */
  readonly fanOutTimeout?: Duration;
  /** @default 5 — receives before a charge message is parked in the DLQ */
  readonly maxReceiveCount?: number;
}

/**
 * The nightly charge (docs/reliability.md rules 9 and 10): EventBridge Scheduler at 00:05 in the billing
 * time zone (DST-correct, unlike UTC-only rules) → fan-out function → charge queue → charge-day
 * function with partial batch responses. Every hop that can give up has a DLQ: the schedule (target
 * unreachable), the fan-out's async invocation (function failed after retries), the charge queue.
 */
export class NightlyBilling extends Construct {
  readonly fanOutFunction: PaygoFunction;
  readonly chargeDayFunction: PaygoFunction;
  readonly chargeQueue: Queue;
  readonly chargeDeadLetterQueue: Queue;
  readonly scheduleDeadLetterQueue: Queue;
  readonly fanOutFailureQueue: Queue;
  readonly schedule: Schedule;
  /** The nightly schedule's own group: AWS/Scheduler metrics are per group, so its alarms see this schedule only. */
  readonly scheduleGroup: ScheduleGroup;

  constructor(scope: Construct, id: string, props: NightlyBillingProps) {
    super(scope, id);
    const chargeDayTimeout = props.chargeDayTimeout ?? Duration.seconds(30);

    this.chargeDeadLetterQueue = secureQueue(this, 'ChargeDeadLetterQueue');
    this.chargeQueue = secureQueue(this, 'ChargeQueue', {
      // AWS's rule for Lambda consumers: at least 6× the function timeout, so a message is not
      // redelivered while a (retried, throttled) invocation still works on it.
      visibilityTimeout: Duration.seconds(chargeDayTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.chargeDeadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });

    this.chargeDayFunction = new PaygoFunction(this, WORKERS.chargeDay.name, {
      entry: WORKERS.chargeDay.entry,
      settings: props.settings,
      timeout: chargeDayTimeout,
      description: 'Charges one project its missed days, each in one conditional transaction',
    }).bindDeclared(WORKERS.chargeDay, { tables: props.tables, eventBus: props.eventBus });
    this.chargeDayFunction.addEventSource(new SqsEventSource(this.chargeQueue, {
      batchSize: 10,
      reportBatchItemFailures: true,
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    }));

    this.fanOutFailureQueue = secureQueue(this, 'FanOutFailureQueue');
    this.fanOutFunction = new PaygoFunction(this, WORKERS.fanOut.name, {
      entry: WORKERS.fanOut.entry,
      settings: props.settings,
      timeout: props.fanOutTimeout ?? Duration.minutes(5),
      description: 'Pages through projects due for charging and enqueues their charge-day messages',
    }).bindDeclared(WORKERS.fanOut, { tables: props.tables, eventBus: props.eventBus, chargeQueue: this.chargeQueue });
    // Scheduler invokes Lambda asynchronously: its retry policy covers reaching the function, not the
    // function failing. Those failures are retried by Lambda and then kept here (a run is resumable).
    this.fanOutFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.fanOutFailureQueue),
    });

    ({ schedule: this.schedule, scheduleGroup: this.scheduleGroup, scheduleDeadLetterQueue: this.scheduleDeadLetterQueue } = dailySchedule(this, {
      id: 'NightlySchedule',
      description: 'Charge yesterday (and any missed day) for every project, 00:05 billing time',
      target: this.fanOutFunction,
      hour: '0',
      minute: '5',
      timeZone: props.settings.billingTimeZone,
      // The intended run time, not the delivery time: a retried or late invocation charges the same night.
      input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
    }));
    // cdk-nag recognises the charge DLQ from the charge queue's redrive policy, not this one.
    Validations.of(this.fanOutFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (the fan-out\'s Lambda async on-failure destination), alarmed when not empty; a DLQ of a DLQ would only hide the messages.',
    });
  }
}
