/**
 * billing-days.ts uses @date-fns/tz to keep Lambda bundles small; Luxon (which the local twin keeps)
 * is an independent implementation over the same IANA data, so the two must agree on every zone and
 * day, DST gaps and overlaps included — zones whose clocks jump at midnight too.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { billingDayOf } from '../../shared/domain/billing-days';
import { endOfDay, startOfDay } from '../../shared/domain/day-bounds';

const ZONES = [
  'Europe/Kyiv', 'UTC', 'America/New_York', 'America/Santiago', 'America/Havana', 'Asia/Beirut',
  'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/Sao_Paulo', 'Africa/Cairo', 'Pacific/Apia',
];
const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const luxonDay = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISODate()!;

/**
 * A day starts at the earliest instant whose local date is that day. (Luxon's startOf('day') picks the
 * later of two midnights where clocks fall back at midnight, e.g. Havana 2026-11-01, which would leave
 * the first hour of that day in no day at all; the definition below is what billing needs.)
 */
function expectFirstInstant(d: string, zone: string): void {
  const start = startOfDay(d, zone);
  expect(luxonDay(start, zone), `${zone} ${d} starts inside the day`).toBe(d);
  expect(luxonDay(start - 1, zone) < d, `${zone} ${d}: the instant before is on an earlier day`).toBe(true);
}

describe('billing days agree with Luxon', () => {
  it('on the first instant of every day in zones with DST at midnight and odd offsets', () => {
    fc.assert(fc.property(fc.constantFrom(...ZONES), day, (zone, d) => {
      expectFirstInstant(d, zone);
      expect(endOfDay(d, zone)).toBe(startOfDay(DateTime.fromISO(d, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!, zone));
    }), { numRuns: 400 });
  });

  it('on the day of any instant', () => {
    fc.assert(fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2040-12-31') }), (zone, ms) => {
      expect(billingDayOf(ms, zone)).toBe(DateTime.fromMillis(ms, { zone }).toISODate());
    }), { numRuns: 400 });
  });

  it('on every day of years with DST changes at midnight (Santiago, Havana, Beirut)', () => {
    for (const zone of ['America/Santiago', 'America/Havana', 'Asia/Beirut', 'Europe/Kyiv']) {
      let d = DateTime.fromISO('2026-01-01', { zone: 'UTC' });
      for (let i = 0; i < 365; i++, d = d.plus({ days: 1 })) {
        const iso = d.toISODate()!;
        expectFirstInstant(iso, zone);
      }
    }
  });
});
