import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Operation } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RealtimeDebit } from './realtime-debit';
import type { PaygoTables } from './tables';

/** Props of {@link PaygoAlarms}. */
export interface PaygoAlarmsProps {
  readonly debit: RealtimeDebit;
  readonly tables: PaygoTables;
  /** Every DLQ and failure queue by a readable name; each alarms on its first message. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Functions whose unhandled errors alarm, by name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** @default - no action: the alarms show on the dashboard; wire the on-call topic here */
  readonly alarmAction?: IAlarmAction;
  /** @default Duration.seconds(30) — debits are meant to land within ~1 s */
  readonly maxIteratorAge?: Duration;
}

/** The operations paygo's stores issue; ThrottledRequests is reported per operation. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM, Operation.BATCH_GET_ITEM, Operation.QUERY, Operation.PUT_ITEM, Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM, Operation.BATCH_WRITE_ITEM, Operation.TRANSACT_WRITE_ITEMS, Operation.TRANSACT_GET_ITEMS,
];

/**
 * The alarms of RELIABILITY.md rule 8 (reconciler mismatches come with the reconciler): debit lag,
 * stream records dropped or parked in the failure bucket, any message in any DLQ, function errors,
 * DynamoDB throttles per table; plus one dashboard with all of it.
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
    for (const t of [props.tables.projects, props.tables.ledger, props.tables.usage]) {
      // Counts requests with any throttled event, on-demand hot-partition throttles (~1,000 WCU/s on
      // one balance item) included.
      const metric = t.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: Duration.minutes(5) });
      // One graph per table: the per-operation expressions share ids, so they cannot share a graph.
      throttles.push(new GraphWidget({ title: `${t.definition.id} throttled requests`, left: [metric], width: 8 }));
      this.add(`${t.definition.id}Throttles`, metric, { description: `DynamoDB throttled requests on the ${t.definition.id} table.` });
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'paygo alarms', alarms: this.alarms, width: 24 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Debit iterator age (ms)', left: [iteratorAge], width: 8 }),
      new GraphWidget({
        title: 'Usage stream events',
        left: ['PolledEventCount', 'FilteredOutEventCount', 'InvokedEventCount', 'FailedInvokeEventCount'].map(esmMetric),
        right: [dropped, parked],
        width: 8,
      }),
      new GraphWidget({ title: 'Dead-letter queues', left: dlqDepths, width: 8 }),
    );
    this.dashboard.addWidgets(new GraphWidget({ title: 'Function errors', left: errors, width: 24 }));
    this.dashboard.addWidgets(...throttles);
  }

  /** An alarm at "more than threshold" (default: anything at all), quiet when no data arrives. */
  private add(id: string, metric: IMetric, opts: { threshold?: number; evaluationPeriods?: number; datapointsToAlarm?: number; description: string }): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: opts.threshold ?? 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: opts.evaluationPeriods ?? 1,
      datapointsToAlarm: opts.datapointsToAlarm,
      // An idle stream or an empty queue emits nothing; that is the healthy state.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: opts.description,
    });
    if (this.alarmAction) alarm.addAlarmAction(this.alarmAction);
    this.alarms.push(alarm);
    return alarm;
  }
}
