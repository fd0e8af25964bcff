import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AuthorizerPayloadVersion,
  HttpApi,
  HttpAuthorizer,
  HttpAuthorizerType,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import type { PaygoTables } from './tables';

/** Props of {@link PaygoApi}. */
export interface PaygoApiProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * The HTTP API itself: the API, its `$default` stage with access logs (cdk-nag APIG1), and the Lambda
 * authorizer (API key in `Authorization`). The routes and their functions are {@link PaygoRoutes},
 * in stacks of their own, so the number of routes does not grow this one.
 */
export class PaygoApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly authorizerFunction: PaygoFunction;
  /** The API-key authorizer, for routes in any stack (an id, not a construct to re-create). */
  readonly authorizerId: string;

  constructor(scope: Construct, id: string, props: PaygoApiProps) {
    super(scope, id);

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
      // Routes added or changed by the route stacks are deployed to the stage without a deploy of this one.
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    this.authorizerFunction = new PaygoFunction(this, WORKERS.authorizer.name, {
      entry: WORKERS.authorizer.entry,
      settings: props.settings,
      description: 'Authorizes an API key (Authorization header) for the HTTP API',
    }).bindDeclared(WORKERS.authorizer, { tables: props.tables });
    // The L2 authorizer (not HttpLambdaAuthorizer, which is made in the stack of the first route it
    // is bound to): it stays here while routes move between stacks.
    const authorizer = new HttpAuthorizer(this, 'ApiKeyAuthorizer', {
      httpApi: this.httpApi,
      authorizerName: 'ApiKeyAuthorizer',
      type: HttpAuthorizerType.LAMBDA,
      identitySource: ['$request.header.Authorization'],
      enableSimpleResponses: true,
      payloadFormatVersion: AuthorizerPayloadVersion.VERSION_2_0,
      authorizerUri: `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}:lambda:path/2015-03-31/functions/${this.authorizerFunction.functionArn}/invocations`,
      // Cached per Authorization value for every route: the answer must not depend on the route.
      resultsCacheTtl: Duration.minutes(1),
    });
    this.authorizerFunction.addPermission('ApiKeyAuthorizerPermission', {
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: Stack.of(this).formatArn({ service: 'execute-api', resource: this.httpApi.apiId, resourceName: `authorizers/${authorizer.authorizerId}` }),
    });
    this.authorizerId = authorizer.authorizerId;

    const url = new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the paygo HTTP API' });
    url.overrideLogicalId('ApiUrl'); // a stable output name for scripts, not a path-hashed one
  }
}

/** Props of {@link PaygoRoutes}. */
export interface PaygoRoutesProps {
  readonly settings: BillingSettings;
  readonly api: PaygoApi;
  readonly tables: PaygoTables;
  readonly eventBus: IEventBus;
  /** The charge-day queue, for routes declaring `chargeQueue` (CreateBillingRun). */
  readonly chargeQueue: IQueue;
  /** The webhook delivery queue, for routes declaring `deliveryQueue` (RedeliverEvent). */
  readonly deliveryQueue: IQueue;
  /** The key that seals webhook secrets, for routes declaring `webhookSecrets` (CreateWebhook). */
  readonly secretKey: IKey;
  /** The routes this construct serves (a group of ROUTES, lib/route-groups.ts). */
  readonly routes: readonly RouteDefinition[];
  /** What each route function's error alarm notifies (the alarm topic). */
  readonly alarmAction: IAlarmAction;
  /** Prefix of the alarms' names, so the dashboard (another stack) can name them without an export. */
  readonly alarmNamePrefix: string;
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

/** The name of a route function's error alarm: the dashboard builds the same name from ROUTES. */
export const routeAlarmName = (prefix: string, routeName: string): string => `${prefix}-${routeName}-Errors`;

/**
 * Routes of the HTTP API: one function per route, each with exactly the table, bus, queue and key
 * access its declaration lists, behind the API-key authorizer unless declared `auth: false`, and an
 * alarm on its unhandled errors. The alarm lives with its function: removing a route removes both
 * in one deploy, with no export left for another stack to hold on to.
 */
export class PaygoRoutes extends Construct {
  /** Route functions by route name (`GetProject`, `CreatePayment`, ...). */
  readonly routeFunctions: ReadonlyMap<string, PaygoFunction>;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: PaygoRoutesProps) {
    super(scope, id);
    const resources = { tables: props.tables, eventBus: props.eventBus, chargeQueue: props.chargeQueue, deliveryQueue: props.deliveryQueue, secretKey: props.secretKey };
    const authorizer: IHttpRouteAuthorizer = HttpAuthorizer.fromHttpAuthorizerAttributes(this, 'ApiKeyAuthorizer', {
      authorizerId: props.api.authorizerId,
      // A Lambda authorizer's routes say CUSTOM.
      authorizerType: 'CUSTOM',
    });

    const functions = new Map<string, PaygoFunction>();
    for (const route of props.routes) {
      const fn = new PaygoFunction(this, route.name, {
        entry: route.entry,
        ...(route.files ? { files: route.files } : {}),
        ...(route.bundles ? { bundles: route.bundles } : {}),
        settings: props.settings,
        description: `${route.method} ${route.path}`,
      }).bindDeclared(route, resources);
      const routeResource = new HttpRoute(this, `${route.name}Route`, {
        httpApi: props.api.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn, { timeout: integrationTimeout(fn) }),
        authorizer: route.auth ? authorizer : undefined,
      });
      if (!route.auth) {
        Validations.of(routeResource).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is declared public (roles: 'public' in shared/http/routes.ts, docs/api.md): it takes no API key by contract.`,
        });
      }
      const alarm = new Alarm(this, `${route.name}Errors`, {
        alarmName: routeAlarmName(props.alarmNamePrefix, route.name),
        metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${route.name} (${route.method} ${route.path}) threw (unhandled errors, answered 500; not HTTP 4xx). Read its log group; fix and deploy.`,
      });
      alarm.addAlarmAction(props.alarmAction);
      this.alarms.push(alarm);
      functions.set(route.name, fn);
    }
    this.routeFunctions = functions;
  }
}
