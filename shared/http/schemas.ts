/**
 * The zod schemas of API.md: request bodies and queries (strict: an unknown field is a 400) and the
 * response shapes. The handlers parse with them and GET /openapi.json is generated from them, so the
 * document cannot drift from what the code accepts.
 */
import * as z from 'zod';
import { isBillingDay } from '../domain/billing-days';
import { NumberType, ProductId } from '../domain/catalog';

/** Integer minor units. Never a float, never a string. */
export const Money = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).meta({ description: 'integer minor units (kopecks, cents)' });
export const PositiveMoney = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).meta({ description: 'integer minor units, > 0' });
export const Day = z.string().refine(isBillingDay, 'must be a valid YYYY-MM-DD date').meta({ format: 'date', example: '2026-01-31' });
export const Instant = z.iso.datetime({ offset: true }).meta({ example: '2026-01-31T12:00:00+02:00' });
export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as UAH');
export const E164 = z.string().regex(/^\+[1-9]\d{5,14}$/, 'an E.164 number such as +380441234567');
export const Role = z.enum(['admin', 'project', 'telephony']);
export type Role = z.infer<typeof Role>;

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()).optional() }),
}).meta({ id: 'Error' });

export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) });

export const Health = z.object({ status: z.literal('ok') });

// --- keys
export const CreateApiKey = z.strictObject({ role: Role, projectId: Id.optional() });
export const ApiKeyCreated = z.object({ apiKeyId: z.string(), apiKey: z.string(), role: Role, projectId: z.string().optional() });

// --- projects
export const ProjectStatus = z.enum(['active', 'blocked']);
export const Project = z.object({
  projectId: z.string(),
  name: z.string(),
  currency: Currency,
  balance: Money,
  creditLimit: Money,
  status: ProjectStatus,
  lastChargedDate: Day.nullable(),
  billingStartDate: Day,
}).meta({ id: 'Project' });
export type ProjectView = z.infer<typeof Project>;
export const CreateProject = z.strictObject({
  name: z.string().trim().min(1).max(200),
  currency: Currency.optional(),
  creditLimit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  billingStartDate: Day.optional(),
});
/** A replay by Idempotency-Key answers without `apiKey`: the key is stored only as its hash. */
export const ProjectCreated = Project.extend({ apiKey: z.string().optional(), apiKeyId: z.string() });

// --- payments
export const CreatePayment = z.strictObject({ paymentId: Id, amount: PositiveMoney });
export const PaymentRecorded = z.object({ paymentId: z.string(), amount: PositiveMoney, balance: Money });

// --- products
export const ProductView = z.object({
  productId: ProductId,
  name: z.string(),
  enabled: z.boolean(),
  monthlyPrice: Money,
  included: z.array(z.string()),
  seats: z.number().int().optional(),
}).meta({ id: 'ProductView' });
export const ProductList = z.object({ products: z.array(ProductView), discountPercent: z.number().int() });
export const PutProduct = z.strictObject({
  enabled: z.boolean(),
  seats: z.number().int().min(0).max(10_000).optional(),
  effectiveAt: Instant.optional(),
});
export const ProductChanged = ProductView.extend({
  effectiveAt: Instant,
  /** What the next nightly charge becomes with this change in force. */
  nextCharge: z.object({ date: Day, amount: Money }),
});

// --- numbers
export const AddNumber = z.strictObject({ number: E164, type: NumberType, effectiveAt: Instant.optional() });
export const NumberHeld = z.object({ number: E164, type: NumberType, effectiveAt: Instant });
export const RemoveNumberQuery = z.strictObject({ effectiveAt: Instant.optional() });

// --- sessions
export const PutSessions = z.strictObject({ date: Day, count: z.number().int().min(0).max(1_000_000_000) });
export const SessionsRecorded = z.object({ date: Day, count: z.number().int() });

// --- usage
export const UsageKind = z.enum(['outgoing_call', 'forwarded_call', 'sms']);
export const UsageEvent = z.strictObject({
  eventId: Id,
  projectId: Id,
  kind: UsageKind,
  destination: E164,
  occurredAt: Instant,
  durationSec: z.number().int().min(0).max(86_400).optional(),
  segments: z.number().int().min(1).max(1_000).optional(),
}).superRefine((e, ctx) => {
  if (e.kind === 'sms') {
    if (e.segments === undefined) ctx.addIssue({ code: 'custom', path: ['segments'], message: 'an sms carries segments (>= 1)' });
    if (e.durationSec !== undefined) ctx.addIssue({ code: 'custom', path: ['durationSec'], message: 'an sms has no durationSec' });
  } else {
    if (e.durationSec === undefined) ctx.addIssue({ code: 'custom', path: ['durationSec'], message: 'a call carries durationSec (0 = unanswered)' });
    if (e.segments !== undefined) ctx.addIssue({ code: 'custom', path: ['segments'], message: 'a call has no segments' });
  }
}).meta({ id: 'UsageEvent' });
export const PostUsage = z.strictObject({ events: z.array(UsageEvent).min(1).max(500) });
export const UsageAccepted = z.object({ accepted: z.number().int(), duplicates: z.number().int() });
export const RatedUsageEvent = z.object({
  eventId: z.string(), projectId: z.string(), kind: UsageKind, destination: z.string(), occurredAt: z.string(),
  durationSec: z.number().int().optional(), segments: z.number().int().optional(), cost: Money,
});
export const UsageList = z.object({ events: z.array(RatedUsageEvent) });
export const UsageQuery = z.strictObject({ date: Day });

export const AuthorizeCall = z.strictObject({ kind: UsageKind, destination: E164 });
export const CallAuthorization = z.object({ allowed: z.boolean(), maxDurationSec: z.number().int().nullable(), reason: z.string().optional() });

// --- ledger
export const LedgerType = z.enum(['payment', 'product_daily', 'number_daily', 'discount', 'telecom_daily', 'adjustment']);
export const LedgerEntry = z.object({
  entryId: z.string(), date: Day, type: LedgerType, description: z.string(), amount: Money, balanceEffect: z.boolean(),
  productId: ProductId.optional(), number: z.string().optional(),
}).meta({ id: 'LedgerEntry' });
export const LedgerPage = z.object({ entries: z.array(LedgerEntry), nextCursor: z.string().nullable() });
export const LedgerQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(2048).optional(),
});

// --- forecast and quote
export const ForecastBody = z.object({
  currency: Currency,
  balance: Money,
  nextCharge: z.object({ date: Day, amount: Money, lines: z.array(LedgerEntry) }),
  expectedTelecomPerDay: Money,
  next7Days: Money,
  next30Days: Money,
  balanceRunsOutOn: Day.nullable(),
  method: z.string(),
});
export const QuoteRequest = z.strictObject({
  products: z.array(ProductId).min(1).max(4).refine((p) => new Set(p).size === p.length, 'products must not repeat'),
  seats: z.number().int().min(0).max(10_000).optional(),
  sessionsPer30Days: z.number().int().min(0).max(1_000_000_000).optional(),
  numbers: z.strictObject({ local: z.number().int().min(0).max(10_000).optional(), mobile: z.number().int().min(0).max(10_000).optional(), tollfree: z.number().int().min(0).max(10_000).optional() }).optional(),
});
export const QuoteBody = z.object({ currency: Currency, monthlyTotal: Money, lines: z.array(z.object({ description: z.string(), monthlyAmount: Money })) });

// --- admin
export const CreateBillingRun = z.strictObject({ date: Day });
export const BillingRunStarted = z.object({
  date: Day,
  projects: z.number().int(),
  /** true when the run stopped early; posting the same date again carries on. */
  incomplete: z.boolean().optional(),
});

export const CatalogBody = z.record(z.string(), z.unknown()).meta({ id: 'Catalog', description: 'the catalog of API.md' });
