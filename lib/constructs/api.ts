import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import type { PaygoTables } from './tables';

/** Props of {@link PaygoApi}. */
export interface PaygoApiProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  readonly eventBus: IEventBus;
  /** The charge-day queue, for routes declaring `chargeQueue` (CreateBillingRun). */
  readonly chargeQueue: IQueue;
  /** The webhook delivery queue, for routes declaring `deliveryQueue` (RedeliverEvent). */
  readonly deliveryQueue: IQueue;
  /** The key that seals webhook secrets, for routes declaring `webhookSecrets` (CreateWebhook). */
  readonly secretKey: IKey;
  /** @default ROUTES (shared/http/routes.ts) */
  readonly routes?: readonly RouteDefinition[];
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * How long API Gateway waits for a route's function: a second less than the function may run. An
 * integration timeout is answered 503 (the client sends the request again), while a function that
 * times out first is answered 500; the function still finishes its writes after the gateway gave
 * up, and a repeat of the request finds them done (docs/api.md, Conventions). At most 29 s.
 */
function integrationTimeout(fn: PaygoFunction): Duration {
  const functionMs = (fn.timeout ?? Duration.seconds(3)).toMilliseconds();
  return Duration.millis(Math.min(29_000, functionMs - 1_000));
}

/**
 * The HTTP API: one function per route of ROUTES, each with exactly the table, bus, queue and key access
 * its declaration lists, behind a Lambda authorizer (API key in `Authorization`) except for routes
 * declared `auth: false`. The `$default` stage writes access logs.
 */
export class PaygoApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly authorizerFunction: PaygoFunction;
  /** Route functions by route name (`GetProject`, `CreatePayment`, ...). */
  readonly routeFunctions: ReadonlyMap<string, PaygoFunction>;

  constructor(scope: Construct, id: string, props: PaygoApiProps) {
    super(scope, id);
    const resources = { tables: props.tables, eventBus: props.eventBus, chargeQueue: props.chargeQueue, deliveryQueue: props.deliveryQueue, secretKey: props.secretKey };

    this.authorizerFunction = new PaygoFunction(this, WORKERS.authorizer.name, {
      entry: WORKERS.authorizer.entry,
      settings: props.settings,
      description: 'Authorizes an API key (Authorization header) for the HTTP API',
    }).bindDeclared(WORKERS.authorizer, resources);
    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // Cached per Authorization value for every route: the answer must not depend on the route.
      resultsCacheTtl: Duration.minutes(1),
    });

    // No auto-created stage: the `$default` stage is made below with access logging (cdk-nag APIG1).
    this.httpApi = new HttpApi(this, 'HttpApi', { apiName: 'paygo', createDefaultStage: false });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS,
      // Request logs are diagnostics, not the money record: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    const functions = new Map<string, PaygoFunction>();
    for (const route of props.routes ?? ROUTES) {
      const fn = new PaygoFunction(this, route.name, {
        entry: route.entry,
        ...(route.files ? { files: route.files } : {}),
        ...(route.bundles ? { bundles: route.bundles } : {}),
        settings: props.settings,
        description: `${route.method} ${route.path}`,
      }).bindDeclared(route, resources);
      const [routeResource] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn, { timeout: integrationTimeout(fn) }),
        authorizer: route.auth ? authorizer : undefined,
      });
      if (!route.auth && routeResource) {
        Validations.of(routeResource).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by contract (docs/api.md): health check / OpenAPI document / the billing page's static files, no project data.`,
        });
      }
      functions.set(route.name, fn);
    }
    this.routeFunctions = functions;

    const url = new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the paygo HTTP API' });
    url.overrideLogicalId('ApiUrl'); // a stable output name for scripts, not a path-hashed one
  }
}
