import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IAlarm,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Operation } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventDelivery } from './event-delivery';
import type { RealtimeDebit } from './realtime-debit';
import type { Reconciler } from './reconciler';
import type { PaygoTables } from './tables';

/** Props of {@link PaygoAlarms}. */
export interface PaygoAlarmsProps {
  readonly debit: RealtimeDebit;
  /** The outbox reader: its lag on the Events stream and the events it could not relay. */
  readonly relay: EventDelivery;
  readonly tables: PaygoTables;
  /** Every DLQ and failure queue by a readable name; each alarms on its first message. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Functions whose unhandled errors alarm, by name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /**
   * EventBridge Scheduler groups by a readable name, one schedule each (AWS/Scheduler metrics are per
   * group): each alarms on target errors, dropped invocations, failed DLQ deliveries, and on not
   * having fired at all within `scheduleSilence`.
   */
  readonly scheduleGroups: Readonly<Record<string, IScheduleGroup>>;
  /** The daily reconciler: mismatches and "did not run" alarms. */
  readonly reconciler: Reconciler;
  /** @default - no action: the alarms show on the dashboard; wire the on-call topic here */
  readonly alarmAction?: IAlarmAction;
  /** Alarms made elsewhere (the route functions' errors, in the route stacks), shown on the dashboard too. */
  readonly routeAlarms?: readonly IAlarm[];
  /** Stacks whose functions' errors the dashboard graphs by a search (the route stacks). */
  readonly routeStackNames?: readonly string[];
  /** @default Duration.seconds(30) — debits are meant to land within ~1 s */
  readonly maxIteratorAge?: Duration;
  /**
   * How long a daily schedule (and the reconciler's report) may stay silent before that is an alarm.
   * @default Duration.hours(26) — a day plus slack for the run's own duration and retries
   */
  readonly scheduleSilence?: Duration;
}

/** Options of one alarm; the defaults make "more than 0, quiet without data" (anything at all is bad). */
interface AlarmOptions {
  readonly description: string;
  readonly threshold?: number;
  readonly comparisonOperator?: ComparisonOperator;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData?: TreatMissingData;
}

/** The operations paygo's stores issue; ThrottledRequests is reported per operation. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM, Operation.BATCH_GET_ITEM, Operation.QUERY, Operation.PUT_ITEM, Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM, Operation.BATCH_WRITE_ITEM, Operation.TRANSACT_WRITE_ITEMS, Operation.TRANSACT_GET_ITEMS,
];

/**
 * The alarms of docs/reliability.md rule 8 and issue 5 §4: debit lag, stream records dropped or parked in
 * the failure bucket, any message in any DLQ, failed or missing schedule invocations, function errors,
 * DynamoDB throttles per table, reconciler mismatches and a reconciler that did not report; plus one
 * dashboard with all of it.
 */
export class PaygoAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  private readonly alarmAction?: IAlarmAction;

  constructor(scope: Construct, id: string, props: PaygoAlarmsProps) {
    super(scope, id);
    this.alarmAction = props.alarmAction;
    const debitFn = props.debit.debitFunction;
    const esmMetric = (metricName: string): Metric => new Metric({
      namespace: 'AWS/Lambda',
      metricName,
      // Event-source-mapping metrics (EventCount group, enabled on the mapping) are per mapping UUID.
      dimensionsMap: { EventSourceMappingUUID: props.debit.eventSource.eventSourceMappingId },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });

    const iteratorAge = debitFn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) });
    this.add('DebitIteratorAge', iteratorAge, {
      threshold: (props.maxIteratorAge ?? Duration.seconds(30)).toMilliseconds(),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: 'Usage is being debited late: the debit function falls behind the Usage stream.',
    });
    const dropped = esmMetric('DroppedEventCount');
    this.add('DebitDroppedEvents', dropped, {
      description: 'Usage records were dropped (age/retries exhausted and not delivered to the failure bucket): balances are missing debits.',
    });
    const parked = esmMetric('OnFailureDestinationDeliveredEventCount');
    this.add('DebitFailureDestinationDeliveries', parked, {
      description: 'Usage records were parked in the failure bucket after retries: replay them once the cause is fixed.',
    });
    this.add('DebitDestinationDeliveryFailures', debitFn.metric('DestinationDeliveryFailures', { statistic: 'Sum', period: Duration.minutes(1) }), {
      description: 'Lambda could not write failed usage records to the failure bucket.',
    });

    const relayAge = props.relay.relayFunction.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) });
    this.add('RelayIteratorAge', relayAge, {
      threshold: Duration.minutes(5).toMilliseconds(),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: 'Events reach the bus and webhooks late: the outbox reader falls behind the Events stream.',
    });
    this.add('RelayDroppedEvents', new Metric({
      namespace: 'AWS/Lambda',
      metricName: 'DroppedEventCount',
      dimensionsMap: { EventSourceMappingUUID: props.relay.relaySource.eventSourceMappingId },
      statistic: 'Sum',
      period: Duration.minutes(1),
    }), { description: 'Event records were dropped by the outbox reader mapping: redeliver them by id (they are still in the Events table).' });

    const dlqDepths: IMetric[] = [];
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) });
      // Labels only on the graphs: a labelled metric renders the alarm as a metric-math query.
      dlqDepths.push(depth.with({ label: name }));
      this.add(`${name}NotEmpty`, depth, { description: `${name} has messages: work that gave up and needs a look.` });
    }

    const errors: IMetric[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      const metric = fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) });
      errors.push(metric.with({ label: name }));
      this.add(`${name}Errors`, metric, { description: `${name} threw (unhandled errors, not HTTP 4xx).` });
    }

    const throttles: GraphWidget[] = [];
    for (const t of [props.tables.projects, props.tables.ledger, props.tables.usage, props.tables.plans, props.tables.events, props.tables.webhooks]) {
      // Counts requests with any throttled event, on-demand hot-partition throttles (~1,000 WCU/s on
      // one balance item) included.
      const metric = t.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: Duration.minutes(5) });
      // One graph per table: the per-operation expressions share ids, so they cannot share a graph.
      throttles.push(new GraphWidget({ title: `${t.definition.id} throttled requests`, left: [metric], width: 8 }));
      this.add(`${t.definition.id}Throttles`, metric, { description: `DynamoDB throttled requests on the ${t.definition.id} table.` });
    }

    const silence = props.scheduleSilence ?? Duration.hours(26);
    // Hourly periods, all of them empty to alarm: "no datapoint in the last `silence`".
    const silentPeriods = Math.max(1, Math.round(silence.toHours()));
    const scheduleGraphs: GraphWidget[] = [];
    for (const [name, group] of Object.entries(props.scheduleGroups)) {
      const fiveMinutes = { statistic: 'Sum', period: Duration.minutes(5) };
      const targetErrors = group.metricTargetErrors(fiveMinutes);
      const droppedRuns = group.metricDropped(fiveMinutes);
      const dlqFailures = group.metricFailedToBeSentToDLQ(undefined, fiveMinutes);
      const attempts = group.metricAttempts({ statistic: 'Sum', period: Duration.hours(1) });
      // Lambda refused or failed the invoke call (throttled, no permission); Scheduler retries, but a
      // schedule that runs once a day should not need to.
      this.add(`${name}TargetErrors`, targetErrors, { description: `${name}: EventBridge Scheduler could not invoke the target (TargetErrorCount).` });
      this.add(`${name}Dropped`, droppedRuns, { description: `${name}: EventBridge Scheduler gave up on an invocation (InvocationDroppedCount): that run did not happen.` });
      this.add(`${name}DeadLetterDeliveryFailures`, dlqFailures, { description: `${name}: a failed invocation could not even be parked in the schedule's DLQ.` });
      this.add(`${name}NotInvoked`, attempts, {
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: silentPeriods,
        datapointsToAlarm: silentPeriods,
        // No datapoint is exactly the failure looked for here: the schedule did not fire.
        treatMissingData: TreatMissingData.BREACHING,
        description: `${name} has not fired for ${silentPeriods} h: the daily job is not running (schedule disabled, deleted or broken).`,
      });
      scheduleGraphs.push(new GraphWidget({
        title: `${name} (EventBridge Scheduler)`,
        left: [attempts.with({ label: 'attempts', period: Duration.minutes(5) })],
        right: [targetErrors.with({ label: 'target errors' }), droppedRuns.with({ label: 'dropped' }), dlqFailures.with({ label: 'DLQ delivery failures' })],
        width: 8,
      }));
    }

    const reconciler = props.reconciler;
    // A rolling day: the alarm stays up until the next daily run reports clean.
    const mismatches = reconciler.metricMismatches({ period: Duration.days(1) });
    this.add('ReconcileMismatches', mismatches, {
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'The reconciler found money that does not add up (balance vs ledger and usage, a usage event debited other than once, a day charged other than once). Read the Reconcile log and the ReconcileMismatch events; correct with new entries.',
    });
    const reports = reconciler.metricReconciledProjects({ period: Duration.hours(1) });
    this.add('ReconcileDidNotRun', reports, {
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: silentPeriods,
      datapointsToAlarm: silentPeriods,
      // The reconciler publishes its counts on every run, 0 included: silence means it did not finish.
      treatMissingData: TreatMissingData.BREACHING,
      description: `The reconciler has not reported for ${silentPeriods} h: it did not run or did not finish, so mismatches would go unseen.`,
    });

    // What the functions report as money not moved as it should: each needs a person, never a retry.
    const paygoMetric = (metricName: string): Metric => new Metric({
      namespace: 'paygo', metricName, dimensionsMap: { service: 'paygo' }, statistic: 'Sum', period: Duration.minutes(5),
    });
    this.add('UsageUnpaid', paygoMetric('UsageUnpaid'), {
      description: 'Accepted usage cost more than a balance (or a day total) can hold: it was debited as far as exact integers go and the rest is unpaid (usage.underpaid event, "usage underpaid" log line of DebitUsage). Check the rate deck and the project.',
    });
    this.add('ProjectsUnchargeable', paygoMetric('ProjectsUnchargeable'), {
      description: 'A project\'s day cannot be charged (no price covers it): it fails alone into the charge DLQ. The "day cannot be charged" log line of ChargeDay names the project and why.',
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'paygo alarms', alarms: this.alarms, width: 24 }),
    );
    const routeAlarms = props.routeAlarms ?? [];
    // A status widget shows at most 100 alarms.
    for (let i = 0; i < routeAlarms.length; i += 100) {
      this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'API route functions: unhandled errors', alarms: routeAlarms.slice(i, i + 100), width: 24 }));
    }
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Debit and relay iterator age (ms)', left: [iteratorAge.with({ label: 'debit' }), relayAge.with({ label: 'relay' })], width: 8 }),
      new GraphWidget({
        title: 'Usage stream events',
        left: ['PolledEventCount', 'FilteredOutEventCount', 'InvokedEventCount', 'FailedInvokeEventCount'].map(esmMetric),
        right: [dropped, parked],
        width: 8,
      }),
      new GraphWidget({ title: 'Dead-letter queues', left: dlqDepths, width: 8 }),
    );
    const routeErrors = (props.routeStackNames ?? []).map((stackName) => new MathExpression({
      // Route functions are named `<stack>-<route>…` by CloudFormation: one search per route stack, no export.
      expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" ${stackName}', 'Sum', 300)`,
      label: stackName,
      period: Duration.minutes(5),
    }));
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Worker function errors', left: errors, width: 12 }),
      new GraphWidget({ title: 'API route function errors', left: routeErrors, width: 12 }),
    );
    this.dashboard.addWidgets(...throttles);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Reconciler (daily)',
        left: [
          reconciler.metricMismatches({ period: Duration.hours(1), label: 'mismatches' }),
          reconciler.metricMismatchedProjects({ period: Duration.hours(1), label: 'mismatched projects' }),
        ],
        right: [reconciler.metricReconciledProjects({ statistic: 'Sum', period: Duration.hours(1), label: 'projects reconciled' })],
        width: 8,
      }),
      ...scheduleGraphs,
    );
    // Is last night done? The same facts as GET /admin/billing-runs/{date}, as the functions publish them.
    const runMetric = (metricName: string, label: string): Metric => new Metric({
      namespace: 'paygo', metricName, dimensionsMap: { service: 'paygo' }, statistic: 'Sum', period: Duration.hours(1), label,
    });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Billing runs: projects queued, charged, failed (per hour)',
        left: [runMetric('ProjectsEnqueued', 'queued (fan-out)'), runMetric('ProjectsCharged', 'charged'), runMetric('ChargeMessagesFailed', 'failed attempts')],
        width: 16,
      }),
      new TextWidget({
        markdown: 'A run is complete when every project queued is charged: `GET /admin/billing-runs/{date}` (admin key) lists the failed ones by id. See docs/operations.md.',
        width: 8,
      }),
    );
  }

  /** An alarm, by default at "more than 0" (anything at all) and quiet when no data arrives. */
  private add(id: string, metric: IMetric, opts: AlarmOptions): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: opts.threshold ?? 0,
      comparisonOperator: opts.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: opts.evaluationPeriods ?? 1,
      datapointsToAlarm: opts.datapointsToAlarm,
      // An idle stream or an empty queue emits nothing; that is the healthy state.
      treatMissingData: opts.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: opts.description,
    });
    if (this.alarmAction) alarm.addAlarmAction(this.alarmAction);
    this.alarms.push(alarm);
    return alarm;
  }
}
