/**
 * The request and answer shapes that exist only at the HTTP edge (bodies, queries, small answers).
 * Shapes that are domain concepts (a usage event, a ledger entry, a forecast, a quote, a product
 * view, a project) are the domain's own schemas; routes.ts uses both. Requests are strict: an unknown
 * field is a 400.
 */
import * as z from 'zod';
import { Grant } from '../domain/credits';
import { TopupRuleInput, TopupRuleView } from '../domain/topup';
import { EVENT_TYPES, EventType, ProjectEvent } from '../domain/events';
import { LedgerEntry } from '../domain/ledger';
import { Money, PositiveMoney } from '../domain/money';
import { NumberType, PlanId } from '../domain/plan';
import { Project } from '../domain/project';
import { ProductView } from '../domain/product-view';
import { Role } from '../domain/roles';
import { displayText } from '../domain/text';
import { RatedUsageEvent, UsageEvent, UsageKind } from '../domain/usage';
import { Currency, Day, E164, Id, Instant } from '../domain/values';

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()).optional() }),
}).meta({ id: 'Error' });

export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) });

export const Health = z.object({ status: z.literal('ok') });

/** `?limit=`: how many items a page holds, 1 to 1000 (every paged listing takes the same one). */
export const Limit = z.coerce.number().int().min(1).max(1000);

/** A page of a listing: its items under `key`, and the cursor of the next page (null on the last). */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({ [key]: z.array(item), nextCursor: z.string().nullable() } as { [P in K]: z.ZodArray<T> } & { nextCursor: z.ZodNullable<z.ZodString> });
}

// --- keys
export const CreateApiKey = z.strictObject({ role: Role, projectId: Id.optional() });
export const ApiKeyCreated = z.object({ apiKeyId: z.string(), apiKey: z.string(), role: Role, projectId: z.string().optional() });

// --- projects
export const CreateProject = z.strictObject({
  name: displayText(200),
  currency: Currency.optional(),
  creditLimit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  billingStartDate: Day.optional(),
  /** @default 'standard' */
  planId: PlanId.optional(),
});
/** A replay by Idempotency-Key answers without `apiKey`: the key is stored only as its hash. */
export const ProjectCreated = Project.extend({ apiKey: z.string().optional(), apiKeyId: z.string() });

// --- payments
export const CreatePayment = z.strictObject({ paymentId: Id, amount: PositiveMoney });
export const PaymentRecorded = z.object({ paymentId: z.string(), amount: PositiveMoney, balance: Money });

// --- products
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
export const SessionsRecorded = z.object({ date: Day, count: z.number().int().min(0) });

// --- usage
export const PostUsage = z.strictObject({ events: z.array(UsageEvent).min(1).max(500) });
export const UsageAccepted = z.object({ accepted: z.number().int().min(0), duplicates: z.number().int().min(0) });
export const UsageList = pageOf('events', RatedUsageEvent);
export const UsageQuery = z.strictObject({
  date: Day,
  /** @default 1000, so a day of up to 1,000 events is one page as before paging. */
  limit: Limit.optional(),
  cursor: z.string().max(300).optional(),
});

export const AuthorizeCall = z.strictObject({ kind: UsageKind, destination: E164 });
export const CallAuthorization = z.object({ allowed: z.boolean(), maxDurationSec: z.number().int().min(0).nullable(), reason: z.string().optional() });

// --- ledger
export const LedgerPage = pageOf('entries', LedgerEntry);
export const LedgerQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  limit: Limit.optional(),
  cursor: z.string().max(2048).optional(),
});

// --- plans
/** `?date=`: the day whose prices are asked for; @default today. */
export const PricesQuery = z.strictObject({ date: Day.optional() });
export const PlanList = z.object({
  plans: z.array(z.object({
    planId: z.string(), name: z.string(), currency: Currency,
    versions: z.array(z.object({ version: z.number().int().min(1), effectiveFrom: Day })),
  })),
});
export const MovePlan = z.strictObject({ planId: PlanId, effectiveFrom: Day.optional() });
export const PlanMoved = z.object({ planId: z.string(), effectiveFrom: Day });

// --- admin
export const CreateBillingRun = z.strictObject({ date: Day });
export const BillingRunStarted = z.object({
  date: Day,
  projects: z.number().int().min(0),
  /** true when the run stopped early; posting the same date again carries on. */
  incomplete: z.boolean().optional(),
});

// --- events, alerts, webhooks
export const EventsQuery = z.strictObject({
  after: z.string().max(64).optional().meta({ description: 'a cursor: the events after the last one of an earlier page' }),
  limit: Limit.optional(),
  type: EventType.optional(),
});
export const EventList = pageOf('events', ProjectEvent).extend({
  resumeAfter: z.string().nullable().meta({ description: 'a cursor after the last event of the page (on the last page, after the last event there is): ask again with it later for newer events; null only while the project has no event' }),
});

export const CreateWebhook = z.strictObject({
  url: z.string().min(1).max(2048),
  types: z.array(EventType).min(1).max(EVENT_TYPES.length).optional().meta({ description: 'the event types it receives; @default all, those added later too' }),
  description: displayText(200).optional(),
});
export const WebhookStatus = z.enum(['enabled', 'disabled']);
export const Webhook = z.object({
  webhookId: z.string(),
  url: z.string(),
  types: z.array(EventType),
  description: z.string().optional(),
  status: WebhookStatus,
}).meta({ id: 'Webhook' });
export const WebhookCreated = Webhook.extend({
  secret: z.string().meta({ description: '`whsec_` + base64 of 32 random bytes: the signing key, shown this once' }),
});
export const WebhookList = z.object({ webhooks: z.array(Webhook) });
export const DeliveriesQuery = z.strictObject({
  limit: Limit.optional(),
  cursor: z.string().max(300).optional(),
});
export const DeliveryList = pageOf('deliveries', z.object({
  eventId: z.string(),
  attempt: z.number().int().positive(),
  at: z.string(),
  status: z.number().int().nullable(),
  ok: z.boolean(),
  error: z.string().optional(),
}));
export const Redeliver = z.strictObject({ webhookId: Id.optional() });
export const RedeliveryQueued = z.object({ eventId: z.string(), webhookIds: z.array(z.string()) });

// --- issue 18: credits, corrections and top-ups
export const CreateAdjustment = z.strictObject({
  adjustmentId: Id,
  amount: Money.refine((a) => a !== 0, 'an adjustment moves money: amount must not be 0'),
  description: displayText(500),
  date: Day.optional(),
});
export const AdjustmentMade = z.object({ adjustmentId: z.string(), amount: Money, description: z.string(), balance: Money });
export const RefundUsage = z.strictObject({ description: displayText(500).optional(), date: Day.optional() });
export const UsageRefunded = z.object({ eventId: z.string(), amount: PositiveMoney, balance: Money });
export const GrantList = z.object({ grants: z.array(Grant) });
export const PutAutoTopup = TopupRuleInput.nullable().meta({ description: 'the rule, or null to remove it' });
export const AutoTopupAnswer = TopupRuleView.nullable();
export const FailTopup = z.strictObject({ reason: displayText(500) });
export const TopupFailedAnswer = z.object({ topupId: z.string(), status: z.literal('failed') });

// --- issue 20: is last night done?
export const BillingRun = z.object({
  date: Day,
  queued: z.number().int().min(0).meta({ description: 'Projects the fan-out sent to the charge queue for the day' }),
  charged: z.number().int().min(0).meta({ description: 'Projects charged through the day' }),
  failed: z.array(z.object({ projectId: z.string(), error: z.string(), at: z.string() }))
    .meta({ description: 'Projects whose last charge attempt failed and that are not charged yet (retried from the queue, then its DLQ)' }),
  pending: z.number().int().min(0).meta({ description: 'Queued projects neither charged nor failed yet' }),
  fanOutComplete: z.boolean().meta({ description: 'The fan-out read every project due' }),
  complete: z.boolean().meta({ description: 'The fan-out finished and every project it sent is charged' }),
});
