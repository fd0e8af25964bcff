/**
 * The webhook retry schedule (shared/domain/delivery-schedule.ts): first retries within a minute,
 * attempts over at least 24 hours, then given up; disabled after 5 failing days; long delays split
 * into SQS hops of at most 900 s that add up to the delay.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DELIVERY_ATTEMPTS, DELIVERY_DELAYS_SECONDS, DISABLE_AFTER_MS, SQS_MAX_DELAY_SECONDS,
  delayHops, disabledBy, nextDelaySeconds, nextHopSeconds, withJitter,
} from '../../shared/domain/delivery-schedule';

const DAY_S = 24 * 3600;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Every delay after the first attempt, as `nextDelaySeconds` hands them out. */
function retryDelays(): number[] {
  const out: number[] = [];
  for (let made = 1; ; made++) {
    const next = nextDelaySeconds(made);
    if (next === null) return out;
    out.push(next);
  }
}

describe('the retry schedule', () => {
  it('tries at once, retries twice within the first minute, and keeps trying for more than 24 hours', () => {
    expect(DELIVERY_DELAYS_SECONDS[0]).toBe(0);
    const delays = retryDelays();
    expect(delays).toHaveLength(DELIVERY_ATTEMPTS - 1);
    expect(delays[0]! + delays[1]!).toBeLessThanOrEqual(60);
    expect(sum(delays)).toBeGreaterThanOrEqual(DAY_S);
    expect(sum(delays)).toBe(31 * 3600 + 37 * 60 + 35);
  });

  it('waits longer after every failure (strictly), in whole seconds', () => {
    const delays = retryDelays();
    delays.slice(1).forEach((d, i) => expect(d, `retry ${i + 2}`).toBeGreaterThan(delays[i]!));
    expect(delays.every(Number.isSafeInteger)).toBe(true);
  });

  it('is exhausted after the last attempt, and refuses attempt counts that are not counts', () => {
    expect(nextDelaySeconds(DELIVERY_ATTEMPTS - 1)).toBe(14 * 3600);
    expect(nextDelaySeconds(DELIVERY_ATTEMPTS)).toBeNull();
    expect(nextDelaySeconds(DELIVERY_ATTEMPTS + 5)).toBeNull();
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => nextDelaySeconds(bad)).toThrow(/attempts made/);
  });

  it('jitter only lengthens, by at most a tenth, so the schedule keeps its promises (property)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: DELIVERY_ATTEMPTS - 1, maxLength: DELIVERY_ATTEMPTS - 1 }), (units) => {
      const jittered = retryDelays().map((d, i) => withJitter(d, units[i]!));
      retryDelays().forEach((d, i) => {
        expect(jittered[i]).toBeGreaterThanOrEqual(d);
        expect(jittered[i]).toBeLessThanOrEqual(d + d / 10);
        expect(Number.isSafeInteger(jittered[i])).toBe(true);
      });
      expect(sum(jittered)).toBeGreaterThanOrEqual(DAY_S);
      expect(jittered[0]! + jittered[1]!).toBeLessThanOrEqual(60);
    }));
    expect(() => withJitter(10, 1)).toThrow(/jitter unit/);
  });
});

describe('disabling a webhook', () => {
  const since = Date.UTC(2026, 2, 1, 12);

  it('disables after 5 days of failures in a row, not a millisecond earlier', () => {
    expect(disabledBy(since, since + DISABLE_AFTER_MS - 1)).toBe(false);
    expect(disabledBy(since, since + DISABLE_AFTER_MS)).toBe(true);
    expect(DISABLE_AFTER_MS).toBe(5 * DAY_S * 1000);
  });

  it('never disables a webhook that is not failing', () => {
    expect(disabledBy(null, since + 100 * DISABLE_AFTER_MS)).toBe(false);
  });
});

describe('SQS hops', () => {
  it('splits a delay into hops of at most 900 s', () => {
    expect(delayHops(0)).toEqual([]);
    expect(delayHops(900)).toEqual([900]);
    expect(delayHops(2000)).toEqual([900, 900, 200]);
    expect(() => delayHops(-1)).toThrow(/delay/);
    expect(() => delayHops(1.5)).toThrow(/delay/);
  });

  it('hops add up to the delay, each in 1..900, no more of them than needed (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 * DAY_S }), (delay) => {
      const hops = delayHops(delay);
      expect(sum(hops)).toBe(delay);
      expect(hops.every((h) => h >= 1 && h <= SQS_MAX_DELAY_SECONDS)).toBe(true);
      expect(hops).toHaveLength(Math.ceil(delay / SQS_MAX_DELAY_SECONDS));
    }));
  });

  it('every scheduled delay travels in hops SQS accepts', () => {
    for (const d of retryDelays()) expect(Math.max(0, ...delayHops(d))).toBeLessThanOrEqual(900);
  });

  it('a message received early is sent on with what remains, and arrives when due, never early (property)', () => {
    // Each hop is delivered after its delay plus up to `lateMs` (SQS delivers late, never early).
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 * DAY_S * 1000 }), fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }), (dueInMs, lates) => {
      let now = 1_700_000_000_000;
      const dueAt = now + dueInMs;
      let hops = 0;
      for (let hop = nextHopSeconds(dueAt, now); hop > 0; hop = nextHopSeconds(dueAt, now)) {
        expect(hop).toBeLessThanOrEqual(SQS_MAX_DELAY_SECONDS);
        now += hop * 1000 + (lates[hops % Math.max(lates.length, 1)] ?? 0);
        hops++;
      }
      expect(now).toBeGreaterThanOrEqual(dueAt);
      expect(hops).toBeLessThanOrEqual(Math.ceil(dueInMs / 1000 / SQS_MAX_DELAY_SECONDS) + 1);
    }));
  });

  it('rounds a remainder up to a whole second and is 0 once due', () => {
    expect(nextHopSeconds(10_001, 10_000)).toBe(1);
    expect(nextHopSeconds(10_000, 10_000)).toBe(0);
    expect(nextHopSeconds(10_000, 99_000)).toBe(0);
    expect(nextHopSeconds(10_000 + 3600_000, 10_000)).toBe(900);
  });
});
