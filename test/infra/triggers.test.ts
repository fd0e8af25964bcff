import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { flat, flatGrantsOfRole, synthPaygo } from './template';

const { stack, template, logicalId } = synthPaygo();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const props = (construct: Parameters<typeof logicalId>[0]) => resources[logicalId(construct)]!.Properties;

describe('usage stream → debit (docs/reliability.md rule 6)', () => {
  const debit = stack.realtimeDebit;
  const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping'
    && r.Properties.FunctionName.Ref === logicalId(debit.debitFunction))!.Properties;

  it('reads the Usage stream from the oldest record with partial batch responses, bisecting, bounded retries', () => {
    expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.tables.usage.table), 'StreamArn'] });
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 1,
      MetricsConfig: { Metrics: ['EventCount'] },
    });
    // Bounded: -1 (the default) would let one poison record stall a shard for the stream's 24 h.
    expect(mapping.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
  });

  it('passes INSERTs only, so the debit\'s own MODIFY marks never come back', () => {
    expect(mapping.FilterCriteria).toEqual({ Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] });
  });

  // The bucket is the data stack's; the workers stack names it (lib/paygo-stack.ts failureBucketName).
  const bucket = stack.data.failureBucket;
  const bucketArn = `arn:<AWS::Partition>:s3:::${flat(props(bucket).BucketName)}`;

  it('parks exhausted records in an S3 bucket (which keeps the records, unlike SQS/SNS)', () => {
    const bucketId = logicalId(bucket);
    expect(flat(mapping.DestinationConfig.OnFailure.Destination)).toBe(bucketArn);
    expect(flat(props(bucket).BucketName)).toMatch(/^paygodata-failed-usage-<AWS::AccountId>-<AWS::Region>$/);
    expect(resources[bucketId]).toMatchObject({ Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' });
    expect(props(bucket)).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets the debit function put failed records but not read or delete them', () => {
    const onBucket = flatGrantsOfRole(template, logicalId(debit.debitFunction.executionRole))
      .filter((g) => g.resources.some((r) => r.startsWith(bucketArn)));
    expect(onBucket.flatMap((g) => g.actions).sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
    expect(onBucket.flatMap((g) => g.resources).sort()).toEqual([bucketArn, `${bucketArn}/*`]);
  });
});

describe('nightly billing (rules 9, 10)', () => {
  const nightly = stack.nightlyBilling;
  const schedule = props(nightly.schedule);

  it('runs at 00:05 in the billing time zone, invoking the fan-out with retries and a DLQ', () => {
    expect(schedule.ScheduleExpression).toBe('cron(5 0 * * ? *)');
    // In its own group: AWS/Scheduler metrics are per group, so its alarms see this schedule only.
    expect(schedule.GroupName).toEqual(props(nightly.scheduleGroup).Name);
    expect(schedule.ScheduleExpressionTimezone).toBe('Europe/Kyiv');
    expect(schedule.Target.Arn).toEqual({ 'Fn::GetAtt': [logicalId(nightly.fanOutFunction), 'Arn'] });
    expect(schedule.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 6 * 3600 });
    expect(schedule.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalId(nightly.scheduleDeadLetterQueue), 'Arn'] } });
    expect(JSON.parse(schedule.Target.Input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
  });

  it('keeps fan-out invocations that failed after Lambda retried them', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(nightly.fanOutFunction) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(nightly.fanOutFailureQueue), 'Arn'] } } },
    });
  });

  it('gives the charge queue a visibility timeout of at least 6× the charge function timeout and a DLQ after 5 receives', () => {
    const timeout = props(nightly.chargeDayFunction).Timeout as number;
    const queue = props(nightly.chargeQueue);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(nightly.chargeDeadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('feeds charge-day in batches of 10 with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(nightly.chargeDayFunction) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(nightly.chargeQueue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('encrypts every queue and refuses plain HTTP on each', () => {
    const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    // Charge queue, its DLQ, the nightly schedule's DLQ, the fan-out failure queue, the reconcile
    // schedule's DLQ, the delivery queue and its DLQ, the outbox reader's failure queue.
    expect(queues).toHaveLength(8);
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('lets the CreateBillingRun route send to the same charge queue', () => {
    const env = props(stack.api.routeFunctions.get('CreateBillingRun')!).Environment.Variables;
    expect(env.CHARGE_QUEUE_URL).toEqual({ Ref: logicalId(nightly.chargeQueue) });
  });
});

describe('a billing time zone and currency from context', () => {
  const other = synthPaygo({ billingTimeZone: 'America/New_York', currency: 'USD' });

  it('moves the schedule and the functions to that zone and currency', () => {
    const schedule = other.template.toJSON().Resources[other.logicalId(other.stack.nightlyBilling.schedule)].Properties;
    expect(schedule.ScheduleExpressionTimezone).toBe('America/New_York');
    expect(schedule.ScheduleExpression).toBe('cron(5 0 * * ? *)');
    const functions = Object.values(other.template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Handler === 'index.handler');
    expect(functions.length).toBeGreaterThan(25);
    for (const f of functions) expect(f.Properties.Environment.Variables).toMatchObject({ BILLING_TIME_ZONE: 'America/New_York', CURRENCY: 'USD' });
  });
});

describe('HTTP API', () => {
  it('has a $default stage with access logs and an output URL', () => {
    const stage = props(stack.api.stage);
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(template.toJSON().Outputs.ApiUrl).toBeDefined();
  });

  it('authorizes with the API-key function: simple responses from Authorization, cached 1 minute', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 60,
    });
    const authorizer = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Authorizer')!;
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(logicalId(stack.api.authorizerFunction));
  });
});
