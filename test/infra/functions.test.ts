import { describe, expect, it } from 'vitest';
import { ROUTES, type RouteDefinition } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import { TABLES, type TableAccess, type TableKey } from '../../shared/tables';
import type { PaygoFunction } from '../../lib/constructs/paygo-function';
import { grantsOfRole, synthPaygo, type Grant } from './template';

const { stack, template, logicalId } = synthPaygo();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

/** Every function paygo declares, with the construct the stack made for it. */
const declared: { name: string; decl: Pick<RouteDefinition, 'tables' | 'events' | 'chargeQueue' | 'deliveryQueue' | 'webhookSecrets'>; fn: PaygoFunction }[] = [
  ...ROUTES.map((r) => ({ name: r.name, decl: r, fn: stack.api.routeFunctions.get(r.name)! })),
  { name: WORKERS.authorizer.name, decl: WORKERS.authorizer, fn: stack.api.authorizerFunction },
  { name: WORKERS.debit.name, decl: WORKERS.debit, fn: stack.realtimeDebit.debitFunction },
  { name: WORKERS.fanOut.name, decl: WORKERS.fanOut, fn: stack.nightlyBilling.fanOutFunction },
  { name: WORKERS.chargeDay.name, decl: WORKERS.chargeDay, fn: stack.nightlyBilling.chargeDayFunction },
  { name: WORKERS.reconcile.name, decl: WORKERS.reconcile, fn: stack.reconciler.reconcileFunction },
  { name: WORKERS.seedPlans.name, decl: WORKERS.seedPlans, fn: stack.planSeed.seedFunction },
  { name: WORKERS.relayEvents.name, decl: WORKERS.relayEvents, fn: stack.eventDelivery.relayFunction },
  { name: WORKERS.deliverWebhooks.name, decl: WORKERS.deliverWebhooks, fn: stack.eventDelivery.deliveryFunction },
];
const queueIds = { charge: logicalId(stack.nightlyBilling.chargeQueue), delivery: logicalId(stack.eventDelivery.deliveryQueue) };
const keyId = logicalId(stack.eventDelivery.secretKey);

const tableIds = Object.fromEntries((Object.keys(TABLES) as TableKey[]).map((k) => [k, logicalId(stack.tables.get(k).table)])) as Record<TableKey, string>;
const grantsOf = (fn: PaygoFunction): Grant[] => grantsOfRole(template, logicalId(fn.executionRole));
/** Reading a table's stream: what a stream event source grants its function, not a table access. */
const STREAM_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
const dynamoActionsOn = (fn: PaygoFunction, table: TableKey): Set<string> =>
  new Set(grantsOf(fn).filter((g) => g.resources.includes(tableIds[table])).flatMap((g) => g.actions).filter((a) => a.startsWith('dynamodb:') && !STREAM_ACTIONS.includes(a)));
const streamsReadBy = (fn: PaygoFunction): TableKey[] => (Object.keys(TABLES) as TableKey[])
  .filter((t) => grantsOf(fn).some((g) => g.resources.includes(tableIds[t]) && g.actions.includes('dynamodb:DescribeStream')));

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];

describe('one function per route and worker', () => {
  it('makes exactly one function per ROUTES and WORKERS entry, all nodejs22.x on arm64 with the project defaults', () => {
    expect(declared.map((d) => d.name).sort()).toEqual([...ROUTES.map((r) => r.name), ...Object.values(WORKERS).map((w) => w.name)].sort());
    // paygo's own functions; CDK's provider of the plan seed's Trigger (`__entrypoint__.handler`) is CDK's.
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler !== '__entrypoint__.handler');
    expect(functions).toHaveLength(ROUTES.length + Object.keys(WORKERS).length);
    for (const { Properties: p } of functions) {
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.Handler).toBe('index.handler');
      expect(p.Environment.Variables).toMatchObject({
        BILLING_TIME_ZONE: 'Europe/Kyiv',
        CURRENCY: 'UAH',
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'paygo',
      });
      expect(p.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  it('routes each ROUTES entry to its own function, with the authorizer unless auth is false', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of ROUTES) {
      const resource = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      expect(resource.Properties.AuthorizationType, route.name).toBe(route.auth ? 'CUSTOM' : 'NONE');
      const integration = resources[resource.Properties.Target['Fn::Join'][1][1].Ref];
      expect(JSON.stringify(integration?.Properties.IntegrationUri), route.name).toContain(logicalId(stack.api.routeFunctions.get(route.name)!));
    }
  });

  it('lets API Gateway give up before the function does: a request past its time limit is 503, not 500', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    for (const route of ROUTES) {
      const resource = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      const integration = resources[resource.Properties.Target['Fn::Join'][1][1].Ref]!;
      const functionTimeoutS = resources[logicalId(stack.api.routeFunctions.get(route.name)!)]!.Properties.Timeout as number;
      expect(integration.Properties.TimeoutInMillis, route.name).toBe(Math.min(29_000, functionTimeoutS * 1000 - 1000));
    }
  });

  it('keeps the defaults: 512 MB and 10 s unless a worker needs more', () => {
    const props = (fn: PaygoFunction) => resources[logicalId(fn)]!.Properties;
    expect(props(stack.api.routeFunctions.get('GetProject')!)).toMatchObject({ MemorySize: 512, Timeout: 10 });
    expect(props(stack.nightlyBilling.fanOutFunction).Timeout).toBe(300);
    // The reconciler reads every project's ledger and usage in one run.
    expect(props(stack.reconciler.reconcileFunction)).toMatchObject({ MemorySize: 1024, Timeout: 600 });
  });

  it('gives each function a log group with a decided retention', () => {
    for (const { name, fn } of declared) {
      const logGroupId = resources[logicalId(fn)]!.Properties.LoggingConfig.LogGroup.Ref;
      expect(resources[logGroupId]?.Properties.RetentionInDays, name).toBe(30);
    }
  });
});

describe('least privilege: each function gets exactly its declared access', () => {
  it.each(declared.map((d) => [d.name, d] as const))('%s: tables, env vars, bus and queue as declared', (_name, { decl, fn }) => {
    const env = resources[logicalId(fn)]!.Properties.Environment.Variables as Record<string, unknown>;
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const access: TableAccess | undefined = decl.tables[key];
      const actions = dynamoActionsOn(fn, key);
      const envVar = TABLES[key].envVar;
      if (!access) {
        expect(actions.size, `no access to ${key}`).toBe(0);
        expect(env[envVar]).toBeUndefined();
        continue;
      }
      expect(env[envVar]).toEqual({ Ref: tableIds[key] });
      for (const a of WRITE_ACTIONS) expect(actions.has(a), `${a} on ${key}`).toBe(access !== 'read');
      for (const a of READ_ACTIONS) expect(actions.has(a), `${a} on ${key}`).toBe(access !== 'write');
    }
    const allActions = grantsOf(fn).flatMap((g) => g.actions);
    expect(allActions.includes('events:PutEvents')).toBe(Boolean(decl.events));
    expect('EVENT_BUS_NAME' in env).toBe(Boolean(decl.events));
    // (A function may also send to its own failure destination: Lambda does that with its role.)
    const sendsTo = new Set(grantsOf(fn).filter((g) => g.actions.includes('sqs:SendMessage')).flatMap((g) => g.resources));
    expect(sendsTo.has(queueIds.charge)).toBe(Boolean(decl.chargeQueue));
    expect('CHARGE_QUEUE_URL' in env).toBe(Boolean(decl.chargeQueue));
    expect(sendsTo.has(queueIds.delivery)).toBe(Boolean(decl.deliveryQueue));
    expect('DELIVERY_QUEUE_URL' in env).toBe(Boolean(decl.deliveryQueue));
    // The API seals secrets and cannot read one back; the delivery opens them and cannot make one.
    const kms = grantsOf(fn).filter((g) => g.actions.some((a) => a.startsWith('kms:')));
    expect(kms.flatMap((g) => g.actions)).toEqual(decl.webhookSecrets === 'seal' ? ['kms:Encrypt'] : decl.webhookSecrets === 'open' ? ['kms:Decrypt'] : []);
    for (const g of kms) expect(g.resources).toEqual([keyId]);
    expect('WEBHOOK_SECRET_KEY_ID' in env).toBe(Boolean(decl.webhookSecrets));
  });

  it('only the debit reads a stream (Usage), and only the outbox reader the Events one', () => {
    for (const { name, fn } of declared) {
      const want = name === WORKERS.debit.name ? ['usage'] : name === WORKERS.relayEvents.name ? ['events'] : [];
      expect(streamsReadBy(fn), name).toEqual(want);
    }
  });

  it('the webhook delivery function reaches Events, Webhooks and the project items only: no money, no usage, no prices', () => {
    const fn = stack.eventDelivery.deliveryFunction;
    const touched = new Set(grantsOf(fn).flatMap((g) => g.resources));
    for (const table of ['ledger', 'usage', 'plans'] as const) expect(touched.has(tableIds[table]), table).toBe(false);
    // Disabling an endpoint writes its webhook.disabled event, counted on the project item (issue 19).
    expect(dynamoActionsOn(fn, 'events').has('dynamodb:PutItem')).toBe(true);
    expect(dynamoActionsOn(fn, 'projects').has('dynamodb:UpdateItem')).toBe(true);
    expect(dynamoActionsOn(fn, 'webhooks').has('dynamodb:UpdateItem')).toBe(true);
  });

  it('GetProject reads Projects only: no write action, nothing on Ledger or Usage', () => {
    const fn = stack.api.routeFunctions.get('GetProject')!;
    const grants = grantsOf(fn);
    const dynamo = grants.filter((g) => g.actions.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const g of dynamo) expect(g.resources).toEqual([tableIds.projects]);
    const actions = dynamo.flatMap((g) => g.actions);
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    const everything = grants.flatMap((g) => g.resources);
    expect(everything).not.toContain(tableIds.ledger);
    expect(everything).not.toContain(tableIds.usage);
  });

  it('the debit function cannot change a usage item: it reads usage from the stream and writes its marks beside the ledger', () => {
    const fn = stack.realtimeDebit.debitFunction;
    expect(dynamoActionsOn(fn, 'usage').size).toBe(0);
    expect(resources[logicalId(fn)]!.Properties.Environment.Variables.USAGE_TABLE).toBeUndefined();
    expect(dynamoActionsOn(fn, 'ledger').has('dynamodb:PutItem')).toBe(true);
  });

  it('no function may manage tables, and only X-Ray and stream listing get Resource *', () => {
    for (const { name, fn } of declared) {
      for (const g of grantsOf(fn)) {
        expect(g.actions.filter((a) => /^dynamodb:(Create|Delete|Update)Table|\*$/.test(a)), name).toEqual([]);
        if (g.resources.includes('*')) {
          expect(g.actions.every((a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams'), `${name}: ${g.actions.join()}`).toBe(true);
        }
      }
    }
  });

  it('execution roles write only to their own log group (no AWSLambdaBasicExecutionRole)', () => {
    for (const { name, fn } of declared) {
      const role = resources[logicalId(fn.executionRole)]!;
      expect(role.Properties.ManagedPolicyArns, name).toBeUndefined();
      const logs = grantsOf(fn).filter((g) => g.actions.some((a) => a.startsWith('logs:')));
      expect(logs.flatMap((g) => g.resources), name).toEqual([resources[logicalId(fn)]!.Properties.LoggingConfig.LogGroup.Ref]);
    }
  });
});
