import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type Schedule, type ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import { dailySchedule } from './daily-schedule';
import type { PaygoTables } from './tables';

/**
 * What functions/billing/reconcile.ts publishes (Powertools Metrics, EMF): namespace `paygo`, the
 * default `service` dimension of its own Metrics instance. A test reads the handler's source for these.
 */
export const RECONCILE_METRICS = {
  namespace: 'paygo',
  dimensionsMap: { service: 'reconcile' },
  mismatches: 'ReconcileMismatches',
  mismatchedProjects: 'ReconcileMismatchedProjects',
  reconciledProjects: 'ReconciledProjects',
} as const;

/** Props of {@link Reconciler}. */
export interface ReconcilerProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  readonly eventBus: IEventBus;
  /** @default '30' past `hour` */
  readonly minute?: string;
  /** @default '3' — 03:30 billing time: after the 00:05 charge and its retries have settled */
  readonly hour?: string;
  /** @default Duration.minutes(10) — scans every project's ledger and usage */
  readonly timeout?: Duration;
}

/**
 * The daily reconciler (docs/reliability.md rule 3; issue 5 §2): EventBridge Scheduler at 03:30 in the
 * billing time zone invokes the read-only Reconcile function, which recomputes every balance from
 * ledger entries and usage costs and publishes ReconcileMismatches (0 included, so "clean" and "did
 * not run" differ). Scheduler retries reaching the function and parks what it could not deliver in a
 * DLQ; the alarms on the metrics, the DLQ and the schedule group are made in PaygoAlarms.
 */
export class Reconciler extends Construct {
  readonly reconcileFunction: PaygoFunction;
  readonly schedule: Schedule;
  /** The reconcile schedule's own group, so its AWS/Scheduler metrics are not mixed with the nightly charge's. */
  readonly scheduleGroup: ScheduleGroup;
  readonly scheduleDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);

    this.reconcileFunction = new PaygoFunction(this, WORKERS.reconcile.name, {
      entry: WORKERS.reconcile.entry,
      settings: props.settings,
      // Reads every project's items; memory buys CPU for the recomputation and parallel reads.
      timeout: props.timeout ?? Duration.minutes(10),
      memorySize: 1024,
      description: 'Recomputes every balance and closed day from ledger and usage; reports mismatches, never corrects',
    }).bindDeclared(WORKERS.reconcile, { tables: props.tables, eventBus: props.eventBus });
    // Scheduler invokes asynchronously. One Lambda retry rides out a transient failure; a run that
    // still fails shows as function errors and, with no ReconciledProjects datapoint, as "did not run".
    this.reconcileFunction.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(6) });

    ({ schedule: this.schedule, scheduleGroup: this.scheduleGroup, scheduleDeadLetterQueue: this.scheduleDeadLetterQueue } = dailySchedule(this, {
      id: 'DailySchedule',
      description: 'Reconcile every project\'s balance and closed days, 03:30 billing time',
      target: this.reconcileFunction,
      hour: props.hour ?? '3',
      minute: props.minute ?? '30',
      timeZone: props.settings.billingTimeZone,
      // All projects: `{projectId}` is for an operator checking one.
      input: ScheduleTargetInput.fromObject({}),
    }));
  }

  /** Mismatches found by runs (Sum): the alarm's input; any at all is money that does not add up. */
  metricMismatches(props: MetricOptions = {}): Metric {
    return this.metric(RECONCILE_METRICS.mismatches, { statistic: 'Sum', ...props });
  }

  /** Projects with at least one mismatch (Sum). */
  metricMismatchedProjects(props: MetricOptions = {}): Metric {
    return this.metric(RECONCILE_METRICS.mismatchedProjects, { statistic: 'Sum', ...props });
  }

  /**
   * Projects checked (default statistic SampleCount: how many runs reported, which is ≥ 1 even for a
   * deployment without projects — the "did the job run at all" signal).
   */
  metricReconciledProjects(props: MetricOptions = {}): Metric {
    return this.metric(RECONCILE_METRICS.reconciledProjects, { statistic: 'SampleCount', ...props });
  }

  private metric(metricName: string, props: MetricOptions): Metric {
    return new Metric({ namespace: RECONCILE_METRICS.namespace, dimensionsMap: { ...RECONCILE_METRICS.dimensionsMap }, metricName, ...props });
  }
}
