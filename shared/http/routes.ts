/**
 * Every HTTP route, declared once (docs/api.md as data): who may call it, what it accepts and answers, the
 * function that serves it and exactly the tables, bus and queue that function may touch. The CDK stack
 * makes one function per route from this (lib/constructs/api.ts), the local twin routes to the same
 * handler files (local/router.ts), the route factory checks roles and parses with these schemas
 * (route.ts), and /openapi.json is generated from it (openapi.ts).
 *
 * Each handler file `functions/api/<handler>.ts` exports `handler`, made with `httpRoute('<key>')`.
 */
import type { z } from 'zod';
import { Grant, GrantInput } from '../domain/credits';
import { AlertRules, AlertRulesInput } from '../domain/events';
import { Forecast } from '../domain/forecast';
import { NewPlan, NewVersion, PlanVersion } from '../domain/plan';
import { ProductList } from '../domain/product-view';
import { Project } from '../domain/project';
import { Quote, QuoteRequest } from '../domain/quote';
import { Statement, StatementList } from '../domain/statement';
import type { Role } from '../domain/roles';
import type { TableAccess, TableKey } from '../tables';
import * as P from './portal-schemas';
import * as S from './schemas';
import * as R from './report-schemas';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What the infrastructure needs of a function: its tables (and access), the bus, the charge queue. */
export interface FunctionAccess {
  readonly tables: Partial<Record<TableKey, TableAccess>>;
  /** Publishes to the event bus. */
  readonly events?: boolean;
  /** Sends to the charge-day queue. */
  readonly chargeQueue?: boolean;
  /** Sends to the webhook delivery queue. */
  readonly deliveryQueue?: boolean;
  /** Seals new webhook secrets (KMS Encrypt) or opens them to sign (KMS Decrypt). */
  readonly webhookSecrets?: 'seal' | 'open';
  /** Files (paths from the repository root) shipped beside the function's bundle, read at run time. */
  readonly files?: readonly string[];
  /** Modules (paths from the repository root) bundled on their own beside the function's bundle, loaded at run time. */
  readonly bundles?: readonly string[];
}

/** One route as declared below. */
export interface RouteSpec extends Partial<FunctionAccess> {
  /** Construct id of the function, PascalCase. */
  readonly name: string;
  /** Handler file under functions/api/, without `.ts`. */
  readonly handler: string;
  /** 'public': no key needed. Otherwise the roles that may call it; the project scope is checked too. */
  readonly roles: 'public' | readonly Role[];
  readonly summary: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Status → body schema (null: no body). */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
  /** Also answers `text/csv` when asked with Accept. */
  readonly csv?: boolean;
  /** Also answers `application/pdf` when asked with Accept. */
  readonly pdf?: boolean;
  /**
   * Takes an `Idempotency-Key` header: the route factory keeps the first success for 24 hours and
   * answers it to a repeat (shared/http/route.ts); its records live in the Projects table, so the
   * function gets write access to it (routeOf).
   */
  readonly idempotent?: boolean;
  /** A larger body than the 1 MiB every other route takes (a tariff: up to Lambda's 6 MB). */
  readonly maxBodyBytes?: number;
  /** Answers carry an API key or a secret: sent with `Cache-Control: no-store`. */
  readonly secret?: boolean;
  /** The body may be left out (it then reads as `{}`). */
  readonly optionalBody?: boolean;
  /** Answers these media types instead of JSON (the portal's page and its assets). */
  readonly contentTypes?: readonly string[];
}

/** How the twin and the stack wire a route: method, path, function. */
export interface RouteDefinition extends FunctionAccess {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/projects/{projectId}`. */
  readonly path: string;
  readonly name: string;
  /** Handler file, relative to the repository root. */
  readonly entry: string;
  /** false: no authorizer (health, openapi). */
  readonly auth: boolean;
  /** @default MAX_BODY_BYTES (1 MiB) */
  readonly maxBodyBytes?: number;
}

/** A route: its wiring and its contract. */
export type Route = RouteDefinition & RouteSpec & { readonly key: RouteKey };

const ALL = ['admin', 'project', 'telephony'] as const;
const ADMIN = ['admin'] as const;
const OWNER = ['admin', 'project'] as const;
const PLATFORM = ['admin', 'telephony'] as const;
/** A Lambda function's request payload limit: the largest tariff a version may carry. */
const LAMBDA_PAYLOAD_BYTES = 6_000_000;

export const API = {
  'GET /health': { name: 'GetHealth', handler: 'get-health', roles: 'public', summary: 'Liveness', responses: { 200: S.Health } },
  'GET /openapi.json': { name: 'GetOpenapi', handler: 'get-openapi', roles: 'public', summary: 'This document', responses: { 200: S.OpenApiDocument } },
  'GET /catalog': {
    name: 'GetCatalog', handler: 'get-catalog', roles: ALL, tables: { plans: 'read', projects: 'read' },
    summary: "The standard plan's prices in force on a day (a project key: its own plan's)", query: S.PricesQuery, responses: { 200: PlanVersion },
  },
  'POST /quote': {
    name: 'CreateQuote', handler: 'create-quote', roles: ALL, tables: { plans: 'read', projects: 'read' },
    summary: 'Monthly quote before signing up', body: QuoteRequest, responses: { 200: Quote },
  },
  'GET /plans': { name: 'ListPlans', handler: 'list-plans', roles: ADMIN, tables: { plans: 'read' }, summary: 'Every plan and its versions', responses: { 200: S.PlanList } },
  'GET /plans/{planId}': {
    name: 'GetPlan', handler: 'get-plan', roles: OWNER, tables: { plans: 'read', projects: 'read' },
    summary: 'The version of a plan in force on a day (a project key: a plan it is on)', query: S.PricesQuery, responses: { 200: PlanVersion },
  },
  'POST /plans': {
    name: 'CreatePlan', handler: 'create-plan', roles: ADMIN, tables: { plans: 'readWrite' }, maxBodyBytes: LAMBDA_PAYLOAD_BYTES,
    summary: 'A new plan, with its version 1 in force from 2000-01-01', body: NewPlan, responses: { 201: PlanVersion }, idempotent: true,
  },
  'POST /plans/{planId}/versions': {
    name: 'CreatePlanVersion', handler: 'create-plan-version', roles: ADMIN, tables: { plans: 'readWrite' }, maxBodyBytes: LAMBDA_PAYLOAD_BYTES,
    summary: "A plan's next version, in force from a later day", body: NewVersion, responses: { 201: PlanVersion }, idempotent: true,
  },
  'DELETE /plans/{planId}/versions/{version}': {
    name: 'DeletePlanVersion', handler: 'delete-plan-version', roles: ADMIN, tables: { plans: 'readWrite', projects: 'read' },
    summary: 'Withdraw a version whose first day is still ahead', responses: { 204: null },
  },
  'POST /api-keys': {
    name: 'CreateApiKey', handler: 'create-api-key', roles: ADMIN, tables: { projects: 'readWrite' },
    summary: 'Create an API key (shown once)', body: S.CreateApiKey, responses: { 201: S.ApiKeyCreated }, idempotent: true, secret: true,
  },
  'DELETE /api-keys/{apiKeyId}': {
    name: 'DeleteApiKey', handler: 'delete-api-key', roles: ADMIN, tables: { projects: 'readWrite' },
    summary: 'Revoke an API key (stops working within a minute)', responses: { 204: null },
  },
  'POST /projects': {
    name: 'CreateProject', handler: 'create-project', roles: ADMIN, tables: { projects: 'readWrite', plans: 'readWrite' },
    summary: 'Create a project and its key', body: S.CreateProject, responses: { 201: S.ProjectCreated }, idempotent: true, secret: true,
  },
  'GET /projects/{projectId}': {
    name: 'GetProject', handler: 'get-project', roles: OWNER, tables: { projects: 'read' },
    summary: 'A project with its balance', responses: { 200: Project },
  },
  'POST /projects/{projectId}/payments': {
    name: 'CreatePayment', handler: 'create-payment', roles: ADMIN, tables: { projects: 'readWrite', ledger: 'readWrite', events: 'write' },
    summary: 'Record a payment (idempotent by paymentId)', body: S.CreatePayment, responses: { 200: S.PaymentRecorded, 201: S.PaymentRecorded },
  },
  'PUT /projects/{projectId}/plan': {
    name: 'PutProjectPlan', handler: 'put-project-plan', roles: ADMIN, tables: { projects: 'readWrite', plans: 'readWrite', events: 'write' },
    summary: 'Move the project to another plan from a later day', body: S.MovePlan, responses: { 200: S.PlanMoved },
  },
  'GET /projects/{projectId}/products': {
    name: 'ListProducts', handler: 'list-products', roles: OWNER, tables: { projects: 'read', plans: 'read' },
    summary: 'Every product with its price, what it includes, and whether it is on', responses: { 200: ProductList },
  },
  'PUT /projects/{projectId}/products/{productId}': {
    name: 'PutProduct', handler: 'put-product', roles: OWNER, tables: { projects: 'readWrite', plans: 'read', events: 'write' },
    summary: 'Switch a product on or off, set seats', body: S.PutProduct, responses: { 200: S.ProductChanged },
  },
  'POST /projects/{projectId}/numbers': {
    name: 'AddNumber', handler: 'add-number', roles: OWNER, tables: { projects: 'readWrite', plans: 'read', events: 'write' },
    summary: 'Rent a number', body: S.AddNumber, responses: { 201: S.NumberHeld },
  },
  'DELETE /projects/{projectId}/numbers/{number}': {
    name: 'RemoveNumber', handler: 'remove-number', roles: OWNER, tables: { projects: 'readWrite', events: 'write' },
    summary: 'Release a number', query: S.RemoveNumberQuery, responses: { 204: null },
  },
  'POST /projects/{projectId}/sessions': {
    name: 'PutSessions', handler: 'put-sessions', roles: PLATFORM, tables: { projects: 'readWrite' },
    summary: "A day's analytics sessions (a repeat replaces the day)", body: S.PutSessions, responses: { 200: S.SessionsRecorded },
  },
  'POST /usage': {
    name: 'PostUsage', handler: 'post-usage', roles: PLATFORM, tables: { projects: 'read', usage: 'write', plans: 'read' },
    summary: 'Usage events, rated and debited in real time', body: S.PostUsage, responses: { 202: S.UsageAccepted },
  },
  'POST /projects/{projectId}/authorize': {
    name: 'AuthorizeCall', handler: 'authorize-call', roles: PLATFORM, tables: { projects: 'read', plans: 'read' },
    summary: 'May this call start, and for how long', body: S.AuthorizeCall, responses: { 200: S.CallAuthorization },
  },
  'GET /projects/{projectId}/ledger': {
    name: 'ListLedger', handler: 'list-ledger', roles: OWNER, tables: { projects: 'read', ledger: 'read' },
    summary: 'Money movements, oldest first', query: S.LedgerQuery, responses: { 200: S.LedgerPage }, csv: true,
  },
  'GET /projects/{projectId}/usage': {
    name: 'ListUsage', handler: 'list-usage', roles: OWNER, tables: { projects: 'read', usage: 'read' },
    summary: "A day's rated usage events, oldest first, paged", query: S.UsageQuery, responses: { 200: S.UsageList }, csv: true,
  },
  'GET /projects/{projectId}/forecast': {
    name: 'GetForecast', handler: 'get-forecast', roles: OWNER, tables: { projects: 'read', ledger: 'read', plans: 'read' },
    summary: 'Next charge and spend forecast', responses: { 200: Forecast },
  },
  'GET /projects/{projectId}/events': {
    name: 'ListEvents', handler: 'list-events', roles: OWNER, tables: { projects: 'read', events: 'read' },
    summary: "The project's events in sequence order, paged (kept at least 90 days)", query: S.EventsQuery, responses: { 200: S.EventList },
  },
  'POST /projects/{projectId}/events/{eventId}/redeliver': {
    name: 'RedeliverEvent', handler: 'redeliver-event', roles: OWNER, tables: { projects: 'read', events: 'read', webhooks: 'readWrite' }, deliveryQueue: true,
    summary: 'Deliver an event again, to one webhook or to every one that takes it (10 per webhook per hour)', body: S.Redeliver, optionalBody: true, responses: { 202: S.RedeliveryQueued, 429: S.ErrorBody },
  },
  'GET /projects/{projectId}/alerts': {
    name: 'GetAlerts', handler: 'get-alerts', roles: OWNER, tables: { projects: 'read' },
    summary: 'The alert rules', responses: { 200: AlertRules },
  },
  'PUT /projects/{projectId}/alerts': {
    name: 'PutAlerts', handler: 'put-alerts', roles: OWNER, tables: { projects: 'readWrite' },
    summary: 'Replace the alert rules (a rule null or absent is off)', body: AlertRulesInput, responses: { 200: AlertRules },
  },
  'POST /projects/{projectId}/webhooks': {
    name: 'CreateWebhook', handler: 'create-webhook', roles: OWNER, tables: { projects: 'read', webhooks: 'readWrite' }, webhookSecrets: 'seal',
    summary: 'A webhook endpoint; its signing secret is shown once', body: S.CreateWebhook, responses: { 201: S.WebhookCreated }, idempotent: true, secret: true,
  },
  'GET /projects/{projectId}/webhooks': {
    name: 'ListWebhooks', handler: 'list-webhooks', roles: OWNER, tables: { projects: 'read', webhooks: 'read' },
    summary: "The project's webhook endpoints", responses: { 200: S.WebhookList },
  },
  'DELETE /projects/{projectId}/webhooks/{webhookId}': {
    name: 'DeleteWebhook', handler: 'delete-webhook', roles: OWNER, tables: { projects: 'read', webhooks: 'readWrite' },
    summary: 'Remove a webhook endpoint (nothing more is delivered to it)', responses: { 204: null },
  },
  'GET /projects/{projectId}/webhooks/{webhookId}/deliveries': {
    name: 'ListDeliveries', handler: 'list-deliveries', roles: OWNER, tables: { projects: 'read', webhooks: 'read' },
    summary: "A webhook's delivery attempts, newest first", query: S.DeliveriesQuery, responses: { 200: S.DeliveryList },
  },
  'POST /admin/billing-runs': {
    name: 'CreateBillingRun', handler: 'create-billing-run', roles: ADMIN, tables: { projects: 'readWrite' }, chargeQueue: true,
    summary: 'Run the nightly charge for a past day', body: S.CreateBillingRun, responses: { 202: S.BillingRunStarted },
  },
  // issue 18: credits, corrections and top-ups
  'POST /projects/{projectId}/adjustments': {
    name: 'CreateAdjustment', handler: 'create-adjustment', roles: ADMIN, tables: { projects: 'readWrite', ledger: 'write', events: 'write' },
    summary: 'A signed correction of the balance (idempotent by adjustmentId)', body: S.CreateAdjustment, responses: { 200: S.AdjustmentMade, 201: S.AdjustmentMade },
  },
  'POST /projects/{projectId}/usage/{eventId}/refund': {
    name: 'RefundUsage', handler: 'refund-usage', roles: ADMIN, tables: { projects: 'readWrite', ledger: 'readWrite', usage: 'read', events: 'write' },
    summary: "A usage event's whole cost back, once", body: S.RefundUsage, responses: { 200: S.UsageRefunded, 201: S.UsageRefunded },
  },
  'POST /projects/{projectId}/credits': {
    name: 'CreateCredit', handler: 'create-credit', roles: ADMIN, tables: { projects: 'readWrite', ledger: 'write', events: 'write' },
    summary: 'A credit grant that pays for the charges of its days (idempotent by grantId)', body: GrantInput, responses: { 200: Grant, 201: Grant },
  },
  'GET /projects/{projectId}/credits': {
    name: 'ListCredits', handler: 'list-credits', roles: OWNER, tables: { projects: 'read' },
    summary: "The project's credit grants, newest first", responses: { 200: S.GrantList },
  },
  'DELETE /projects/{projectId}/credits/{grantId}': {
    name: 'VoidCredit', handler: 'void-credit', roles: ADMIN, tables: { projects: 'readWrite', ledger: 'readWrite', events: 'write' },
    summary: 'Void a grant: what remains leaves the balance', responses: { 200: Grant },
  },
  'PUT /projects/{projectId}/auto-topup': {
    name: 'PutAutoTopup', handler: 'put-auto-topup', roles: OWNER, tables: { projects: 'readWrite' },
    summary: 'Set (and enable) or remove the auto top-up rule', body: S.PutAutoTopup, responses: { 200: S.AutoTopupAnswer },
  },
  'GET /projects/{projectId}/auto-topup': {
    name: 'GetAutoTopup', handler: 'get-auto-topup', roles: OWNER, tables: { projects: 'read' },
    summary: 'The auto top-up rule, what is outstanding and what this month requested', responses: { 200: S.AutoTopupAnswer },
  },
  'POST /projects/{projectId}/topups/{topupId}/failed': {
    name: 'FailTopup', handler: 'fail-topup', roles: ADMIN, tables: { projects: 'readWrite', ledger: 'read', events: 'write' },
    summary: 'The payment service could not take a requested top-up', body: S.FailTopup, responses: { 200: S.TopupFailedAnswer },
  },
  // issue 21: monthly statements (JSON, CSV and PDF), made by the nightly run
  'GET /projects/{projectId}/statements': {
    name: 'ListStatements', handler: 'list-statements', roles: OWNER, tables: { projects: 'read' },
    summary: "The project's monthly statements, newest first", responses: { 200: StatementList },
  },
  'GET /projects/{projectId}/statements/{month}': {
    name: 'GetStatement', handler: 'get-statement', roles: OWNER, tables: { projects: 'read' },
    summary: 'A monthly statement: JSON, or CSV or PDF with Accept', responses: { 200: Statement }, csv: true, pdf: true,
    files: ['node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf'], bundles: ['shared/http/statement-pdf.ts'],
  },
  // issue 23: the customer's billing page (portal links, the page, the price preview it shows)
  'POST /projects/{projectId}/portal-sessions': {
    name: 'CreatePortalSession', handler: 'create-portal-session', roles: OWNER, tables: { projects: 'read' },
    summary: "A signed link to the project's billing page, valid 60 minutes", body: P.CreatePortalSession, optionalBody: true,
    responses: { 201: P.PortalSessionCreated }, idempotent: true, secret: true,
  },
  'GET /projects/{projectId}/products/{productId}/price': {
    name: 'GetProductPrice', handler: 'get-product-price', roles: OWNER, tables: { projects: 'read', plans: 'read' },
    summary: "What a product would cost tomorrow with the seats asked (shown before a change is confirmed)", query: P.PriceQuery, responses: { 200: P.ProductPrice },
  },
  'GET /portal': {
    name: 'GetPortalPage', handler: 'get-portal-page', roles: 'public', contentTypes: ['text/html'],
    summary: 'The billing page (its link carries the session in the URL fragment)', responses: { 200: P.PageText },
  },
  'GET /portal/{asset}': {
    name: 'GetPortalAsset', handler: 'get-portal-asset', roles: 'public', contentTypes: ['text/javascript', 'text/css'],
    summary: "The billing page's script and stylesheet (bundled at build time)", responses: { 200: P.PageText },
  },
  // issue 22: reports (usage by dimension, spend by period)
  'GET /projects/{projectId}/reports/usage': {
    name: 'GetUsageReport', handler: 'get-usage-report', roles: OWNER, tables: { projects: 'read', usage: 'read' },
    summary: 'Events, seconds and cost grouped by 1 or 2 of day, month, kind, country, prefix, tag:<key>, over up to 366 days',
    query: R.UsageReportQuery, responses: { 200: R.UsageReport }, csv: true,
  },
  'GET /projects/{projectId}/reports/spend': {
    name: 'GetSpendReport', handler: 'get-spend-report', roles: OWNER, tables: { projects: 'read', ledger: 'read' },
    summary: 'Products, numbers, discount, telecom, adjustments, refunds and total per day or month, over up to 366 days',
    query: R.SpendReportQuery, responses: { 200: R.SpendReport }, csv: true,
  },
  // issue 20: is last night done?
  'GET /admin/billing-runs/{date}': {
    name: 'GetBillingRun', handler: 'get-billing-run', roles: ADMIN, tables: { projects: 'read' },
    summary: "A day's billing run: projects queued, charged, failed (with ids), and whether it is complete", responses: { 200: S.BillingRun },
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteKey = keyof typeof API;

/** The route of `key`, with its wiring derived from the declaration. */
export function routeOf(key: RouteKey): Route {
  const spec: RouteSpec = API[key];
  const [method, path] = key.split(' ') as [HttpMethod, string];
  const tables = spec.idempotent ? { ...spec.tables, projects: 'readWrite' as const } : spec.tables ?? {};
  return { ...spec, key, method, path, entry: `functions/api/${spec.handler}.ts`, auth: spec.roles !== 'public', tables };
}

/** Every route, in declaration order. */
export const ROUTES: readonly Route[] = (Object.keys(API) as RouteKey[]).map(routeOf);

/** The names of a path's parameters: `/projects/{projectId}/numbers/{number}` → 'projectId' | 'number'. */
type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;

/** The path parameters of a route key, typed from its path. */
export type ParamsOf<K extends string> = { [N in ParamNames<K extends `${string} ${infer P}` ? P : never>]: string };
