import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, daysFromTo } from '../../shared/domain/billing-days';
import { PlanVersion, type NumberType, type ProductId } from '../../shared/domain/plan';
import { chargeDay, chargeTotal } from '../../shared/domain/charge-day';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { estimateTelecom, expectedTelecomOn, forecast } from '../../shared/domain/forecast';
import type { DayHistory, TimelineChange } from '../../shared/domain/types';
import { number, product, tl } from '../support/timeline';

const C = DEFAULT_PLAN;
const NOON_JAN10 = Date.parse('2026-01-10T12:00:00+02:00');
const base = { currency: 'UAH', pricesOn: () => C, today: '2026-01-10', nowMs: NOON_JAN10 };

describe('forecast without history', () => {
  const timeline = tl([product('2026-01-01T00:00:00+02:00', 'telephony', true, 3)]);
  const f = forecast({ ...base, balance: 1_000_000, timeline, history: [] });

  it('expects no telecom and says so', () => {
    expect(f.method).toBe('none');
    expect(f.expectedTelecomPerDay).toBe(0);
  });
  it('charges tonight exactly what chargeDay will, as a positive amount', () => {
    // day 10 of 31: floor(49900*10/31) - floor(49900*9/31) = 16096 - 14487 = 1609
    expect(f.nextCharge).toEqual({ date: '2026-01-10', amount: 1609, lines: chargeDay(timeline, C, '2026-01-10') });
  });
  it('sums the day shares from tomorrow on', () => {
    // Jan 11..17 telescope: floor(49900*17/31) - floor(49900*10/31) = 27364 - 16096 = 11268
    expect(f.next7Days).toBe(11_268);
    // Jan 11..31: 49900 - 16096 = 33804; Feb 1..9 of 28: floor(49900*9/28) = 16039; 33804 + 16039 = 49843
    expect(f.next30Days).toBe(49_843);
    expect(f.balanceRunsOutOn).toBe(null); // 10,000.00 UAH lasts well over a year at 499.00 a month
    expect(f.currency).toBe('UAH');
    expect(f.balance).toBe(1_000_000);
  });
});

describe('nextCharge', () => {
  it('counts changes made earlier today, ignores changes after now, projects the state now', () => {
    const timeline = tl([
      product('2026-01-01T00:00:00+02:00', 'telephony', true, 3),
      product('2026-01-10T10:00:00+02:00', 'telephony', false), // before now: still billed today
      product('2026-01-10T15:00:00+02:00', 'callback', true), // after now: not "as it stands"
    ]);
    const f = forecast({ ...base, balance: 0, timeline, history: [] });
    expect(f.nextCharge.lines.map((l) => l.entryId)).toEqual(['charge#2026-01-10#product#telephony']);
    expect(f.nextCharge.amount).toBe(1609);
    expect(f.next7Days).toBe(0); // nothing is enabled now
    expect(f.balanceRunsOutOn).toBe('2026-01-10'); // 0 - 1609 < 0 tonight
  });

  it('equals chargeDay for today and the days after when nothing changes after now', () => {
    const at = fc.integer({ min: -40 * 86_400_000, max: 0 }).map((d) => new Date(NOON_JAN10 + d).toISOString());
    const change: fc.Arbitrary<TimelineChange> = fc.oneof(
      fc.record({ kind: fc.constant('product' as const), at, productId: fc.constantFrom<ProductId>('telephony', 'calltracking', 'callback', 'analytics'), enabled: fc.boolean(), seats: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('number' as const), at, number: fc.constantFrom('+380441', '+380502', '+380800'), numberType: fc.constantFrom<NumberType>('local', 'mobile', 'tollfree'), held: fc.boolean() }),
    );
    fc.assert(fc.property(fc.array(change, { maxLength: 12 }), (changes) => {
      const timeline = tl(changes);
      const f = forecast({ ...base, balance: 0, timeline, history: [] });
      expect(f.nextCharge.lines).toEqual(chargeDay(timeline, C, '2026-01-10'));
      const later = daysFromTo('2026-01-11', '2026-02-09').map((d) => -chargeTotal(chargeDay(timeline, C, d)));
      expect(f.next7Days).toBe(later.slice(0, 7).reduce((s, x) => s + x, 0));
      expect(f.next30Days).toBe(later.reduce((s, x) => s + x, 0));
    }), { numRuns: 30 });
  });
});

describe('estimateTelecom', () => {
  // Mon Jan 5 .. Sun Jan 18, 2026: weekdays 1000 then 1200, Saturdays 200 and 300, Sundays 100 and 101
  const twoWeeks: DayHistory[] = daysFromTo('2026-01-05', '2026-01-18').map((date, i) => {
    const week = i < 7 ? 0 : 1;
    const wd = i % 7; // 0 = Monday
    const telecom = wd < 5 ? [1000, 1200][week]! : wd === 5 ? [200, 300][week]! : [100, 101][week]!;
    return { date, telecom };
  });
  const today = '2026-01-19'; // a Monday

  it('averages each weekday over the 28 days before today', () => {
    // old and same-day entries are ignored: Dec 1 is outside Dec 22 .. Jan 18, Jan 19 is not closed
    const e = estimateTelecom([{ date: '2025-12-01', telecom: 999_999 }, ...twoWeeks, { date: today, telecom: 888_888 }], today);
    expect(e.method).toBe('weekday-mean-14d');
    // Mon..Fri (1000 + 1200) / 2 = 1100; Sat (200 + 300) / 2 = 250; Sun (100 + 101) / 2 = 100.5 → 101
    expect(e.byWeekday).toEqual([1100, 1100, 1100, 1100, 1100, 250, 101]);
    // (5*1100 + 250 + 101) / 7 = 5851 / 7 = 835.86 → 836
    expect(e.perDay).toBe(836);
    expect(expectedTelecomOn(e, '2026-01-24')).toBe(250); // a Saturday
  });

  it('feeds the weekday means into the 7 and 30 day sums', () => {
    const f = forecast({ ...base, today, nowMs: Date.parse('2026-01-19T00:00:00+02:00'), balance: 1_000_000, timeline: tl([]), history: twoWeeks });
    expect(f.expectedTelecomPerDay).toBe(836);
    expect(f.next7Days).toBe(5851); // Tue Jan 20 .. Mon Jan 26: one of each weekday
    // Jan 20 .. Feb 18: four whole weeks (4 * 5851 = 23404) + Tue Feb 17 and Wed Feb 18 (2 * 1100): 25604
    expect(f.next30Days).toBe(25_604);
    expect(f.method).toBe('weekday-mean-14d');
  });

  it('falls back to the plain mean with too few days of a weekday', () => {
    const five = [100, 200, 300, 400, 501].map((telecom, i) => ({ date: addDays('2026-01-14', i), telecom }));
    // (100 + 200 + 300 + 400 + 501) / 5 = 300.2 → 300
    expect(estimateTelecom(five, today)).toEqual({ method: 'mean-5d', byWeekday: Array(7).fill(300), perDay: 300 });
    // nothing in the last 28 days: the latest days that exist
    const old = five.map((h) => ({ ...h, date: addDays(h.date, -100) }));
    expect(estimateTelecom(old, today).method).toBe('mean-5d');
    expect(estimateTelecom([], today)).toEqual({ method: 'none', byWeekday: Array(7).fill(0), perDay: 0 });
  });
});

describe('balanceRunsOutOn', () => {
  // a local number at 310.00 a month costs exactly 10.00 a day in January (31000 * d / 31)
  const catalog = PlanVersion.parse({ ...C, numbers: { ...C.numbers, local: 31_000 } });
  const timeline = tl([number('2026-01-01T00:00:00+02:00', '+380441234567', true)]);

  it('is the first day the projected balance goes below 0', () => {
    // 5500 - 1000 tonight = 4500; Jan 11: 3500, 12: 2500, 13: 1500, 14: 500, 15: -500
    expect(forecast({ ...base, pricesOn: () => catalog, balance: 5_500, timeline, history: [] }).balanceRunsOutOn).toBe('2026-01-15');
    // reaching exactly 0 is not running out: 6000 → ... Jan 15: 0, Jan 16: -1000
    expect(forecast({ ...base, pricesOn: () => catalog, balance: 6_000, timeline, history: [] }).balanceRunsOutOn).toBe('2026-01-16');
  });

  it('counts the expected telecom of the rest of today and of each day', () => {
    const history = daysFromTo('2026-01-05', '2026-01-09').map((date) => ({ date, telecom: 500 }));
    // mean 500/day; at noon half of today is left: 250. 5500 - 1000 - 250 = 4250;
    // Jan 11: 4250 - 1500 = 2750, 12: 1250, 13: -250
    const f = forecast({ ...base, pricesOn: () => catalog, balance: 5_500, timeline, history });
    expect(f.method).toBe('mean-5d');
    expect(f.balanceRunsOutOn).toBe('2026-01-13');
    expect(f.next7Days).toBe(7 * 1500);
  });

  it('is null when nothing is spent, and today when tonight already takes it below 0', () => {
    expect(forecast({ ...base, pricesOn: () => catalog, balance: 0, timeline: tl([]), history: [] }).balanceRunsOutOn).toBe(null);
    expect(forecast({ ...base, pricesOn: () => catalog, balance: 999, timeline, history: [] }).balanceRunsOutOn).toBe('2026-01-10');
  });
});
