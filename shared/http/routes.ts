/**
 * Every HTTP route, declared once. The CDK stack makes one function per route from this table (with
 * exactly the table grants listed) and the local twin serves the same handlers from it; a test checks
 * the twin serves every route of the synthesised template.
 *
 * Each `entry` file exports `handler` (an API Gateway HTTP API v2 handler).
 */
import type { TableAccess, TableKey } from '../store/tables';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway path syntax: `/projects/{projectId}`. */
  path: string;
  /** Construct id of the function, PascalCase. */
  name: string;
  /** Handler file, relative to the repository root. */
  entry: string;
  /** false: no authorizer (health, openapi). */
  auth: boolean;
  tables: Partial<Record<TableKey, TableAccess>>;
  /** Publishes to the event bus. */
  events?: boolean;
  /** Sends to the charge-day queue. */
  chargeQueue?: boolean;
}

const r = (method: HttpMethod, path: string, name: string, file: string, tables: RouteDefinition['tables'], extra: Partial<RouteDefinition> = {}): RouteDefinition =>
  ({ method, path, name, entry: `functions/api/${file}.ts`, auth: true, tables, ...extra });

export const ROUTES: readonly RouteDefinition[] = [
  r('GET', '/health', 'GetHealth', 'get-health', {}, { auth: false }),
  r('GET', '/openapi.json', 'GetOpenapi', 'get-openapi', {}, { auth: false }),
  r('GET', '/catalog', 'GetCatalog', 'get-catalog', {}),
  r('POST', '/quote', 'CreateQuote', 'create-quote', {}),
  r('POST', '/api-keys', 'CreateApiKey', 'create-api-key', { projects: 'readWrite' }),
  r('DELETE', '/api-keys/{apiKeyId}', 'DeleteApiKey', 'delete-api-key', { projects: 'readWrite' }),
  r('POST', '/projects', 'CreateProject', 'create-project', { projects: 'readWrite' }),
  r('GET', '/projects/{projectId}', 'GetProject', 'get-project', { projects: 'read' }),
  r('POST', '/projects/{projectId}/payments', 'CreatePayment', 'create-payment', { projects: 'readWrite', ledger: 'readWrite' }, { events: true }),
  r('GET', '/projects/{projectId}/products', 'ListProducts', 'list-products', { projects: 'read' }),
  r('PUT', '/projects/{projectId}/products/{productId}', 'PutProduct', 'put-product', { projects: 'readWrite' }),
  r('POST', '/projects/{projectId}/numbers', 'AddNumber', 'add-number', { projects: 'readWrite' }),
  r('DELETE', '/projects/{projectId}/numbers/{number}', 'RemoveNumber', 'remove-number', { projects: 'readWrite' }),
  r('POST', '/projects/{projectId}/sessions', 'PutSessions', 'put-sessions', { projects: 'readWrite' }),
  r('POST', '/usage', 'PostUsage', 'post-usage', { projects: 'read', usage: 'write' }),
  r('POST', '/projects/{projectId}/authorize', 'AuthorizeCall', 'authorize-call', { projects: 'read' }),
  r('GET', '/projects/{projectId}/ledger', 'ListLedger', 'list-ledger', { projects: 'read', ledger: 'read' }),
  r('GET', '/projects/{projectId}/usage', 'ListUsage', 'list-usage', { projects: 'read', usage: 'read' }),
  r('GET', '/projects/{projectId}/forecast', 'GetForecast', 'get-forecast', { projects: 'read', ledger: 'read' }),
  r('POST', '/admin/billing-runs', 'CreateBillingRun', 'create-billing-run', { projects: 'read' }, { chargeQueue: true }),
];

/** Functions that are not routes: their triggers are wired in lib/constructs. */
export const WORKERS = {
  authorizer: { name: 'AuthorizeKey', entry: 'functions/auth/authorize-key.ts', tables: { projects: 'read' } },
  debit: { name: 'DebitUsage', entry: 'functions/usage/debit-usage.ts', tables: { projects: 'readWrite', usage: 'readWrite' }, events: true },
  fanOut: { name: 'FanOutDays', entry: 'functions/billing/fan-out-days.ts', tables: { projects: 'read' }, chargeQueue: true },
  chargeDay: { name: 'ChargeDay', entry: 'functions/billing/charge-day.ts', tables: { projects: 'readWrite', ledger: 'readWrite' }, events: true },
  /** Read-only: recomputes balances and closed days; never writes money. */
  reconcile: { name: 'Reconcile', entry: 'functions/billing/reconcile.ts', tables: { projects: 'read', ledger: 'read', usage: 'read' }, events: true },
} as const satisfies Record<string, Omit<RouteDefinition, 'method' | 'path' | 'auth'>>;
