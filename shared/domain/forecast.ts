/**
 * The forecast (docs/api.md "Forecast"): tonight's charge exactly, then the days ahead projected from the
 * products and numbers in force now plus the telecom spend history suggests.
 *
 * Signs: every amount here is a positive amount to be spent (`nextCharge.amount` = minus the net
 * balance effect of its lines); `balance` is the project's balance as given.
 *
 * Horizons: `nextCharge` is `today` (charged just after the coming midnight). `next7Days` and
 * `next30Days` cover the days after it: tomorrow through today+7 and today+30, each day's own product
 * and number day shares (as `chargeDay` would bill them if nothing changes) plus the expected telecom
 * of its weekday. Future analytics is priced at today's 30-day session count.
 *
 * `balanceRunsOutOn` walks forward from the balance: on `today` it takes off tonight's charge and the
 * expected telecom of the rest of today (pro rata to the time left; the spend so far is already in the
 * balance), then each following day's charge and expected telecom, and names the first billing day
 * after which the balance would be below 0; scanning today and the 365 days after it, else null.
 */
import * as z from 'zod';
import { type BillingDay } from './billing-days';
import { endOfDay, startOfDay } from './day-bounds';
import { chargeDay, chargeDayState, costOf } from './charge-day';
import { LedgerEntry } from './ledger';
import { assertMoney, Money, mulDivFloor, mulDivRoundHalfUp, sum } from './money';
import { defaultSeatsOf, type PlanVersion } from './plan';
import { sessions30, stateAt, timelineAsOf, type DayState } from './timeline';
import type { DayHistory, Timeline } from './types';
import { Currency, Day } from './values';

/** docs/api.md "Forecast". */
export const Forecast = z.object({
  currency: Currency,
  balance: Money,
  nextCharge: z.object({ date: Day, amount: Money, lines: z.array(LedgerEntry) }),
  expectedTelecomPerDay: Money,
  next7Days: Money,
  next30Days: Money,
  balanceRunsOutOn: Day.nullable(),
  method: z.string(),
});
export type Forecast = z.infer<typeof Forecast>;

const DAY_MS = 86_400_000;
const WINDOW_DAYS = 28;
/** Fewer samples than this for any weekday and a per-weekday mean is noisier than the plain mean. */
const MIN_SAMPLES_PER_WEEKDAY = 2;
const SCAN_DAYS = 366;

// Calendar arithmetic on dates only (no instants), so UTC is exact here and much cheaper than Luxon
// in the loops below (a year of days, or a backtest of thousands of predictions).
function dayMs(day: BillingDay): number {
  return Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10));
}
function dayOf(ms: number): BillingDay {
  return new Date(ms).toISOString().slice(0, 10);
}
/** ISO weekday index, Monday = 0 … Sunday = 6. */
function weekdayIndex(ms: number): number {
  return (new Date(ms).getUTCDay() + 6) % 7;
}

/** What telecom a project is expected to spend per day, by weekday. */
export interface TelecomEstimate {
  /** `weekday-mean-<n>d`, `mean-<n>d` (n = days of history used) or `none`. */
  method: string;
  /** Expected spend for Monday … Sunday (all equal unless the method is weekday-aware). */
  byWeekday: readonly Money[];
  /** The average day of a week: the mean of `byWeekday`, rounded half up. */
  perDay: Money;
}

/**
 * Expected telecom per day from closed days before `today`. With the 28 days before `today` holding
 * at least two days of every weekday: the mean of each weekday (weekends are quieter than weekdays
 * for most projects). Otherwise the plain mean of those days; if none fall in that window, of the
 * latest up to 28 days of history; 0 with no history. Means are rounded half up to minor units.
 */
export function estimateTelecom(history: readonly DayHistory[], today: BillingDay): TelecomEstimate {
  const todayMs = dayMs(today);
  const windowStart = todayMs - WINDOW_DAYS * DAY_MS;
  const byDate = new Map<number, Money>();
  for (const h of history) {
    const ms = dayMs(h.date);
    if (ms < todayMs) byDate.set(ms, h.telecom);
  }
  let sample = [...byDate].filter(([ms]) => ms >= windowStart);
  const inWindow = sample.length > 0;
  if (!inWindow) sample = [...byDate].sort((a, b) => b[0] - a[0]).slice(0, WINDOW_DAYS);
  const flat = (method: string, perDay: Money): TelecomEstimate => ({ method, byWeekday: Array(7).fill(perDay), perDay });
  if (sample.length === 0) return flat('none', 0);

  const totals: Money[][] = [[], [], [], [], [], [], []];
  for (const [ms, telecom] of sample) totals[weekdayIndex(ms)]!.push(telecom);
  if (inWindow && totals.every((t) => t.length >= MIN_SAMPLES_PER_WEEKDAY)) {
    const byWeekday = totals.map((t) => mulDivRoundHalfUp(sum(t), 1, t.length));
    return { method: `weekday-mean-${sample.length}d`, byWeekday, perDay: mulDivRoundHalfUp(sum(byWeekday), 1, 7) };
  }
  return flat(`mean-${sample.length}d`, mulDivRoundHalfUp(sum(sample.map(([, t]) => t)), 1, sample.length));
}

/** The expected telecom on `day` under `estimate`. */
export function expectedTelecomOn(estimate: TelecomEstimate, day: BillingDay): Money {
  return estimate.byWeekday[weekdayIndex(dayMs(day))]!;
}

export interface ForecastInput {
  currency: string;
  balance: Money;
  timeline: Timeline;
  /** The prices of each day: the version in force then of the plan the project is on then. */
  pricesOn: (day: BillingDay) => PlanVersion;
  /** Closed days with their telecom totals. */
  history: readonly DayHistory[];
  /** The billing day `nowMs` falls on (the next one to be charged). */
  today: BillingDay;
  nowMs: number;
}

/** The forecast of docs/api.md; see the module comment for exactly what each figure covers. */
export function forecast(input: ForecastInput): Forecast {
  const { pricesOn, timeline, today, nowMs } = input;
  assertMoney(input.balance, 'balance');

  // Exact: today as charged tonight if nothing changes after now (changes earlier today still count).
  const asOf = timelineAsOf(timeline, nowMs);
  const lines = chargeDay(asOf, pricesOn(today), today);
  const tonight = costOf(lines);

  // Later days: the state in force now, held for the whole day, priced by each day's own version.
  const sessions = sessions30(timeline.sessions, today);
  const projectedBy = new Map<string, DayState>();
  const projected = (version: PlanVersion): DayState => {
    const key = `${version.planId}@${version.version}`;
    let state = projectedBy.get(key);
    if (!state) {
      const now = stateAt(asOf, nowMs, defaultSeatsOf(version));
      state = { products: now.products, numbers: now.numbers, sessions30: sessions };
      projectedBy.set(key, state);
    }
    return state;
  };
  // A day's share depends only on its prices and (day of month, month length): a year needs about 90 distinct charges.
  const chargeByShape = new Map<string, Money>();
  const chargeOn = (ms: number): Money => {
    const date = new Date(ms);
    const version = pricesOn(dayOf(ms));
    const shape = `${version.planId}@${version.version}|${date.getUTCDate()}/${new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate()}`;
    let charge = chargeByShape.get(shape);
    if (charge === undefined) {
      charge = costOf(chargeDayState(projected(version), version, dayOf(ms)));
      chargeByShape.set(shape, charge);
    }
    return charge;
  };

  const telecom = estimateTelecom(input.history, today);
  const start = startOfDay(today, timeline.zone);
  const end = endOfDay(today, timeline.zone);
  const left = Math.min(end - start, Math.max(0, end - nowMs));
  const todayMs = dayMs(today);
  const restOfToday = mulDivFloor(telecom.byWeekday[weekdayIndex(todayMs)]!, left, end - start);

  let projectedBalance = input.balance - tonight - restOfToday;
  let runsOut: BillingDay | null = projectedBalance < 0 ? today : null;
  let next7 = 0;
  let next30 = 0;
  for (let i = 1; i < SCAN_DAYS && (runsOut === null || i <= 30); i++) {
    const ms = todayMs + i * DAY_MS;
    const spend = chargeOn(ms) + telecom.byWeekday[weekdayIndex(ms)]!;
    if (i <= 7) next7 += spend;
    if (i <= 30) next30 += spend;
    projectedBalance -= spend;
    if (runsOut === null && projectedBalance < 0) runsOut = dayOf(ms);
  }

  assertMoney(next30, 'next30Days');
  return {
    currency: input.currency,
    balance: input.balance,
    nextCharge: { date: today, amount: tonight, lines },
    expectedTelecomPerDay: telecom.perDay,
    next7Days: next7,
    next30Days: next30,
    balanceRunsOutOn: runsOut,
    method: telecom.method,
  };
}
