import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import {
  FilterCriteria,
  FilterRule,
  MetricType,
  StartingPosition,
  type DlqDestinationConfig,
  type IEventSourceDlq,
  type IEventSourceMapping,
  type IFunction,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEBIT_BATCH_SIZE, WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import type { PaygoTables } from './tables';

/** Props of {@link RealtimeDebit}. */
export interface RealtimeDebitProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  readonly eventBus: IEventBus;
  /** @default 10 — bounded, so one poison record cannot stall a shard for the stream's 24 h */
  readonly retryAttempts?: number;
  /** @default Duration.hours(6) — hours, so a DynamoDB or code outage is ridden out, not dropped */
  readonly maxRecordAge?: Duration;
  /** @default 1000 (the DynamoDB stream maximum: bigger batches, fewer balance updates per project) */
  readonly batchSize?: number;
  /** Where records go after retries are exhausted (kept in the data stack, named there; imported here by name). */
  readonly failureBucket: IBucket;
}

/**
 * Real-time debit: the Usage table's stream → the debit function (docs/reliability.md rule 6). INSERTs only,
 * partial batch responses, bisect on error, bounded retries and record age, and an S3 failure
 * destination, which (unlike SQS/SNS) receives the records themselves so they can be replayed.
 */
export class RealtimeDebit extends Construct {
  readonly debitFunction: PaygoFunction;
  readonly eventSource: DynamoEventSource;
  /** Where records go after retries are exhausted: every object here is money not yet debited. */
  readonly failureBucket: IBucket;

  constructor(scope: Construct, id: string, props: RealtimeDebitProps) {
    super(scope, id);

    this.debitFunction = new PaygoFunction(this, WORKERS.debit.name, {
      entry: WORKERS.debit.entry,
      settings: props.settings,
      // A 1000-record batch is up to ~10 transactions per busy project plus retries of cancelled ones.
      timeout: Duration.seconds(60),
      memorySize: 1024,
      description: 'Rates usage events from the Usage stream and debits project balances',
    }).bindDeclared(WORKERS.debit, { tables: props.tables, eventBus: props.eventBus });

    this.failureBucket = props.failureBucket;

    this.eventSource = new DynamoEventSource(props.tables.usage.table, {
      // From the oldest record still in the stream: after a deploy or an outage nothing is skipped.
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? DEBIT_BATCH_SIZE,
      // Real time is ~1 s: the smallest window (whole seconds) still groups a busy project's events.
      maxBatchingWindow: Duration.seconds(1),
      // One batch per shard at a time: parallel batches of a shard would contend for the same
      // balance items (the stream is ordered per usage item, not per project).
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts ?? 10,
      maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
      onFailure: new S3PutOnlyFailureDestination(this.failureBucket),
      // Debits come from new events only; the debit's own MODIFY (the "debited" mark) must not loop back.
      filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    });
    this.debitFunction.addEventSource(this.eventSource);

    const role = this.debitFunction.executionRole;
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'dynamodb:ListStreams (stream event source) and X-Ray PutTraceSegments support no resource-level permissions.',
      },
      {
        // The bucket is imported by name (lib/paygo-stack.ts failureBucketName), so its object ARN resolves
        // here to plain intrinsics, flattened as cdk-nag prints them (a known region makes the partition literal).
        id: `AwsSolutions-IAM5[Resource::${nagFlatten(Stack.of(this).resolve(this.failureBucket.arnForObjects('*')))}]`,
        reason: 'Lambda names the failure objects itself; s3:PutObject is limited to this one bucket.',
      },
    );
  }
}

/**
 * S3OnFailureDestination grants read, write and delete on the bucket; Lambda needs only s3:PutObject
 * and s3:ListBucket (Lambda developer guide, on-failure destinations), and the debit function must not
 * be able to delete the records it failed on.
 */
class S3PutOnlyFailureDestination implements IEventSourceDlq {
  constructor(private readonly bucket: IBucket) {}

  bind(_target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    targetHandler.addToRolePolicy(new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects('*')],
    }));
    targetHandler.addToRolePolicy(new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
    }));
    return { destination: this.bucket.bucketArn };
  }
}

/** A resolved CloudFormation value as cdk-nag names it in a finding (`Fn::Join` joined, `Ref` as `<Name>`). */
function nagFlatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj['Fn::Join'])) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map(nagFlatten).join(sep);
  }
  if (typeof obj.Ref === 'string') return `<${obj.Ref}>`;
  return JSON.stringify(value);
}
