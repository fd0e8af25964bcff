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
  BILLING_TIME_ZONE: z.string().default('Europe/Kyiv'),
  CURRENCY: z.string().regex(/^[A-Z]{3}$/).default('UAH'),
  /** Unset: events are only logged (the local twin). */
  EVENT_BUS_NAME: z.string().optional(),
  /** Unset: the local twin injects its in-process queue. */
  CHARGE_QUEUE_URL: z.string().optional(),
  /** Set by the local twin and the tests: DynamoDB Local's address. */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /**
   * How POST /usage writes its events (shared/store/usage.ts UsageWrites). Unset: `transactions` on
   * DynamoDB Local (DYNAMODB_ENDPOINT set), `per-event` on DynamoDB (README "Ingestion that keeps up").
   */
  USAGE_WRITES: z.enum(['transactions', 'per-event']).optional(),
  /** Balance at or below which BalanceLow is published, in minor units. */
  BALANCE_LOW_THRESHOLD: z.coerce.number().int().default(10_000),
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
