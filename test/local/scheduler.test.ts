/**
 * The twin's 00:05 schedule in the billing time zone, across both DST changes of Europe/Kyiv in 2026:
 * 2026-03-29 (03:00 → 04:00, a 23-hour day) and 2026-10-25 (04:00 → 03:00, a 25-hour day).
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { nextFireTime, startScheduler, type FanOutEvent } from '../../local/scheduler';

const KYIV = 'Europe/Kyiv';
const utc = (iso: string): number => DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
const iso = (ms: number): string => DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;

describe('nextFireTime', () => {
  it('spring forward: 00:05 is +02:00 on 2026-03-29 and +03:00 on 2026-03-30, 23 hours apart', () => {
    // 2026-03-28 12:00Z is 14:00 Kyiv (EET, +2): the next fire is 2026-03-29 00:05+02:00 = 03-28 22:05Z.
    const a = nextFireTime(utc('2026-03-28T12:00:00'), KYIV);
    expect(iso(a.at)).toBe('2026-03-28T22:05:00Z');
    expect(a.date).toBe('2026-03-28');
    // From just after that fire: 2026-03-30 00:05+03:00 (EEST) = 03-29 21:05Z.
    const b = nextFireTime(a.at, KYIV);
    expect(iso(b.at)).toBe('2026-03-29T21:05:00Z');
    expect(b.date).toBe('2026-03-29');
    expect((b.at - a.at) / 3_600_000).toBe(23);
  });

  it('fall back: 00:05 is +03:00 on 2026-10-25 and +02:00 on 2026-10-26, 25 hours apart', () => {
    const a = nextFireTime(utc('2026-10-24T12:00:00'), KYIV);
    // 2026-10-25 00:05+03:00 = 10-24 21:05Z.
    expect(iso(a.at)).toBe('2026-10-24T21:05:00Z');
    expect(a.date).toBe('2026-10-24');
    const b = nextFireTime(a.at, KYIV);
    // 2026-10-26 00:05+02:00 = 10-25 22:05Z.
    expect(iso(b.at)).toBe('2026-10-25T22:05:00Z');
    expect(b.date).toBe('2026-10-25');
    expect((b.at - a.at) / 3_600_000).toBe(25);
  });

  it('fires strictly after now, and the same day when before 00:05', () => {
    // 00:04:59 Kyiv on 2026-06-10 (+3) = 06-09 21:04:59Z → fires a second later, for 06-09.
    const a = nextFireTime(utc('2026-06-09T21:04:59'), KYIV);
    expect(iso(a.at)).toBe('2026-06-09T21:05:00Z');
    expect(a.date).toBe('2026-06-09');
    // Exactly at the fire instant → tomorrow's.
    expect(iso(nextFireTime(a.at, KYIV).at)).toBe('2026-06-10T21:05:00Z');
  });

  it('moves a wall time that does not exist forward by the gap (03:30 on a spring-forward day)', () => {
    const a = nextFireTime(utc('2026-03-28T12:00:00'), KYIV, 3, 30);
    // 03:30 does not exist on 2026-03-29 in Kyiv; luxon (and Scheduler) move it to 04:30+03:00 = 01:30Z.
    expect(iso(a.at)).toBe('2026-03-29T01:30:00Z');
  });
});

describe('startScheduler', () => {
  it('fires the fan-out with the day before the fire date, then arms the next day', async () => {
    let now = utc('2026-03-29T21:04:59.990');
    const events: FanOutEvent[] = [];
    const s = startScheduler({ timeZone: KYIV, now: () => now, handler: async (e) => { events.push(e); } });
    expect(s.next.date).toBe('2026-03-29');
    now = utc('2026-03-29T21:05:00');
    await new Promise((r) => setTimeout(r, 60));
    await s.stop();
    expect(events).toEqual([{ date: '2026-03-29', scheduledTime: '2026-03-29T21:05:00Z' }]);
    expect(iso(s.next.at)).toBe('2026-03-30T21:05:00Z');
  });

  it('fire() runs the handler at once; without a date the handler picks yesterday', async () => {
    const events: FanOutEvent[] = [];
    const s = startScheduler({ timeZone: KYIV, handler: async (e) => { events.push(e); } });
    await s.fire('2026-01-02');
    await s.fire();
    await s.stop();
    expect(events).toEqual([{ date: '2026-01-02' }, {}]);
  });
});
