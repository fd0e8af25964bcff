/**
 * The alarms of docs/reliability.md rule 8 and issue 5 §4: each exists and watches what it should (metric
 * name, namespace, dimension, statistic, threshold, missing-data treatment), and the dashboard shows them.
 */
import { describe, expect, it } from 'vitest';
import { Paygo } from '../../lib/paygo-stack';
import { synthPaygo, testApp } from './template';

const { stack, template, logicalId } = synthPaygo();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

interface AlarmProps {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  Period?: number;
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData: string;
  Metrics?: unknown[];
}
const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties as AlarmProps);

/** Single-metric alarms on `namespace`/`metricName`, optionally with a dimension of that value. */
function alarmsOn(namespace: string, metricName: string, dimension?: [string, unknown]): AlarmProps[] {
  return alarms.filter((a) => a.Namespace === namespace && a.MetricName === metricName
    && (!dimension || a.Dimensions?.some((d) => d.Name === dimension[0] && JSON.stringify(d.Value) === JSON.stringify(dimension[1]))));
}

/** Exactly one such alarm. */
function theAlarmOn(namespace: string, metricName: string, dimension?: [string, unknown]): AlarmProps {
  const found = alarmsOn(namespace, metricName, dimension);
  expect(found, `${namespace} ${metricName} ${JSON.stringify(dimension)}`).toHaveLength(1);
  return found[0]!;
}

const ANY_AT_ALL = { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' };

describe('the usage stream → debit (rule 6)', () => {
  const debitFn = { Ref: logicalId(stack.realtimeDebit.debitFunction) };
  const mapping = stack.realtimeDebit.debitFunction.node.findAll()
    .find((c) => c.node.id === 'Resource' && c.node.scope?.node.id.startsWith('DynamoDBEventSource'))!;

  it('alarms on the debit iterator age (debits falling behind the stream)', () => {
    const alarm = theAlarmOn('AWS/Lambda', 'IteratorAge', ['FunctionName', debitFn]);
    expect(alarm).toMatchObject({ Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm.Threshold).toBeLessThanOrEqual(60_000);
  });

  it.each(['DroppedEventCount', 'OnFailureDestinationDeliveredEventCount'])('alarms on any %s of the debit mapping', (metric) => {
    expect(theAlarmOn('AWS/Lambda', metric, ['EventSourceMappingUUID', { Ref: logicalId(mapping) }])).toMatchObject({ ...ANY_AT_ALL, Statistic: 'Sum' });
  });

  it('alarms when Lambda cannot even write to the failure destination', () => {
    expect(theAlarmOn('AWS/Lambda', 'DestinationDeliveryFailures', ['FunctionName', debitFn])).toMatchObject({ ...ANY_AT_ALL, Statistic: 'Sum' });
  });
});

describe('the outbox reader (Events stream)', () => {
  const relayFn = { Ref: logicalId(stack.eventDelivery.relayFunction) };
  const mapping = stack.eventDelivery.relayFunction.node.findAll()
    .find((c) => c.node.id === 'Resource' && c.node.scope?.node.id.startsWith('DynamoDBEventSource'))!;

  it('alarms when events reach the bus and webhooks late', () => {
    expect(theAlarmOn('AWS/Lambda', 'IteratorAge', ['FunctionName', relayFn])).toMatchObject({ Statistic: 'Maximum', Threshold: 300_000, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('alarms on any event record its mapping dropped, and parks failed batches in an alarmed queue', () => {
    expect(theAlarmOn('AWS/Lambda', 'DroppedEventCount', ['EventSourceMappingUUID', { Ref: logicalId(mapping) }])).toMatchObject({ ...ANY_AT_ALL, Statistic: 'Sum' });
    const props = resources[logicalId(mapping)]!.Properties;
    expect(props.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': [logicalId(stack.eventDelivery.relayFailureQueue), 'Arn'] });
    expect(props).toMatchObject({ BisectBatchOnFunctionError: true, FunctionResponseTypes: ['ReportBatchItemFailures'], FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] } });
  });

  it('keeps the webhook secrets key rotating and outliving the stack', () => {
    const key = resources[logicalId(stack.eventDelivery.secretKey)]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect((key as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Retain');
  });
});

describe('dead-letter queues', () => {
  it('alarm on every queue but the work queues themselves as soon as it holds a message', () => {
    const queueIds = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue').map(([id]) => id);
    const work = [stack.nightlyBilling.chargeQueue, stack.eventDelivery.deliveryQueue].map((q) => logicalId(q));
    const dlqIds = queueIds.filter((id) => !work.includes(id));
    expect(dlqIds.sort()).toEqual([
      stack.nightlyBilling.chargeDeadLetterQueue,
      stack.nightlyBilling.scheduleDeadLetterQueue,
      stack.nightlyBilling.fanOutFailureQueue,
      stack.reconciler.scheduleDeadLetterQueue,
      stack.eventDelivery.deliveryDeadLetterQueue,
      stack.eventDelivery.relayFailureQueue,
    ].map((q) => logicalId(q)).sort());
    for (const id of dlqIds) {
      const alarm = theAlarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', ['QueueName', { 'Fn::GetAtt': [id, 'QueueName'] }]);
      expect(alarm, id).toMatchObject({ ...ANY_AT_ALL, Statistic: 'Maximum' });
    }
  });

  it('does not alarm on the charge queue (it is work, not failure)', () => {
    expect(alarmsOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', ['QueueName', { 'Fn::GetAtt': [logicalId(stack.nightlyBilling.chargeQueue), 'QueueName'] }])).toEqual([]);
  });
});

describe('schedules (AWS/Scheduler, per schedule group)', () => {
  const groups = {
    nightly: resources[logicalId(stack.nightlyBilling.scheduleGroup)]!.Properties.Name as string,
    reconcile: resources[logicalId(stack.reconciler.scheduleGroup)]!.Properties.Name as string,
  };

  it('puts each schedule in its own group', () => {
    expect(groups.nightly).not.toBe(groups.reconcile);
    const schedules = Object.values(resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule').map((r) => r.Properties.GroupName);
    expect(schedules.sort()).toEqual([groups.nightly, groups.reconcile].sort());
  });

  describe.each(Object.entries(groups))('%s schedule', (_name, group) => {
    it.each(['TargetErrorCount', 'InvocationDroppedCount', 'InvocationsFailedToBeSentToDeadLetterCount'])('alarms on any %s', (metric) => {
      expect(theAlarmOn('AWS/Scheduler', metric, ['ScheduleGroup', group])).toMatchObject({ ...ANY_AT_ALL, Statistic: 'Sum' });
    });

    it('alarms when it has not fired for 26 hours (no InvocationAttemptCount datapoint is breaching)', () => {
      const alarm = theAlarmOn('AWS/Scheduler', 'InvocationAttemptCount', ['ScheduleGroup', group]);
      expect(alarm).toMatchObject({
        Statistic: 'Sum', Period: 3600, Threshold: 1, ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 26, DatapointsToAlarm: 26, TreatMissingData: 'breaching',
      });
    });
  });
});

describe('functions and tables', () => {
  it('alarm on errors of every function', () => {
    // paygo's own functions; CDK's provider of the plan seed's Trigger is CDK's, run once per deploy.
    const functionIds = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler').map(([id]) => id);
    const alarmed = alarmsOn('AWS/Lambda', 'Errors').map((a) => (a.Dimensions!.find((d) => d.Name === 'FunctionName')!.Value as { Ref: string }).Ref);
    expect(alarmed.sort()).toEqual(functionIds.sort());
    expect(functionIds).toContain(logicalId(stack.reconciler.reconcileFunction));
    for (const a of alarmsOn('AWS/Lambda', 'Errors')) expect(a).toMatchObject({ ...ANY_AT_ALL, Statistic: 'Sum' });
  });

  it('alarm on DynamoDB throttles of every table, summed over the operations paygo issues', () => {
    const throttleAlarms = alarms.filter((a) => JSON.stringify(a.Metrics ?? []).includes('"MetricName":"ThrottledRequests"'));
    const tables = throttleAlarms.map((a) => JSON.stringify(a.Metrics).match(/"TableName","Value":\{"Ref":"(\w+)"/)?.[1]);
    expect(tables.sort()).toEqual([stack.tables.projects, stack.tables.ledger, stack.tables.usage, stack.tables.plans, stack.tables.events, stack.tables.webhooks].map((t) => logicalId(t.table)).sort());
    for (const a of throttleAlarms) {
      expect(a).toMatchObject(ANY_AT_ALL);
      const ops = JSON.stringify(a.Metrics).match(/"Name":"Operation","Value":"(\w+)"/g) ?? [];
      expect(ops.join()).toMatch(/TransactWriteItems/);
      expect(ops.join()).toMatch(/UpdateItem/);
    }
  });
});

describe('money the functions report as not moved', () => {
  it.each(['UsageUnpaid', 'ProjectsUnchargeable'])('alarms on any %s (paygo, service=paygo)', (metric) => {
    const alarm = theAlarmOn('paygo', metric, ['service', 'paygo']);
    expect(alarm).toMatchObject({ Statistic: 'Sum', ...ANY_AT_ALL });
  });
});

describe('reconciler', () => {
  it('alarms on any mismatch: ReconcileMismatches Sum >= 1 in paygo, service=reconcile, over a rolling day', () => {
    const alarm = theAlarmOn('paygo', 'ReconcileMismatches', ['service', 'reconcile']);
    expect(alarm).toMatchObject({
      Statistic: 'Sum', Period: 86_400, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
    });
    expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: 'reconcile' }]);
  });

  it('alarms when no run has reported for 26 hours (ReconciledProjects is published every run, 0 included)', () => {
    const alarm = theAlarmOn('paygo', 'ReconciledProjects', ['service', 'reconcile']);
    expect(alarm).toMatchObject({
      // SampleCount: a run over zero projects still counts as a run.
      Statistic: 'SampleCount', Period: 3600, Threshold: 1, ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 26, DatapointsToAlarm: 26, TreatMissingData: 'breaching',
    });
  });
});

describe('every alarm', () => {
  it('says what to do in its description', () => {
    const all = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    for (const a of all) expect((a.Properties.AlarmDescription as string).length).toBeGreaterThan(20);
  });

  it('counts as expected: 4 debit stream + 2 relay stream + 6 DLQ + 4 per schedule × 2 + 1 per paygo function + 1 per table + 2 reconciler + 2 money not moved', () => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler').length;
    expect(alarms).toHaveLength(4 + 2 + 6 + 8 + functions + 6 + 2 + 2);
  });

  it('notifies the one alarm topic, every one of them, in whichever stack it is', () => {
    const topicId = logicalId(stack.observability.alarmTopic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const all = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    for (const a of all) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('subscribes the address given with -c alarmEmail, and none without', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = synthPaygo({ alarmEmail: 'oncall@example.com' });
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: withEmail.logicalId(withEmail.stack.observability.alarmTopic) },
    });
    expect(() => new Paygo(testApp({ alarmEmail: 'not an address' }), 'Paygo')).toThrow(/alarmEmail must be an email address/);
  });
});

describe('dashboard', () => {
  const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
  const body = JSON.stringify(dashboard.Properties.DashboardBody);

  it('is one dashboard with every alarm in its status widgets (route alarms by name: they are in other stacks)', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const [id, r] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')) {
      if (r.Properties.AlarmName) expect(body, id).toContain(`:alarm:${r.Properties.AlarmName as string}`);
      else expect(body, id).toContain(`"${id}","Arn"`);
    }
  });

  it.each(['IteratorAge', 'ApproximateNumberOfMessagesVisible', 'Errors', 'ThrottledRequests', 'ReconcileMismatches', 'ReconciledProjects', 'InvocationAttemptCount', 'TargetErrorCount', 'InvocationDroppedCount'])('graphs %s', (metric) => {
    expect(body).toContain(`\\"${metric}\\"`);
  });
});
