/**
 * The timeline's value types shared by the pure functions and the store (the shapes that cross the
 * API have their zod schemas beside their rules: usage.ts, ledger.ts, forecast.ts, ...).
 * Money is integer minor units; days are `YYYY-MM-DD` billing days; instants are ISO 8601 strings.
 */
import type { BillingDay } from './billing-days';
import type { Money } from './money';
import type { NumberType, ProductId } from './plan';

/**
 * One dated change of a project's subscription state. Changes are appended, never overwritten, so a
 * day is charged from what was in force during it. `at` is an ISO instant; `seq` orders changes with
 * the same instant (later wins).
 */
export type TimelineChange =
  | { kind: 'product'; at: string; seq?: number; productId: ProductId; enabled: boolean; seats?: number }
  | { kind: 'number'; at: string; seq?: number; number: string; numberType: NumberType; held: boolean }
  /** The project moves to `planId` from the billing day that starts at `at` (it prices; it holds nothing). */
  | { kind: 'plan'; at: string; seq?: number; planId: string; effectiveFrom: string };

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
