/**
 * Billing days: calendar days in the deployment's IANA time zone. A day is a `YYYY-MM-DD` string;
 * instants are ISO 8601 strings or epoch milliseconds. Offsets come from the platform's IANA
 * database through @date-fns/tz (a few KB in a Lambda bundle, where Luxon was 70 KB), so DST days
 * (23 and 25 hours) come out right without any hand-made offset table. Calendar arithmetic on days
 * needs no zone at all and is done in UTC. Where a day begins and ends in a zone (the instants of its
 * bounds) is shared/domain/day-bounds.ts.
 * Pure: the clock is never read here; callers pass `now`.
 */
// The offset function alone (a few hundred bytes, no module state): TZDate, which adds the
// library's Date subclass with its prototype set up at load, is only in shared/domain/day-bounds.ts,
// so a bundle that never asks where a day begins does not carry it.
import { tzOffset } from '@date-fns/tz/tzOffset';
import { DomainError } from './errors';

/** `YYYY-MM-DD`. */
export type BillingDay = string;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
export const MS_PER_DAY = 86_400_000;

/**
 * The range of billing days: years 0001 to 9999, the ones `YYYY-MM-DD` can write. Past it
 * `toISOString` gives `+010000-01-01` or `-000001-12-31`, which no date parameter can name back, so
 * a day there could be charged but never listed.
 */
export const FIRST_BILLING_DAY = '0001-01-01';
export const LAST_BILLING_DAY = '9999-12-31';

export class InvalidDate extends DomainError {
  constructor(value: string) { super('invalid_date', `${value} is not a valid YYYY-MM-DD date`); }
}
/** An instant whose billing day is outside FIRST_BILLING_DAY..LAST_BILLING_DAY. */
export class InstantOutOfRange extends DomainError {
  constructor(instant: string | number) {
    super('invalid_instant', `${typeof instant === 'number' ? `${instant} ms` : instant} falls outside the billing days ${FIRST_BILLING_DAY} to ${LAST_BILLING_DAY}`);
  }
}
export class InvalidTimeZone extends DomainError {
  constructor(zone: string) { super('invalid_time_zone', `${zone} is not an IANA time zone`); }
}

/** Year, month (1-12), day of a valid billing day, or null. */
function fieldsOf(value: string): { y: number; m: number; d: number } | null {
  const match = DAY.exec(value);
  if (!match) return null;
  const y = +match[1]!, m = +match[2]!, d = +match[3]!;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return null;
  return { y, m, d };
}

/** Epoch ms of UTC midnight of y-m-d (m 1-based, d may run over). Date.UTC reads years 0-99 as 1900-1999. */
export function utcMidnight(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getTime();
}

function daysIn(y: number, m: number): number {
  return new Date(utcMidnight(y, m + 1, 0)).getUTCDate();
}

export function isBillingDay(value: string): boolean {
  return fieldsOf(value) !== null;
}

/** Year, month (1-12), day of `day`; throws InvalidDate when it is no billing day. */
export function parseDay(day: BillingDay): { y: number; m: number; d: number } {
  const f = fieldsOf(day);
  if (!f) throw new InvalidDate(day);
  return f;
}

/** Epoch ms of UTC midnight of `day`: days as plain calendar positions. */
function utcMs(day: BillingDay): number {
  const { y, m, d } = parseDay(day);
  return utcMidnight(y, m, d);
}

/** The UTC date of `ms`, or null outside the years 0001-9999. */
function dayOfUtcMs(ms: number): BillingDay | null {
  // Outside 0000-9999 the ISO form is 27 characters (`+010000-…`); 0000 is no billing year either.
  const date = new Date(ms);
  // A valid instant plus its zone offset can pass the largest Date, which toISOString throws on.
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  return iso.length === 24 && !iso.startsWith('0000') ? iso.slice(0, 10) : null;
}

/** Zones already checked: building an Intl.DateTimeFormat costs ~0.1 ms, and this runs once per event. */
const validZones = new Set<string>();

/** `zone` when it is a named IANA zone; throws InvalidTimeZone otherwise. */
export function checkedZone(zone: string): string {
  if (validZones.has(zone)) return zone;
  // @date-fns/tz also takes offsets such as +02:00; a billing zone must be a named IANA zone.
  let valid = /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone);
  if (valid) {
    try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); } catch { valid = false; }
  }
  if (!valid) throw new InvalidTimeZone(zone);
  validZones.add(zone);
  return zone;
}

function instantMs(instant: string | number): number {
  if (typeof instant === 'number') {
    if (!Number.isFinite(instant)) throw new DomainError('invalid_instant', `${instant} is not an instant`);
    return instant;
  }
  // An instant without an offset is read as UTC, never in the host's zone: the same input must give
  // the same day on Lambda (UTC) and on a developer's machine running the local twin.
  const hasTime = instant.includes('T');
  const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(instant);
  const ms = Date.parse(hasTime && !hasOffset ? `${instant}Z` : instant);
  if (!Number.isFinite(ms)) throw new DomainError('invalid_instant', `${instant} is not an ISO 8601 instant`);
  return ms;
}

/** The billing day an instant falls on, in `zone`. */
export function billingDayOf(instant: string | number, zone: string): BillingDay {
  const ms = instantMs(instant);
  // Local wall-clock time as if it were UTC: its UTC date is the local date.
  const day = dayOfUtcMs(ms + tzOffset(checkedZone(zone), new Date(ms)) * 60_000);
  if (day === null) throw new InstantOutOfRange(instant);
  return day;
}

/** The fixed-width UTC form of an instant (`2026-03-29T01:00:00.000Z`): sorts like the instants. */
export function utcIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) throw new DomainError('invalid_instant', `${iso} is outside the years 0000-9999`);
  return iso;
}

export function addDays(day: BillingDay, n: number): BillingDay {
  const out = dayOfUtcMs(utcMs(day) + n * MS_PER_DAY);
  if (out === null) throw new InvalidDate(`${day} + ${n} days`);
  return out;
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: BillingDay, b: BillingDay): number {
  // UTC days are all 86,400,000 ms long, so the quotient is exact.
  return (utcMs(b) - utcMs(a)) / MS_PER_DAY;
}

export function daysInMonth(day: BillingDay): number {
  const { y, m } = parseDay(day);
  return daysIn(y, m);
}

export function dayOfMonth(day: BillingDay): number {
  return parseDay(day).d;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function weekday(day: BillingDay): number {
  return new Date(utcMs(day)).getUTCDay() || 7;
}

/** Days from `from` to `to`, both inclusive, in order. */
export function daysFromTo(from: BillingDay, to: BillingDay): BillingDay[] {
  const out: BillingDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
