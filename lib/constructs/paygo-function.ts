import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Config } from '../../shared/config';
import type { FunctionAccess } from '../../shared/http/routes';
import type { TableAccess, TableKey } from '../../shared/tables';
import type { BillingSettings } from '../billing-settings';
import type { PaygoTable } from './tables';

/**
 * Modules swapped for smaller stand-ins in Lambda bundles (esbuild aliases), ~160 KB less each:
 * in Lambda, credentials come from the environment, so the SDK's default provider chain becomes the
 * environment provider alone; `semver` is only reached by X-Ray's AWS SDK v2 patcher, never used here;
 * `@smithy/core/event-streams` only by event-stream operations (shared/aws/event-streams-stub.ts).
 */
export const BUNDLE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': path.join(__dirname, '..', '..', 'shared', 'aws', 'lambda-credentials.ts'),
  semver: path.join(__dirname, '..', '..', 'shared', 'aws', 'semver-stub.ts'),
  // Reached only by event-stream operations, which none of paygo's clients has (~15 KB).
  '@smithy/core/event-streams': path.join(__dirname, '..', '..', 'shared', 'aws', 'event-streams-stub.ts'),
  // The endpoint-discovery cache's LRU: a Map does (shared/aws/lru-cache.ts, ~5 KB).
  'mnemonist/lru-cache': path.join(__dirname, '..', '..', 'shared', 'aws', 'lru-cache.ts'),
  // fontkit (the statement's PDF) reaches brotli only for WOFF2 fonts; the PDF embeds a TrueType one.
  'brotli/decompress.js': path.join(__dirname, '..', '..', 'shared', 'http', 'brotli-stub.ts'),
  // pdfkit's ES module build finds its data files through import.meta.url, which a CommonJS bundle
  // leaves empty (it throws at load); its CommonJS build finds them through __filename.
  pdfkit: path.join(__dirname, '..', '..', 'node_modules', 'pdfkit', 'js', 'pdfkit.js'),
};

/** The repository root: ROUTES/WORKERS entries are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The env var names a function reads, checked against shared/config.ts so they cannot drift. */
const ENV = {
  billingTimeZone: 'BILLING_TIME_ZONE',
  currency: 'CURRENCY',
  eventBus: 'EVENT_BUS_NAME',
  chargeQueue: 'CHARGE_QUEUE_URL',
  deliveryQueue: 'DELIVERY_QUEUE_URL',
  secretKey: 'WEBHOOK_SECRET_KEY_ID',
} as const satisfies Record<string, keyof Config>;

/** What `read` access may do on a table (as Table.grantReadData, without the stream actions). */
const TABLE_READ_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem'];
/** What `write` access may do on a table (as Table.grantWriteData). */
const TABLE_WRITE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/** Props of {@link PaygoFunction}. */
export interface PaygoFunctionProps {
  /** Handler file relative to the repository root (a ROUTES/WORKERS `entry`); it exports `handler`. */
  readonly entry: string;
  /** Billing time zone and currency, passed to the handler as BILLING_TIME_ZONE and CURRENCY. */
  readonly settings: BillingSettings;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 (MB; Lambda's CPU share grows with memory, 512 keeps cold starts short) */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default - no description */
  readonly description?: string;
  /** Files (paths from the repository root) copied beside the bundle, for the handler to read at run time. */
  readonly files?: readonly string[];
  /** Modules (paths from the repository root) bundled on their own beside the handler's bundle, loaded when needed. */
  readonly bundles?: readonly string[];
}

/**
 * A Lambda function with paygo's defaults: Node 22 on Graviton, a local esbuild bundle with source
 * maps, X-Ray tracing, its own log group with decided retention, and an execution role that can write
 * only to that log group. Access to tables, the bus and the charge queue is added with the `bind*`
 * methods, which set the env var and the IAM grant together so configuration and permission cannot drift.
 */
export class PaygoFunction extends NodejsFunction {
  /** The execution role (a sibling construct: it must exist before the function). */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: PaygoFunctionProps) {
    const entry = path.join(REPO_ROOT, props.entry);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // Logs are diagnostics, the ledger is the money record: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Own role instead of AWSLambdaBasicExecutionRole: that managed policy may create any log group
    // and write to all of them; this one writes to its own group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      // Node 22 (LTS): the bundles target node22; runtime and target move to 24 together, deliberately.
      runtime: Runtime.NODEJS_22_X,
      // Graviton: about 20% cheaper per GB-second and as fast for this I/O-bound code.
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces need file/line mappings, not the sources themselves: keeps the zip small.
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
        // Prefer packages' ES module builds: esbuild can tree-shake those (the AWS SDK shrinks ~20%).
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the deployed client is the version the tests ran against (the
        // runtime's copy changes under us), and tree-shaken v3 clients add little to cold start.
        bundleAwsSDK: true,
        externalModules: [],
        esbuildArgs: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
        // A font read from a file rather than inlined, a module loaded only when needed (the PDF renderer).
        ...((props.files?.length ?? 0) + (props.bundles?.length ?? 0) > 0 ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              ...(props.files ?? []).map((f) => `cp "${path.join(inputDir, f)}" "${outputDir}/"`),
              ...(props.bundles ?? []).map((b) => [
                `"${path.join(inputDir, 'node_modules', '.bin', 'esbuild')}" "${path.join(inputDir, b)}"`,
                '--bundle --platform=node --target=node22 --format=cjs --minify --main-fields=module,main',
                ...Object.entries(BUNDLE_ALIASES).map(([from, to]) => `"--alias:${from}=${to}"`),
                `"--outfile=${outputDir}/${path.basename(b, '.ts')}.js"`,
              ].join(' ')),
            ],
          },
        } : {}),
      },
      environment: {
        [ENV.billingTimeZone]: props.settings.billingTimeZone,
        [ENV.currency]: props.settings.currency,
        // sourceMap only emits the map; Node needs this flag to use it in stack traces.
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'paygo',
      },
    });

    this.executionRole = role;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node 22 is deliberate: an LTS runtime Lambda supports into 2027, matching the esbuild target (node22) the bundles are built and tested for; Node 24 is a separate upgrade of runtime and target together.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing adds xray:PutTraceSegments/PutTelemetryRecords, which support no resource-level permissions.',
    });
  }

  /**
   * Gives the function one table: the table-name env var from the shared definition and exactly the
   * matching grant (read: get/query/scan; write: put/update/delete; readWrite: both) on the table and its GSIs.
   */
  bindTable(table: PaygoTable, access: TableAccess): this {
    this.addEnvironment(table.definition.envVar, table.table.tableName);
    const actions = [
      ...(access === 'write' ? [] : TABLE_READ_ACTIONS),
      ...(access === 'read' ? [] : TABLE_WRITE_ACTIONS),
      'dynamodb:DescribeTable',
    ];
    // The table and each of its own GSIs by name, not `<table>/index/*` (what Table.grant* writes):
    // no wildcard for cdk-nag to flag, whichever stack the table is in.
    Grant.addToPrincipal({
      grantee: this,
      actions,
      resourceArns: [
        table.table.tableArn,
        ...table.definition.globalSecondaryIndexes.map((g) => `${table.table.tableArn}/index/${g.indexName}`),
      ],
    });
    return this;
  }

  /** Lets the function publish to the bus (EVENT_BUS_NAME + events:PutEvents on that bus only). */
  bindEventBus(bus: IEventBus): this {
    this.addEnvironment(ENV.eventBus, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /** Lets the function enqueue charge-day work (CHARGE_QUEUE_URL + sqs:SendMessage on that queue only). */
  bindChargeQueue(queue: IQueue): this {
    this.addEnvironment(ENV.chargeQueue, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }

  /** Lets the function queue webhook deliveries (DELIVERY_QUEUE_URL + sqs:SendMessage on that queue only). */
  bindDeliveryQueue(queue: IQueue): this {
    this.addEnvironment(ENV.deliveryQueue, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }

  /**
   * Lets the function seal new webhook secrets (kms:Encrypt) or open them to sign (kms:Decrypt), never
   * both: the API that makes a secret cannot read one back, the delivery cannot make one.
   */
  bindSecretKey(key: IKey, use: 'seal' | 'open'): this {
    this.addEnvironment(ENV.secretKey, key.keyArn);
    // kms:Encrypt alone: grantEncrypt would add ReEncrypt* and GenerateDataKey*, which sealing does not use.
    key.grant(this, use === 'seal' ? 'kms:Encrypt' : 'kms:Decrypt');
    return this;
  }

  /** Applies a ROUTES/WORKERS declaration: each listed table with its access, the bus, the queues, the key. */
  bindDeclared(declared: FunctionAccess, resources: BindableResources): this {
    for (const [key, access] of Object.entries(declared.tables) as [TableKey, TableAccess | undefined][]) {
      if (access) this.bindTable(resources.tables.get(key), access);
    }
    if (declared.events) {
      if (!resources.eventBus) throw new Error(`${this.node.path} publishes events but no bus was passed`);
      this.bindEventBus(resources.eventBus);
    }
    if (declared.chargeQueue) {
      if (!resources.chargeQueue) throw new Error(`${this.node.path} sends to the charge queue but none was passed`);
      this.bindChargeQueue(resources.chargeQueue);
    }
    if (declared.deliveryQueue) {
      if (!resources.deliveryQueue) throw new Error(`${this.node.path} sends to the delivery queue but none was passed`);
      this.bindDeliveryQueue(resources.deliveryQueue);
    }
    if (declared.webhookSecrets) {
      if (!resources.secretKey) throw new Error(`${this.node.path} uses webhook secrets but no key was passed`);
      this.bindSecretKey(resources.secretKey, declared.webhookSecrets);
    }
    return this;
  }
}

/** What `bindDeclared` can hand out. */
export interface BindableResources {
  readonly tables: { get(key: TableKey): PaygoTable };
  /** @default - none: a declaration with `events` then fails synth */
  readonly eventBus?: IEventBus;
  /** @default - none: a declaration with `chargeQueue` then fails synth */
  readonly chargeQueue?: IQueue;
  /** @default - none: a declaration with `deliveryQueue` then fails synth */
  readonly deliveryQueue?: IQueue;
  /** @default - none: a declaration with `webhookSecrets` then fails synth */
  readonly secretKey?: IKey;
}
