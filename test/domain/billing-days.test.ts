import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Settings } from 'luxon';
import { DomainError } from '../../shared/domain/errors';
import { addDays, billingDayOf, dayOfMonth, daysBetween, daysFromTo, daysInMonth, InstantOutOfRange, InvalidDate, InvalidTimeZone, isBillingDay, weekday } from '../../shared/domain/billing-days';
import { endOfDay, hoursInDay, startOfDay } from '../../shared/domain/day-bounds';

const KYIV = 'Europe/Kyiv';
const iso = (ms: number) => new Date(ms).toISOString();

describe('DST days in Europe/Kyiv', () => {
  it('2026-03-29 is 23 hours: clocks go 03:00 -> 04:00 (UTC+2 -> UTC+3)', () => {
    expect(hoursInDay('2026-03-29', KYIV)).toBe(23);
    // Midnight is still UTC+2 (22:00Z the day before); the next midnight is UTC+3 (21:00Z).
    expect(iso(startOfDay('2026-03-29', KYIV))).toBe('2026-03-28T22:00:00.000Z');
    expect(iso(endOfDay('2026-03-29', KYIV))).toBe('2026-03-29T21:00:00.000Z');
  });

  it('2026-10-25 is 25 hours: clocks go 04:00 -> 03:00 (UTC+3 -> UTC+2)', () => {
    expect(hoursInDay('2026-10-25', KYIV)).toBe(25);
    expect(iso(startOfDay('2026-10-25', KYIV))).toBe('2026-10-24T21:00:00.000Z');
    expect(iso(endOfDay('2026-10-25', KYIV))).toBe('2026-10-25T22:00:00.000Z');
  });

  it('the days around them are 24 hours, and every day in UTC is', () => {
    for (const d of ['2026-03-28', '2026-03-30', '2026-10-24', '2026-10-26', '2026-06-15']) expect(hoursInDay(d, KYIV), d).toBe(24);
    expect(hoursInDay('2026-03-29', 'UTC')).toBe(24);
  });

  it('a day ends where the next one starts, over a whole year (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 365 }), (n) => {
      const day = addDays('2026-01-01', n);
      expect(endOfDay(day, KYIV)).toBe(startOfDay(addDays(day, 1), KYIV));
      expect([23, 24, 25]).toContain(hoursInDay(day, KYIV));
    }), { numRuns: 60 });
  });
});

describe('billingDayOf', () => {
  it('cuts days at Kyiv midnight, not UTC midnight', () => {
    // Winter, UTC+2: 21:59:59Z is 23:59:59 in Kyiv, 22:00Z is 00:00 the next day.
    expect(billingDayOf('2026-01-14T21:59:59Z', KYIV)).toBe('2026-01-14');
    expect(billingDayOf('2026-01-14T22:00:00Z', KYIV)).toBe('2026-01-15');
    expect(billingDayOf('2026-01-14T22:00:00Z', 'UTC')).toBe('2026-01-14');
    // Summer, UTC+3: the cut is 21:00Z.
    expect(billingDayOf('2026-07-14T20:59:59.999Z', KYIV)).toBe('2026-07-14');
    expect(billingDayOf('2026-07-14T21:00:00Z', KYIV)).toBe('2026-07-15');
  });

  it('honours the offset written in the instant', () => {
    // 23:30+02:00 is 21:30Z: still the 14th in Kyiv (winter, UTC+2) and in UTC.
    expect(billingDayOf('2026-01-14T23:30:00+02:00', KYIV)).toBe('2026-01-14');
    // 01:30+03:00 is 22:30Z the day before: the 14th in UTC, 00:30 on the 15th in Kyiv.
    expect(billingDayOf('2026-01-15T01:30:00+03:00', 'UTC')).toBe('2026-01-14');
    expect(billingDayOf('2026-01-15T01:30:00+03:00', KYIV)).toBe('2026-01-15');
  });

  it('takes epoch milliseconds', () => {
    expect(billingDayOf(Date.UTC(2026, 0, 14, 22, 0, 0), KYIV)).toBe('2026-01-15');
    expect(billingDayOf(Date.UTC(2026, 0, 14, 21, 59, 59, 999), KYIV)).toBe('2026-01-14');
  });

  it('agrees with startOfDay/endOfDay: an instant falls in [start, end) of its day (property)', () => {
    const from = Date.UTC(2000, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    fc.assert(fc.property(fc.integer({ min: from, max: to }), (ms) => {
      const day = billingDayOf(ms, KYIV);
      expect(startOfDay(day, KYIV)).toBeLessThanOrEqual(ms);
      expect(endOfDay(day, KYIV)).toBeGreaterThan(ms);
    }));
  });

  describe('does not depend on the process time zone', () => {
    const saved = Settings.defaultZone;
    afterEach(() => { Settings.defaultZone = saved; });

    it('gives the same day for the same instant whatever the host zone', () => {
      const instants = ['2026-01-14T23:30:00Z', '2026-01-15T01:30:00+02:00', '2026-01-14T23:30:00', Date.UTC(2026, 0, 14, 23, 30)];
      Settings.defaultZone = 'UTC';
      const onUtcHost = instants.map((i) => [billingDayOf(i, KYIV), billingDayOf(i, 'UTC')]);
      Settings.defaultZone = 'Pacific/Kiritimati'; // UTC+14: a host here would shift a naive time by 14 h
      const onOtherHost = instants.map((i) => [billingDayOf(i, KYIV), billingDayOf(i, 'UTC')]);
      expect(onOtherHost).toEqual(onUtcHost);
      // An instant without an offset is read as UTC: 23:30Z is 01:30 on the 15th in Kyiv.
      // (Read in the host zone, UTC+14, it would be 09:30Z, still the 14th in Kyiv.)
      expect(onOtherHost[2]).toEqual(['2026-01-15', '2026-01-14']);
    });
  });
});

describe('calendar arithmetic', () => {
  it('daysInMonth knows leap Februaries', () => {
    expect(daysInMonth('2024-02-10')).toBe(29);
    expect(daysInMonth('2028-02-01')).toBe(29);
    expect(daysInMonth('2026-02-28')).toBe(28);
    expect(daysInMonth('2100-02-01')).toBe(28); // divisible by 100, not by 400
    expect(daysInMonth('2000-02-01')).toBe(29); // divisible by 400
    expect(daysInMonth('2026-04-30')).toBe(30);
    expect(daysInMonth('2026-12-01')).toBe(31);
  });

  it('addDays crosses months, leap days and years', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30'); // a DST day is still one day
    expect(addDays('2026-01-01', 365)).toBe('2027-01-01');
  });

  it('addDays and daysBetween are inverse (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 36_500 }), fc.integer({ min: -1000, max: 1000 }), (start, n) => {
      const a = addDays('2000-01-01', start);
      expect(daysBetween(a, addDays(a, n))).toBe(n);
    }));
  });

  it('daysFromTo, dayOfMonth, weekday, isBillingDay', () => {
    expect(daysFromTo('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysFromTo('2026-01-02', '2026-01-01')).toEqual([]);
    expect(dayOfMonth('2026-03-29')).toBe(29);
    expect(weekday('2026-03-29')).toBe(7); // a Sunday
    expect(isBillingDay('2024-02-29')).toBe(true);
    expect(isBillingDay('2026-02-29')).toBe(false);
    expect(isBillingDay('2026-1-01')).toBe(false);
  });
});

describe('invalid input throws named errors', () => {
  it('invalid dates', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '2026-1-01', '20260101', '', '2026-01-01T00:00:00Z']) {
      expect(() => addDays(bad, 1), bad).toThrow(InvalidDate);
      expect(() => daysInMonth(bad), bad).toThrow(InvalidDate);
    }
    expect(() => startOfDay('2026-02-30', KYIV)).toThrow(InvalidDate);
    try { addDays('2026-02-30', 1); } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('invalid_date');
      expect((e as DomainError).status).toBe(400);
    }
  });

  it('invalid zones', () => {
    expect(() => startOfDay('2026-01-01', 'Mars/Olympus')).toThrow(InvalidTimeZone);
    expect(() => endOfDay('2026-01-01', 'Europe/Kiev ')).toThrow(InvalidTimeZone);
    expect(() => billingDayOf('2026-01-01T00:00:00Z', 'Nowhere')).toThrow(InvalidTimeZone);
  });

  it('invalid instants', () => {
    for (const bad of ['yesterday', '2026-01-32T00:00:00Z', '']) {
      expect(() => billingDayOf(bad, KYIV), bad).toThrow(expect.objectContaining({ code: 'invalid_instant' }));
    }
    expect(() => billingDayOf(Number.NaN, KYIV)).toThrow(DomainError);
  });

  it('every billing day is YYYY-MM-DD in the years 0001-9999: instants past them are refused, not renamed', () => {
    // Kyiv is +02:00 in winter (+02:02 local mean time before 1880): these were days `+010000-01-01` and `-000001-12-31`.
    for (const bad of ['9999-12-31T22:00:00Z', '0000-01-01T00:00:00+14:00', '0000-12-31T21:00:00Z', Date.parse('+275760-09-13T00:00:00Z')]) {
      expect(() => billingDayOf(bad, KYIV), String(bad)).toThrow(InstantOutOfRange);
      try { billingDayOf(bad, KYIV); } catch (e) { expect(e).toMatchObject({ code: 'invalid_instant', status: 400 }); }
    }
    expect(billingDayOf('9999-12-31T21:59:59.999Z', KYIV)).toBe('9999-12-31');
    expect(billingDayOf('0000-12-31T22:00:00Z', KYIV)).toBe('0001-01-01');
    expect(isBillingDay('0000-01-01')).toBe(false);
    expect(isBillingDay('0001-01-01')).toBe(true);
    expect(() => addDays('9999-12-31', 1)).toThrow(InvalidDate);
    expect(() => addDays('0001-01-01', -1)).toThrow(InvalidDate);
    expect(addDays('9999-12-30', 1)).toBe('9999-12-31');
    // Date and TZDate read years 0-99 as 1900-1999; billing days do not.
    expect(addDays('0001-01-01', 1)).toBe('0001-01-02');
    for (const day of ['0001-01-01', '0050-06-15', '0099-12-31']) {
      const start = startOfDay(day, KYIV);
      expect(billingDayOf(start, KYIV), day).toBe(day);
      if (day !== '0001-01-01') expect(billingDayOf(start - 1, KYIV), day).toBe(addDays(day, -1));
    }
  });
});
