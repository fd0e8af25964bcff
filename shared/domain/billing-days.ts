/**
 * Billing days: calendar days in the deployment's IANA time zone. A day is a `YYYY-MM-DD` string;
 * instants are ISO 8601 strings or epoch milliseconds. Luxon resolves offsets from the platform's
 * IANA database, so DST days (23 and 25 hours) come out right without any hand-made offset table.
 * Pure: the clock is never read here; callers pass `now`.
 */
import { DateTime, IANAZone } from 'luxon';
import { DomainError } from './errors';

/** `YYYY-MM-DD`. */
export type BillingDay = string;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export class InvalidDate extends DomainError {
  constructor(value: string) { super('invalid_date', `${value} is not a valid YYYY-MM-DD date`); }
}
export class InvalidTimeZone extends DomainError {
  constructor(zone: string) { super('invalid_time_zone', `${zone} is not an IANA time zone`); }
}

export function isBillingDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  return DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]! }, { zone: 'UTC' }).isValid;
}

function parseDay(day: BillingDay, zone = 'UTC'): DateTime {
  const m = DAY.exec(day);
  const dt = m ? DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]! }, { zone }) : null;
  if (!dt || !dt.isValid) throw new InvalidDate(day);
  return dt;
}

/** Zones already checked: luxon's check builds an Intl.DateTimeFormat each time (~0.1 ms, once per event on the hot paths). */
const validZones = new Set<string>();

function checkedZone(zone: string): string {
  if (validZones.has(zone)) return zone;
  if (!IANAZone.isValidZone(zone)) throw new InvalidTimeZone(zone);
  validZones.add(zone);
  return zone;
}

/** The billing day an instant falls on, in `zone`. */
export function billingDayOf(instant: string | number, zone: string): BillingDay {
  // An instant without an offset is read as UTC, never in the host's zone: the same input must give
  // the same day on Lambda (UTC) and on a developer's machine running the local twin.
  const dt = typeof instant === 'number' ? DateTime.fromMillis(instant) : DateTime.fromISO(instant, { zone: 'utc', setZone: true });
  if (!dt.isValid) throw new DomainError('invalid_instant', `${String(instant)} is not an ISO 8601 instant`);
  return dt.setZone(checkedZone(zone)).toISODate()!;
}

/** Epoch ms of the first instant of `day` in `zone` (local midnight, or the first instant after a gap). */
export function startOfDay(day: BillingDay, zone: string): number {
  return parseDay(day, checkedZone(zone)).startOf('day').toMillis();
}

/** Epoch ms of the first instant of the next day: a day is the half-open interval [start, end). */
export function endOfDay(day: BillingDay, zone: string): number {
  return startOfDay(addDays(day, 1), zone);
}

/** The length of `day` in hours in `zone`: 24, or 23 / 25 on DST changes. */
export function hoursInDay(day: BillingDay, zone: string): number {
  return (endOfDay(day, zone) - startOfDay(day, zone)) / 3_600_000;
}

export function addDays(day: BillingDay, n: number): BillingDay {
  return parseDay(day).plus({ days: n }).toISODate()!;
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: BillingDay, b: BillingDay): number {
  return Math.round(parseDay(b).diff(parseDay(a), 'days').days);
}

export function daysInMonth(day: BillingDay): number {
  return parseDay(day).daysInMonth!;
}

export function dayOfMonth(day: BillingDay): number {
  return parseDay(day).day;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function weekday(day: BillingDay): number {
  return parseDay(day).weekday;
}

/** Days from `from` to `to`, both inclusive, in order. */
export function daysFromTo(from: BillingDay, to: BillingDay): BillingDay[] {
  const out: BillingDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
