import { Aws, CfnOutput, RemovalPolicy, Stack, Validations, type Environment, type StackProps } from 'aws-cdk-lib';
import { Alarm, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ROUTES, type Route } from '../shared/http/routes';
import { WORKERS } from '../shared/workers';
import { resolveBillingSettings, type BillingSettings } from './billing-settings';
import { PaygoAlarms } from './constructs/alarms';
import { PaygoApi, PaygoRoutes, routeAlarmName } from './constructs/api';
import { PortalSigning } from './constructs/portal-signing';
import { EventDelivery } from './constructs/event-delivery';
import { PaygoEvents } from './constructs/events';
import { NightlyBilling } from './constructs/nightly-billing';
import { PlanSeed } from './constructs/plan-seed';
import { RealtimeDebit } from './constructs/realtime-debit';
import { Reconciler } from './constructs/reconciler';
import { PaygoTables } from './constructs/tables';
import { groupRoutes, type RouteGroup } from './route-groups';

/** Props of {@link Paygo}. */
export interface PaygoProps {
  /** Account and region of every stack. @default - environment-agnostic */
  readonly env?: Environment;
  /** @default - CDK context `billingTimeZone`, else `Europe/Kyiv` */
  readonly billingTimeZone?: string;
  /** @default - CDK context `currency`, else `UAH` */
  readonly currency?: string;
  /** Who the alarm topic mails. @default - CDK context `alarmEmail`, else nobody (subscribe later) */
  readonly alarmEmail?: string;
  /** @default ROUTES (shared/http/routes.ts) */
  readonly routes?: readonly Route[];
}

/**
 * The data: the six tables, the key that seals webhook secrets, the bucket of usage records the debit
 * gave up on, the event bus and its archive. Everything here is kept when the stack is deleted and
 * is deployed rarely; no other stack can replace a table.
 */
export class PaygoDataStack extends Stack {
  readonly tables: PaygoTables;
  readonly secretKey: Key;
  readonly failureBucket: Bucket;
  readonly events: PaygoEvents;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'paygo data: tables, webhook secret key, failed usage bucket, event bus and archive (retained)', ...props });
    this.tables = new PaygoTables(this, 'Tables');
    this.secretKey = new Key(this, 'WebhookSecretKey', {
      description: 'Seals webhook signing secrets: the API encrypts, the delivery function decrypts',
      enableKeyRotation: true,
      // Without the key no stored webhook secret opens again: it outlives the stack like the tables.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.failureBucket = new Bucket(this, 'FailedRecords', {
      // Named from the stack, account and region: the workers stack imports it by this name (see RealtimeDebit).
      bucketName: failureBucketName(this.stackName),
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Each object is a batch of usage not yet debited: it outlives the stack until replayed.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.failureBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only Lambda writes here (failed stream batches) and only operators read it to replay; the OnFailureDestinationDeliveredEventCount alarm reports every write, so server access logs would add a second bucket and no signal.',
    });
    this.events = new PaygoEvents(this, 'Events');

    // `npm run admin-key` writes the first admin key into this table (a new deployment has none).
    new CfnOutput(this, 'ProjectsTableName', { value: this.tables.projects.table.tableName, description: 'PROJECTS_TABLE for npm run admin-key' });
    new CfnOutput(this, 'FailedRecordsBucket', { value: this.failureBucket.bucketName, description: 'Usage batches the debit gave up on: npm run ops -- replay-usage' });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName, description: 'The paygo EventBridge bus (BalanceLow, ProjectBlocked, DayCharged, ...)' });
    new CfnOutput(this, 'EventArchiveName', { value: this.events.archive.archiveName, description: 'Archive of every bus event: npm run ops -- replay-events' });
  }
}

/** The failure bucket's name: lower case, unique per deployment, account and region. */
export function failureBucketName(dataStackName: string): string {
  return `${dataStackName.toLowerCase()}-failed-usage-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** Props of {@link PaygoWorkersStack}. */
export interface PaygoWorkersStackProps extends StackProps {
  readonly settings: BillingSettings;
  readonly data: PaygoDataStack;
}

/**
 * What runs without a request: the plan seed, event delivery (outbox reader, webhook queue and
 * deliveries), the nightly charge (schedule, fan-out, charge queue), the real-time debit on the Usage
 * stream and the daily reconciler; with their queues and dead-letter queues as outputs.
 */
export class PaygoWorkersStack extends Stack {
  readonly planSeed: PlanSeed;
  readonly eventDelivery: EventDelivery;
  readonly nightlyBilling: NightlyBilling;
  readonly realtimeDebit: RealtimeDebit;
  readonly reconciler: Reconciler;

  constructor(scope: Construct, id: string, props: PaygoWorkersStackProps) {
    super(scope, id, { description: 'paygo workers: usage debit, nightly charge, event delivery, reconciler', ...props });
    const { settings, data } = props;
    const tables = data.tables;
    const eventBus = data.events.bus;
    // Prices are data: a new deployment starts with the default plan, written once and never overwritten.
    this.planSeed = new PlanSeed(this, 'PlanSeed', { settings, tables });
    this.eventDelivery = new EventDelivery(this, 'EventDelivery', { settings, tables, eventBus, secretKey: data.secretKey });
    this.nightlyBilling = new NightlyBilling(this, 'NightlyBilling', { settings, tables, eventBus });
    // By name (see failureBucketName): the nag finding on its object ARN then reads the same in both stacks.
    const failureBucket: IBucket = Bucket.fromBucketName(this, 'FailedRecords', failureBucketName(data.stackName));
    this.realtimeDebit = new RealtimeDebit(this, 'RealtimeDebit', { settings, tables, eventBus, failureBucket });
    this.reconciler = new Reconciler(this, 'Reconciler', { settings, tables, eventBus });

    for (const [name, queue, description] of this.queues()) {
      new CfnOutput(this, `${name}Url`, { value: queue.queueUrl, description });
    }
  }

  /** Every queue by a readable name, with what it holds (outputs, alarms, the ops CLI). */
  queues(): [string, import('aws-cdk-lib/aws-sqs').Queue, string][] {
    const n = this.nightlyBilling;
    const d = this.eventDelivery;
    return [
      ['ChargeQueue', n.chargeQueue, 'Charge-day work, one message per project and night'],
      ['ChargeDeadLetterQueue', n.chargeDeadLetterQueue, 'Charge-day messages that failed 5 times: npm run ops -- redrive'],
      ['NightlyScheduleDeadLetterQueue', n.scheduleDeadLetterQueue, 'Nightly schedule invocations Scheduler could not deliver'],
      ['FanOutFailureQueue', n.fanOutFailureQueue, 'Fan-out invocations that failed after Lambda retries'],
      ['ReconcileScheduleDeadLetterQueue', this.reconciler.scheduleDeadLetterQueue, 'Reconcile schedule invocations Scheduler could not deliver'],
      ['DeliveryQueue', d.deliveryQueue, 'Webhook delivery attempts'],
      ['DeliveryDeadLetterQueue', d.deliveryDeadLetterQueue, 'Webhook deliveries that could not be attempted or logged: npm run ops -- redrive'],
      ['RelayFailureQueue', d.relayFailureQueue, 'Events stream batches the outbox reader gave up on (keys only: redeliver by id)'],
    ];
  }
}

/** Props of {@link PaygoApiStack}. */
export interface PaygoApiStackProps extends StackProps {
  readonly settings: BillingSettings;
  readonly data: PaygoDataStack;
}

/** The HTTP API, its stage and the authorizer: the part of the API that does not grow with routes. */
export class PaygoApiStack extends Stack {
  readonly api: PaygoApi;
  /** Signs portal links (issue 23): the authorizer here verifies; the session route, in a route stack, signs. */
  readonly portalSigning: PortalSigning;

  constructor(scope: Construct, id: string, props: PaygoApiStackProps) {
    super(scope, id, { description: 'paygo HTTP API, stage and API-key authorizer', ...props });
    this.api = new PaygoApi(this, 'Api', { settings: props.settings, tables: props.data.tables });
    this.portalSigning = new PortalSigning(this, 'PortalSigning');
    this.portalSigning.grantVerify(this.api.authorizerFunction);
  }
}

/** Props of {@link PaygoRoutesStack}. */
export interface PaygoRoutesStackProps extends StackProps {
  readonly settings: BillingSettings;
  readonly data: PaygoDataStack;
  readonly workers: PaygoWorkersStack;
  readonly api: PaygoApiStack;
  readonly observability: PaygoObservabilityStack;
  readonly group: RouteGroup;
  readonly routes: readonly Route[];
}

/** One group of routes (lib/route-groups.ts), each with its function and error alarm. */
export class PaygoRoutesStack extends Stack {
  readonly routes: PaygoRoutes;
  readonly group: RouteGroup;

  constructor(scope: Construct, id: string, props: PaygoRoutesStackProps) {
    super(scope, id, { description: props.group.description, ...props });
    this.group = props.group;
    this.routes = new PaygoRoutes(this, 'Api', {
      settings: props.settings,
      api: props.api.api,
      tables: props.data.tables,
      eventBus: props.data.events.bus,
      chargeQueue: props.workers.nightlyBilling.chargeQueue,
      deliveryQueue: props.workers.eventDelivery.deliveryQueue,
      secretKey: props.data.secretKey,
      routes: props.routes,
      alarmAction: new SnsAction(props.observability.alarmTopic),
      alarmNamePrefix: this.stackName,
    });
  }
}

/** Props of {@link PaygoObservabilityStack}. */
export interface PaygoObservabilityStackProps extends StackProps {
  readonly data: PaygoDataStack;
  readonly workers: PaygoWorkersStack;
  readonly api: PaygoApiStack;
  /** Route alarms made by the route stacks, by name (the status widget names them, no export). */
  readonly routeAlarmNames: readonly string[];
  /** Route stack names, for the route functions' errors graph (a SEARCH over their function names). */
  readonly routeStackNames: readonly string[];
  readonly alarmEmail?: string;
}

/** The alarm topic (every alarm notifies it), the alarms of the data and workers, the dashboard. */
export class PaygoObservabilityStack extends Stack {
  readonly alarmTopic: Topic;
  readonly alarms: PaygoAlarms;

  constructor(scope: Construct, id: string, props: PaygoObservabilityStackProps) {
    super(scope, id, { description: 'paygo alarms, alarm topic and dashboard', ...props });
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'paygo alarms',
      enforceSSL: true,
    });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'Alarm notifications carry alarm names and states, no customer data; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key adds a key to manage for no data worth it.',
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const { workers, data } = props;
    const nightly = workers.nightlyBilling;
    const delivery = workers.eventDelivery;
    const routeAlarms: IAlarm[] = props.routeAlarmNames.map((name) =>
      Alarm.fromAlarmArn(this, `Route${name}`, `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${name}`));
    this.alarms = new PaygoAlarms(this, 'Alarms', {
      debit: workers.realtimeDebit,
      relay: delivery,
      tables: data.tables,
      alarmAction: new SnsAction(this.alarmTopic),
      deadLetterQueues: Object.fromEntries(workers.queues().filter(([name]) => name !== 'ChargeQueue' && name !== 'DeliveryQueue').map(([name, queue]) => [name, queue])),
      scheduleGroups: {
        NightlySchedule: nightly.scheduleGroup,
        ReconcileSchedule: workers.reconciler.scheduleGroup,
      },
      reconciler: workers.reconciler,
      functions: {
        [WORKERS.authorizer.name]: props.api.api.authorizerFunction,
        [WORKERS.debit.name]: workers.realtimeDebit.debitFunction,
        [WORKERS.fanOut.name]: nightly.fanOutFunction,
        [WORKERS.chargeDay.name]: nightly.chargeDayFunction,
        [WORKERS.reconcile.name]: workers.reconciler.reconcileFunction,
        [WORKERS.seedPlans.name]: workers.planSeed.seedFunction,
        [WORKERS.relayEvents.name]: delivery.relayFunction,
        [WORKERS.deliverWebhooks.name]: delivery.deliveryFunction,
      },
      routeAlarms,
      routeStackNames: props.routeStackNames,
    });

    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.alarms.dashboard.dashboardName}`,
      description: 'The paygo CloudWatch dashboard: every alarm, lags, queues, errors, last billing runs',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic every alarm notifies: subscribe on-call here' });
  }
}

/**
 * paygo as seven stacks, split by lifecycle so each stays under 400 resources (lib/route-groups.ts):
 * data (retained, deployed rarely) ← workers ← API ← observability (alarm topic, dashboard) ← one
 * stack per route group. CDK makes the cross-stack references; the route alarms and the failure
 * bucket are named instead (see there) so removing a route never waits on another stack.
 */
export class Paygo {
  readonly settings: BillingSettings;
  readonly data: PaygoDataStack;
  readonly workers: PaygoWorkersStack;
  readonly apiStack: PaygoApiStack;
  readonly observability: PaygoObservabilityStack;
  readonly routeStacks: readonly PaygoRoutesStack[];

  constructor(scope: Construct, prefix: string, props: PaygoProps = {}) {
    const ctx = (key: string): unknown => scope.node.tryGetContext(key);
    this.settings = resolveBillingSettings({
      billingTimeZone: props.billingTimeZone ?? ctx('billingTimeZone'),
      currency: props.currency ?? ctx('currency'),
    });
    const settings = this.settings;
    const alarmEmail = props.alarmEmail ?? (ctx('alarmEmail') as string | undefined);
    if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))) {
      throw new Error(`alarmEmail must be an email address, got ${JSON.stringify(alarmEmail)}`);
    }
    const common: StackProps = { env: props.env };

    this.data = new PaygoDataStack(scope, `${prefix}Data`, common);
    this.workers = new PaygoWorkersStack(scope, `${prefix}Workers`, { ...common, settings, data: this.data });
    this.apiStack = new PaygoApiStack(scope, `${prefix}Api`, { ...common, settings, data: this.data });

    const groups = [...groupRoutes(props.routes ?? ROUTES)].filter(([, routes]) => routes.length > 0);
    const routeStackName = (group: RouteGroup): string => `${prefix}${group.id}`;
    this.observability = new PaygoObservabilityStack(scope, `${prefix}Observability`, {
      ...common,
      data: this.data,
      workers: this.workers,
      api: this.apiStack,
      alarmEmail,
      routeStackNames: groups.map(([g]) => routeStackName(g)),
      routeAlarmNames: groups.flatMap(([g, routes]) => routes.map((r) => routeAlarmName(routeStackName(g), r.name))),
    });
    this.routeStacks = groups.map(([group, routes]) => new PaygoRoutesStack(scope, routeStackName(group), {
      ...common, settings, data: this.data, workers: this.workers, api: this.apiStack, observability: this.observability, group, routes,
    }));
    // Only the route that makes portal links may sign with the key (a route stack depends on the API stack).
    const sessions = this.routeStacks.map((s) => s.routes.routeFunctions.get('CreatePortalSession')).find((fn) => fn !== undefined);
    if (sessions) this.apiStack.portalSigning.grantSign(sessions);
  }

  /** Every stack, in deployment order. */
  get stacks(): Stack[] {
    return [this.data, this.workers, this.apiStack, this.observability, ...this.routeStacks];
  }

  // The parts by their former single-stack names (tests and scripts read them so).
  get tables(): PaygoTables { return this.data.tables; }
  get events(): PaygoEvents { return this.data.events; }
  get planSeed(): PlanSeed { return this.workers.planSeed; }
  get eventDelivery(): EventDelivery { return this.workers.eventDelivery; }
  get nightlyBilling(): NightlyBilling { return this.workers.nightlyBilling; }
  get realtimeDebit(): RealtimeDebit { return this.workers.realtimeDebit; }
  get reconciler(): Reconciler { return this.workers.reconciler; }
  get alarms(): PaygoAlarms { return this.observability.alarms; }
  /** The API with every route function, whichever stack it is in. */
  get api(): PaygoApi & { routeFunctions: ReadonlyMap<string, import('./constructs/paygo-function').PaygoFunction> } {
    const routeFunctions = new Map(this.routeStacks.flatMap((s) => [...s.routes.routeFunctions]));
    return Object.assign(Object.create(this.apiStack.api) as PaygoApi, { routeFunctions });
  }
}
