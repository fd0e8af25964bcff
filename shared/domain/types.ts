/**
 * The domain's value types shared by the pure functions, the store and the routes.
 * Money is integer minor units; days are `YYYY-MM-DD` billing days; instants are ISO 8601 strings.
 */
import type { BillingDay } from './billing-days';
import type { Money } from './money';
import type { NumberType, ProductId } from './catalog';

export type UsageKind = 'outgoing_call' | 'forwarded_call' | 'sms';

/** An event as the voice platform posts it (API.md UsageEvent). */
export interface UsageEvent {
  eventId: string;
  projectId: string;
  kind: UsageKind;
  /** `+E.164` */
  destination: string;
  occurredAt: string;
  durationSec?: number;
  segments?: number;
}

export interface RatedUsageEvent extends UsageEvent {
  cost: Money;
}

export type LedgerType = 'payment' | 'product_daily' | 'number_daily' | 'discount' | 'telecom_daily' | 'adjustment';

/** API.md LedgerEntry. `entryId` is deterministic, so writing a line twice is detectable. */
export interface LedgerEntry {
  entryId: string;
  date: BillingDay;
  type: LedgerType;
  description: string;
  amount: Money;
  balanceEffect: boolean;
  productId?: ProductId;
  number?: string;
}

/**
 * One dated change of a project's subscription state. Changes are appended, never overwritten, so a
 * day is charged from what was in force during it. `at` is an ISO instant; `seq` orders changes with
 * the same instant (later wins).
 */
export type TimelineChange =
  | { kind: 'product'; at: string; seq?: number; productId: ProductId; enabled: boolean; seats?: number }
  | { kind: 'number'; at: string; seq?: number; number: string; numberType: NumberType; held: boolean };

/** Analytics sessions counted on one day (a repeat for the day replaces it). */
export interface DailySessions { date: BillingDay; count: number }

/** What `chargeDay` needs: the project's changes and session counts, and the zone days are cut in. */
export interface Timeline {
  changes: readonly TimelineChange[];
  sessions: readonly DailySessions[];
  /** IANA zone of billing days. */
  zone: string;
}

/** One day of charged history, for the forecast. */
export interface DayHistory {
  date: BillingDay;
  /** Sum of that day's debited telecom costs (positive). */
  telecom: Money;
}

export interface Forecast {
  currency: string;
  balance: Money;
  nextCharge: { date: BillingDay; amount: Money; lines: LedgerEntry[] };
  expectedTelecomPerDay: Money;
  next7Days: Money;
  next30Days: Money;
  balanceRunsOutOn: BillingDay | null;
  method: string;
}
