/**
 * Configuration: one zod schema over process.env, parsed once (at cold start in Lambda, at boot in
 * the local twin). Handlers never read process.env themselves.
 */
import * as z from 'zod';

const Env = z.object({
  PROJECTS_TABLE: z.string().min(3).default('paygo-projects'),
  LEDGER_TABLE: z.string().min(3).default('paygo-ledger'),
  USAGE_TABLE: z.string().min(3).default('paygo-usage'),
  PLANS_TABLE: z.string().min(3).default('paygo-plans'),
  EVENTS_TABLE: z.string().min(3).default('paygo-events'),
  WEBHOOKS_TABLE: z.string().min(3).default('paygo-webhooks'),
  BILLING_TIME_ZONE: z.string().default('Europe/Kyiv'),
  CURRENCY: z.string().regex(/^[A-Z]{3}$/).default('UAH'),
  /** Unset: events are only logged (the local twin). */
  EVENT_BUS_NAME: z.string().optional(),
  /** Unset: the local twin injects its in-process queue. */
  CHARGE_QUEUE_URL: z.string().optional(),
  /** Unset: the local twin injects its in-process queue. */
  DELIVERY_QUEUE_URL: z.string().optional(),
  /** The KMS key that seals webhook secrets (AWS); the twin injects its own box. */
  WEBHOOK_SECRET_KEY_ID: z.string().optional(),
  /** The KMS HMAC key that signs portal links (AWS); the twin sets its own signer. */
  PORTAL_SIGNING_KEY_ID: z.string().optional(),
  /**
   * The twin's exception to the webhook address rules: `http://` to 127.0.0.1/localhost, so a
   * receiver on the same machine gets real deliveries. Never set in the stack.
   */
  WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Set by the local twin and the tests: DynamoDB Local's address. */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /**
   * How POST /usage writes its events (shared/store/usage.ts UsageWrites). Unset: `transactions` on
   * DynamoDB Local (DYNAMODB_ENDPOINT set), `per-event` on DynamoDB (README "Ingestion that keeps up").
   */
  USAGE_WRITES: z.enum(['transactions', 'per-event']).optional(),
});
export type Config = z.infer<typeof Env>;

let cached: Config | undefined;

export function config(): Config {
  cached ??= Env.parse(process.env);
  return cached;
}

/** For tests and the twin, which set the environment after this module may have been loaded. */
export function resetConfig(): void {
  cached = undefined;
}
