/**
 * Where a billing day begins and ends in a zone: the instants of its bounds (DST days have 23 or 25
 * hours). Apart from shared/domain/billing-days.ts because only these need @date-fns/tz's TZDate (a
 * Date subclass whose prototype is built when its module loads, so a bundle carries it once any
 * module on its import graph imports it): the webhook delivery and the other functions that only
 * name days and read instants' days keep it out of their bundles.
 * Pure: the clock is never read here; callers pass `now`.
 */
import { TZDate } from '@date-fns/tz';
import { tzOffset } from '@date-fns/tz/tzOffset';
import { addDays, billingDayOf, checkedZone, MS_PER_DAY, parseDay, utcMidnight, type BillingDay } from './billing-days';

/** Epoch ms of the first instant of `day` in `zone` (local midnight, or the first instant after a gap). */
export function startOfDay(day: BillingDay, zone: string): number {
  const { y, m, d } = parseDay(day);
  // TZDate, like Date, reads years 0-99 as 1900-1999; there the UTC midnight shifted by the zone's
  // offset is the guess instead (the gap search below corrects a guess that lands on a neighbour).
  const ms = y >= 100 ? new TZDate(y, m - 1, d, checkedZone(zone)).getTime()
    : utcMidnight(y, m, d) - tzOffset(checkedZone(zone), new Date(utcMidnight(y, m, d))) * 60_000;
  // Where midnight falls in a DST gap, the day starts at the first instant that exists on it.
  return billingDayOf(ms, zone) === day ? ms : firstInstantOn(day, zone, ms);
}

/** The earliest instant whose local day is `day`, searched from a guess that landed on a neighbour. */
function firstInstantOn(day: BillingDay, zone: string, guess: number): number {
  let lo = guess - MS_PER_DAY, hi = guess + MS_PER_DAY;
  // Invariant: billingDayOf(lo) < day <= billingDayOf(hi); offsets change by whole minutes.
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 2 / 60_000) * 60_000;
    if (billingDayOf(mid, zone) < day) lo = mid; else hi = mid;
  }
  return hi;
}

/** Epoch ms of the first instant of the next day: a day is the half-open interval [start, end). */
export function endOfDay(day: BillingDay, zone: string): number {
  return startOfDay(addDays(day, 1), zone);
}

/** The length of `day` in hours in `zone`: 24, or 23 / 25 on DST changes. */
export function hoursInDay(day: BillingDay, zone: string): number {
  return (endOfDay(day, zone) - startOfDay(day, zone)) / 3_600_000;
}
