/**
 * API.md as data: for each route of shared/http/routes.ts, who may call it, what it accepts and what it
 * answers. The route factory (route.ts) enforces roles and parses with these schemas; openapi.ts
 * renders them; a test checks every route here is in ROUTES and back.
 */
import type { z } from 'zod';
import { Catalog } from '../domain/catalog';
import * as S from './schemas';

export interface Operation {
  /** 'public': no key needed. Otherwise the roles that may call it; the project scope is checked too. */
  roles: 'public' | readonly S.Role[];
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Status → body schema (null: no body). */
  responses: Record<number, z.ZodType | null>;
  /** Also answers `text/csv` when asked with Accept. */
  csv?: boolean;
  /** Takes an `Idempotency-Key` header. */
  idempotent?: boolean;
}

const ALL = ['admin', 'project', 'telephony'] as const;
const ADMIN = ['admin'] as const;
const OWNER = ['admin', 'project'] as const;
const PLATFORM = ['admin', 'telephony'] as const;

export const CONTRACT = {
  'GET /health': { roles: 'public', summary: 'Liveness', responses: { 200: S.Health } },
  'GET /openapi.json': { roles: 'public', summary: 'This document', responses: { 200: S.OpenApiDocument } },
  'GET /catalog': { roles: ALL, summary: 'Products, numbers, discounts and the tariff', responses: { 200: Catalog } },
  'POST /quote': { roles: ALL, summary: 'Monthly quote before signing up', body: S.QuoteRequest, responses: { 200: S.QuoteBody } },
  'POST /api-keys': { roles: ADMIN, summary: 'Create an API key (shown once)', body: S.CreateApiKey, responses: { 201: S.ApiKeyCreated } },
  'DELETE /api-keys/{apiKeyId}': { roles: ADMIN, summary: 'Revoke an API key (stops working within a minute)', responses: { 204: null } },
  'POST /projects': { roles: ADMIN, summary: 'Create a project and its key', body: S.CreateProject, responses: { 200: S.ProjectCreated, 201: S.ProjectCreated }, idempotent: true },
  'GET /projects/{projectId}': { roles: OWNER, summary: 'A project with its balance', responses: { 200: S.Project } },
  'POST /projects/{projectId}/payments': { roles: ADMIN, summary: 'Record a payment (idempotent by paymentId)', body: S.CreatePayment, responses: { 200: S.PaymentRecorded, 201: S.PaymentRecorded } },
  'GET /projects/{projectId}/products': { roles: OWNER, summary: 'Every product with its price, what it includes, and whether it is on', responses: { 200: S.ProductList } },
  'PUT /projects/{projectId}/products/{productId}': { roles: OWNER, summary: 'Switch a product on or off, set seats', body: S.PutProduct, responses: { 200: S.ProductChanged } },
  'POST /projects/{projectId}/numbers': { roles: OWNER, summary: 'Rent a number', body: S.AddNumber, responses: { 201: S.NumberHeld } },
  'DELETE /projects/{projectId}/numbers/{number}': { roles: OWNER, summary: 'Release a number', query: S.RemoveNumberQuery, responses: { 204: null } },
  'POST /projects/{projectId}/sessions': { roles: PLATFORM, summary: "A day's analytics sessions (a repeat replaces the day)", body: S.PutSessions, responses: { 200: S.SessionsRecorded } },
  'POST /usage': { roles: PLATFORM, summary: 'Usage events, rated and debited in real time', body: S.PostUsage, responses: { 202: S.UsageAccepted } },
  'POST /projects/{projectId}/authorize': { roles: PLATFORM, summary: 'May this call start, and for how long', body: S.AuthorizeCall, responses: { 200: S.CallAuthorization } },
  'GET /projects/{projectId}/ledger': { roles: OWNER, summary: 'Money movements, oldest first', query: S.LedgerQuery, responses: { 200: S.LedgerPage }, csv: true },
  'GET /projects/{projectId}/usage': { roles: OWNER, summary: "A day's rated usage events", query: S.UsageQuery, responses: { 200: S.UsageList } },
  'GET /projects/{projectId}/forecast': { roles: OWNER, summary: 'Next charge and spend forecast', responses: { 200: S.ForecastBody } },
  'POST /admin/billing-runs': { roles: ADMIN, summary: 'Run the nightly charge for a past day', body: S.CreateBillingRun, responses: { 202: S.BillingRunStarted } },
} as const satisfies Record<string, Operation>;

export type OperationKey = keyof typeof CONTRACT;
