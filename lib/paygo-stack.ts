import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { WORKERS } from '../shared/workers';
import { resolveBillingSettings, type BillingSettings } from './billing-settings';
import { PaygoAlarms } from './constructs/alarms';
import { PaygoApi } from './constructs/api';
import { PortalSigning } from './constructs/portal-signing';
import { EventDelivery } from './constructs/event-delivery';
import { PaygoEvents } from './constructs/events';
import { NightlyBilling } from './constructs/nightly-billing';
import { RealtimeDebit } from './constructs/realtime-debit';
import { Reconciler } from './constructs/reconciler';
import { PlanSeed } from './constructs/plan-seed';
import { PaygoTables } from './constructs/tables';

/** Props of {@link PaygoStack}. */
export interface PaygoStackProps extends StackProps {
  /** @default - CDK context `billingTimeZone`, else `Europe/Kyiv` */
  readonly billingTimeZone?: string;
  /** @default - CDK context `currency`, else `UAH` */
  readonly currency?: string;
  /** @default - alarms without an action */
  readonly alarmAction?: IAlarmAction;
}

/**
 * paygo in one stack. Composition order follows the data: tables and the bus first; event delivery
 * (the outbox reader on the Events stream, the webhook queue and the secrets key) and nightly billing
 * before the API because they own the queues and the key its routes use; the real-time debit on the
 * Usage stream; the daily reconciler, read-only over the money tables; alarms last, over what the
 * others expose.
 */
export class PaygoStack extends Stack {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  readonly planSeed: PlanSeed;
  readonly events: PaygoEvents;
  readonly eventDelivery: EventDelivery;
  readonly nightlyBilling: NightlyBilling;
  readonly api: PaygoApi;
  readonly realtimeDebit: RealtimeDebit;
  readonly reconciler: Reconciler;
  readonly alarms: PaygoAlarms;

  constructor(scope: Construct, id: string, props: PaygoStackProps = {}) {
    super(scope, id, props);
    this.settings = resolveBillingSettings({
      billingTimeZone: props.billingTimeZone ?? this.node.tryGetContext('billingTimeZone'),
      currency: props.currency ?? this.node.tryGetContext('currency'),
    });
    const settings = this.settings;

    this.tables = new PaygoTables(this, 'Tables');
    // `npm run admin-key` writes the first admin key into this table (a new stack has none).
    new CfnOutput(this, 'ProjectsTableName', { value: this.tables.projects.table.tableName, description: 'PROJECTS_TABLE for npm run admin-key' });
    // Prices are data: a new deployment starts with the default plan, written once and never overwritten.
    this.planSeed = new PlanSeed(this, 'PlanSeed', { settings, tables: this.tables });
    this.events = new PaygoEvents(this, 'Events');
    const eventBus = this.events.bus;
    this.eventDelivery = new EventDelivery(this, 'EventDelivery', { settings, tables: this.tables, eventBus });
    const delivery = this.eventDelivery;

    this.nightlyBilling = new NightlyBilling(this, 'NightlyBilling', { settings, tables: this.tables, eventBus });
    this.api = new PaygoApi(this, 'Api', {
      settings,
      tables: this.tables,
      eventBus,
      chargeQueue: this.nightlyBilling.chargeQueue,
      deliveryQueue: delivery.deliveryQueue,
      secretKey: delivery.secretKey,
    });
    // issue 23: portal links, signed with a KMS HMAC key that only the session route signs with and only the authorizer verifies with.
    const portalSigning = new PortalSigning(this, 'PortalSigning');
    portalSigning.grantSign(this.api.routeFunctions.get('CreatePortalSession')!);
    portalSigning.grantVerify(this.api.authorizerFunction);
    this.realtimeDebit = new RealtimeDebit(this, 'RealtimeDebit', { settings, tables: this.tables, eventBus });
    this.reconciler = new Reconciler(this, 'Reconciler', { settings, tables: this.tables, eventBus });

    const nightly = this.nightlyBilling;
    this.alarms = new PaygoAlarms(this, 'Alarms', {
      debit: this.realtimeDebit,
      relay: delivery,
      tables: this.tables,
      alarmAction: props.alarmAction,
      deadLetterQueues: {
        ChargeDeadLetterQueue: nightly.chargeDeadLetterQueue,
        NightlyScheduleDeadLetterQueue: nightly.scheduleDeadLetterQueue,
        FanOutFailureQueue: nightly.fanOutFailureQueue,
        ReconcileScheduleDeadLetterQueue: this.reconciler.scheduleDeadLetterQueue,
        DeliveryDeadLetterQueue: delivery.deliveryDeadLetterQueue,
        RelayFailureQueue: delivery.relayFailureQueue,
      },
      scheduleGroups: {
        NightlySchedule: nightly.scheduleGroup,
        ReconcileSchedule: this.reconciler.scheduleGroup,
      },
      reconciler: this.reconciler,
      functions: {
        [WORKERS.authorizer.name]: this.api.authorizerFunction,
        ...Object.fromEntries(this.api.routeFunctions),
        [WORKERS.debit.name]: this.realtimeDebit.debitFunction,
        [WORKERS.fanOut.name]: nightly.fanOutFunction,
        [WORKERS.chargeDay.name]: nightly.chargeDayFunction,
        [WORKERS.reconcile.name]: this.reconciler.reconcileFunction,
        [WORKERS.seedPlans.name]: this.planSeed.seedFunction,
        [WORKERS.relayEvents.name]: delivery.relayFunction,
        [WORKERS.deliverWebhooks.name]: delivery.deliveryFunction,
      },
    });
  }
}
