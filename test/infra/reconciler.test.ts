/**
 * The daily reconciler in the stack (issue 5 §2): scheduled in the billing zone, read-only, with a DLQ,
 * and the metric names the alarms watch are the ones the handler really publishes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lib/constructs/paygo-function';
import { RECONCILE_METRICS } from '../../lib/constructs/reconciler';
import { WORKERS } from '../../shared/workers';
import { grantsOfRole, synthPaygo } from './template';

const { stack, template, logicalId } = synthPaygo();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const props = (construct: Parameters<typeof logicalId>[0]) => resources[logicalId(construct)]!.Properties;
const reconciler = stack.reconciler;

describe('reconciler schedule', () => {
  const schedule = props(reconciler.schedule);

  it('runs daily at 03:30 in the billing time zone, after the 00:05 charge', () => {
    expect(schedule.ScheduleExpression).toBe('cron(30 3 * * ? *)');
    expect(schedule.ScheduleExpressionTimezone).toBe('Europe/Kyiv');
    expect(schedule.State).toBe('ENABLED');
    expect(schedule.GroupName).toEqual(props(reconciler.scheduleGroup).Name);
    expect(schedule.GroupName).not.toEqual(props(stack.nightlyBilling.scheduleGroup).Name);
  });

  it('invokes the Reconcile function for all projects, with retries and a DLQ', () => {
    expect(schedule.Target.Arn).toEqual({ 'Fn::GetAtt': [logicalId(reconciler.reconcileFunction), 'Arn'] });
    expect(JSON.parse(schedule.Target.Input)).toEqual({});
    expect(schedule.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 6 * 3600 });
    expect(schedule.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalId(reconciler.scheduleDeadLetterQueue), 'Arn'] } });
  });

  it('keeps the DLQ encrypted and TLS-only', () => {
    expect(props(reconciler.scheduleDeadLetterQueue).SqsManagedSseEnabled).toBe(true);
  });

  it('lets the scheduler role invoke that function and send to that DLQ, nothing else', () => {
    const roleArn = schedule.Target.RoleArn['Fn::GetAtt'][0] as string;
    const grants = grantsOfRole(template, roleArn);
    expect(grants.flatMap((g) => g.actions).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(new Set(grants.flatMap((g) => g.resources))).toEqual(new Set([logicalId(reconciler.reconcileFunction), logicalId(reconciler.scheduleDeadLetterQueue)]));
  });

  it('follows the zone of the deployment', () => {
    const other = synthPaygo({ billingTimeZone: 'America/New_York' });
    const s = other.template.toJSON().Resources[other.logicalId(other.stack.reconciler.schedule)].Properties;
    expect(s.ScheduleExpressionTimezone).toBe('America/New_York');
    expect(s.ScheduleExpression).toBe('cron(30 3 * * ? *)');
  });
});

describe('reconcile function', () => {
  it('has 10 minutes and 1 GB, and one Lambda retry of a failed asynchronous run', () => {
    expect(props(reconciler.reconcileFunction)).toMatchObject({ Timeout: 600, MemorySize: 1024 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(reconciler.reconcileFunction) },
      MaximumRetryAttempts: 1,
    });
  });

  it('can read all three tables and write none (it reports, never corrects)', () => {
    const actions = grantsOfRole(template, logicalId(reconciler.reconcileFunction.executionRole)).flatMap((g) => g.actions);
    expect(actions).toContain('dynamodb:Query');
    expect(actions.filter((a) => a.startsWith('dynamodb:') && /Put|Update|Delete|Write/.test(a))).toEqual([]);
    expect(Object.keys(WORKERS.reconcile.tables).sort()).toEqual(['ledger', 'projects', 'usage']);
  });
});

describe('the metrics the alarms watch are the ones the handler publishes', () => {
  const source = fs.readFileSync(path.join(REPO_ROOT, WORKERS.reconcile.entry), 'utf8');

  it.each([RECONCILE_METRICS.mismatches, RECONCILE_METRICS.mismatchedProjects, RECONCILE_METRICS.reconciledProjects])('%s', (name) => {
    expect(source).toMatch(new RegExp(`addMetric\\('${name}'`));
  });

  it('in namespace paygo with service=reconcile (Powertools puts the service name in the `service` dimension)', () => {
    expect(source).toMatch(/new Metrics\(\{[^}]*namespace: 'paygo'/);
    expect(source).toMatch(/new Metrics\(\{[^}]*serviceName: 'reconcile'/);
    expect(RECONCILE_METRICS).toMatchObject({ namespace: 'paygo', dimensionsMap: { service: 'reconcile' } });
  });
});
