import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleGroup, type ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { secureQueue } from './secure-queue';

/** What {@link dailySchedule} needs. */
export interface DailyScheduleProps {
  /** Construct id of the schedule itself. */
  readonly id: string;
  readonly description: string;
  readonly target: IFunction;
  /** What the target is invoked with. */
  readonly input: ScheduleTargetInput;
  readonly hour: string;
  readonly minute: string;
  /** IANA zone the cron is read in: Scheduler handles DST, classic EventBridge rules are UTC only. */
  readonly timeZone: string;
}

export interface DailyScheduleParts {
  readonly schedule: Schedule;
  /** The schedule's own group, so its AWS/Scheduler metrics are its own (alarms are per group). */
  readonly scheduleGroup: ScheduleGroup;
  /** Where Scheduler parks an invocation it could not deliver after its retries. */
  readonly scheduleDeadLetterQueue: Queue;
}

/**
 * A daily EventBridge Scheduler schedule invoking one function, as the nightly charge and the
 * reconciler both need it: its own group, a scheduler role that may invoke that function only,
 * 20 delivery retries over at most 6 h, and an encrypted dead-letter queue. Made in `scope` with
 * fixed child ids, so each caller's resources keep their names.
 */
export function dailySchedule(scope: Construct, props: DailyScheduleProps): DailyScheduleParts {
  const scheduleDeadLetterQueue = secureQueue(scope, 'ScheduleDeadLetterQueue');
  Validations.of(scheduleDeadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a schedule\'s dead-letter queue, alarmed when not empty; a DLQ of a DLQ would only hide the messages.',
  });
  const schedulerRole = new Role(scope, 'SchedulerRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  });
  const scheduleGroup = new ScheduleGroup(scope, 'ScheduleGroup', {
    // The schedule inside is stack-defined and recreated with it; nothing to keep.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const schedule = new Schedule(scope, props.id, {
    scheduleGroup,
    description: props.description,
    schedule: ScheduleExpression.cron({ minute: props.minute, hour: props.hour, timeZone: TimeZone.of(props.timeZone) }),
    target: new LambdaInvoke(props.target, {
      role: schedulerRole,
      retryAttempts: 20,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: scheduleDeadLetterQueue,
      input: props.input,
    }),
  });
  const functionId = Stack.of(scope).getLogicalId(props.target.node.defaultChild as CfnFunction);
  Validations.of(schedulerRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
    reason: 'LambdaInvoke grants lambda:InvokeFunction on the scheduled function and its versions/aliases (<arn>:*); that one function only.',
  });
  return { schedule, scheduleGroup, scheduleDeadLetterQueue };
}
