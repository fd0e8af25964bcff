import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CallRate, SmsRate } from '../../shared/domain/plan';
import { UnknownDestination, ValidationFailed } from '../../shared/domain/errors';
import { mulDivRoundHalfUp } from '../../shared/domain/money';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import {
  billedSeconds, callCost, InvalidDestination, maxCallDurationSec, Rater, raterFor, smsCost, type Tariff,
} from '../../shared/domain/rating';

const rate = (perMinute: number, connectFee: number, initialSec: number, incrementSec: number, prefix = '380'): CallRate =>
  ({ prefix, perMinute, connectFee, initialSec, incrementSec });

const perMinute60 = rate(180, 0, 60, 60);
const perSecond = rate(60, 0, 1, 1);
const thirtySix = rate(150, 0, 30, 6);
const withFee = rate(450, 100, 60, 60);

const tariff: Tariff = {
  calls: [perMinute60, { ...perSecond, prefix: '38044' }, { ...thirtySix, prefix: '38050' }, { ...withFee, prefix: '44' }],
  sms: [{ prefix: '380', perSegment: 150 }, { prefix: '38050', perSegment: 120 }, { prefix: '44', perSegment: 300 }],
};

// Rate shapes the schema allows, kept small enough that every example runs in microseconds.
const arbRate = fc.record({
  perMinute: fc.integer({ min: 0, max: 100_000 }),
  connectFee: fc.integer({ min: 0, max: 10_000 }),
  initialSec: fc.integer({ min: 1, max: 3600 }),
  incrementSec: fc.integer({ min: 1, max: 3600 }),
}).map((r): CallRate => ({ prefix: '1', ...r }));

describe('billedSeconds and callCost', () => {
  it('bills 60/60 per started minute', () => {
    // 1 s -> b = 60; 60 s -> 60; 61 s -> 60 + ceil(1/60)*60 = 120; 125 s -> 60 + ceil(65/60)*60 = 180
    expect([1, 60, 61, 125].map((d) => billedSeconds(perMinute60, d))).toEqual([60, 60, 120, 180]);
    // 61 s: 180 * 120 / 60 = 360; 125 s: 180 * 180 / 60 = 540
    expect(callCost(perMinute60, 61)).toBe(360);
    expect(callCost(perMinute60, 125)).toBe(540);
  });

  it('bills 1/1 per second, rounding half up', () => {
    // 1 s: 60 * 1 / 60 = 1; 7 s: 60 * 7 / 60 = 7
    expect(callCost(perSecond, 1)).toBe(1);
    expect(callCost(perSecond, 7)).toBe(7);
    // 25 kop/min, 6 s: 25 * 6 / 60 = 2.5 -> 3 (half up); 5 s: 25 * 5 / 60 = 2.083 -> 2; 7 s: 2.916 -> 3
    const cheap = rate(25, 0, 1, 1);
    expect(callCost(cheap, 6)).toBe(3);
    expect(callCost(cheap, 5)).toBe(2);
    expect(callCost(cheap, 7)).toBe(3);
  });

  it('bills 30/6: a 30 s first block, then 6 s steps', () => {
    // 10 s -> b = 30, 150 * 30 / 60 = 75
    expect(billedSeconds(thirtySix, 10)).toBe(30);
    expect(callCost(thirtySix, 10)).toBe(75);
    // 31 s -> b = 30 + ceil(1/6)*6 = 36, 150 * 36 / 60 = 90
    expect(billedSeconds(thirtySix, 31)).toBe(36);
    expect(callCost(thirtySix, 31)).toBe(90);
    // 61 s -> b = 30 + ceil(31/6)*6 = 66, 150 * 66 / 60 = 165
    expect(callCost(thirtySix, 61)).toBe(165);
    // 36 s sits on a boundary: b = 30 + 1*6 = 36
    expect(billedSeconds(thirtySix, 36)).toBe(36);
  });

  it('adds the connect fee to an answered call only', () => {
    // 90 s at 60/60: b = 120; 100 + 450 * 120 / 60 = 100 + 900 = 1000
    expect(callCost(withFee, 90)).toBe(1000);
    // 1 s: 100 + 450 * 60 / 60 = 550
    expect(callCost(withFee, 1)).toBe(550);
    expect(callCost(withFee, 0)).toBe(0);
    expect(billedSeconds(withFee, 0)).toBe(0);
  });

  it('refuses negative and fractional durations', () => {
    expect(() => callCost(perSecond, -1)).toThrow(ValidationFailed);
    expect(() => callCost(perSecond, 1.5)).toThrow(ValidationFailed);
  });

  it('matches the formula with BigInt rounding for any rate and duration', () => {
    fc.assert(fc.property(arbRate, fc.integer({ min: 1, max: 100_000 }), (r, d) => {
      const k = Math.ceil((d - r.initialSec) / r.incrementSec); // small ints: exact in floats
      const b = Math.max(r.initialSec, r.initialSec + k * r.incrementSec);
      expect(billedSeconds(r, d)).toBe(b);
      expect(callCost(r, d)).toBe(r.connectFee + mulDivRoundHalfUp(r.perMinute, b, 60));
    }));
  });

  it('takes the BigInt path once the product passes 2^53 and stays exact', () => {
    // 10^12 kop/min * 3600 s * 2 > 2^53; the result 6 * 10^13 is still safe
    const huge = rate(10 ** 12, 0, 3600, 3600);
    expect(callCost(huge, 3600)).toBe(6 * 10 ** 13);
  });

  it('never costs less for a longer call', () => {
    fc.assert(fc.property(arbRate, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20_000 }), (r, a, extra) => {
      expect(callCost(r, a + extra)).toBeGreaterThanOrEqual(callCost(r, a));
    }));
  });
});

describe('smsCost', () => {
  it('is perSegment * segments', () => {
    // 3 segments * 150 = 450
    expect(smsCost({ prefix: '380', perSegment: 150 }, 3)).toBe(450);
    expect(() => smsCost({ prefix: '380', perSegment: 150 }, 0)).toThrow(ValidationFailed);
  });
});

describe('Rater', () => {
  const rater = new Rater(tariff);

  it('picks the longest matching prefix', () => {
    expect(rater.callRate('+380441234567').prefix).toBe('38044');
    expect(rater.callRate('+380501234567').prefix).toBe('38050');
    expect(rater.callRate('+380671234567').prefix).toBe('380');
    expect(rater.smsRate('+380501234567').perSegment).toBe(120);
    expect(rater.smsRate('+380671234567').perSegment).toBe(150);
  });

  it('rates calls, forwarded calls like outgoing ones, and SMS', () => {
    // +38050…, 61 s at 30/6: 165 (see above)
    expect(rater.rate({ kind: 'outgoing_call', destination: '+380501234567', durationSec: 61 })).toBe(165);
    expect(rater.rate({ kind: 'forwarded_call', destination: '+380501234567', durationSec: 61 })).toBe(165);
    // +44…, 90 s: 100 + 450 * 120 / 60 = 1000
    expect(rater.rate({ kind: 'forwarded_call', destination: '+442071234567', durationSec: 90 })).toBe(1000);
    expect(rater.rate({ kind: 'outgoing_call', destination: '+442071234567', durationSec: 0 })).toBe(0);
    // 2 segments to +38050…: 2 * 120 = 240
    expect(rater.rate({ kind: 'sms', destination: '+380501234567', segments: 2 })).toBe(240);
  });

  it('refuses events without their quantity', () => {
    expect(() => rater.rate({ kind: 'outgoing_call', destination: '+380501234567' })).toThrow(ValidationFailed);
    expect(() => rater.rate({ kind: 'sms', destination: '+380501234567' })).toThrow(ValidationFailed);
  });

  it('throws UnknownDestination when no prefix matches, even for an unanswered call', () => {
    expect(() => rater.callRate('+33123456789')).toThrow(UnknownDestination);
    expect(() => rater.smsRate('+4915112345678')).toThrow(UnknownDestination);
    expect(() => rater.rate({ kind: 'outgoing_call', destination: '+33123456789', durationSec: 0 })).toThrow(UnknownDestination);
  });

  it('throws InvalidDestination for anything but + and 1 to 15 digits', () => {
    for (const bad of ['380441234567', '+', '', '+38044 123', '+38044-123', '+3804412345678901', '++380', '+380a']) {
      expect(() => rater.callRate(bad), bad).toThrow(InvalidDestination);
    }
    // Invalid even when the bad character comes after the matched prefix.
    expect(() => rater.smsRate('+38050123x')).toThrow(InvalidDestination);
    expect(rater.callRate('+380441234567890').prefix).toBe('38044'); // 15 digits is fine
  });

  it('keeps the first rate of a repeated prefix', () => {
    const r = new Rater({ calls: [rate(1, 0, 1, 1, '7'), rate(2, 0, 1, 1, '7')], sms: [{ prefix: '7', perSegment: 1 }] });
    expect(r.callRate('+71').perMinute).toBe(1);
  });

  it('agrees with a naive scan for the longest prefix (property)', () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    fc.assert(fc.property(
      fc.uniqueArray(digits(1, 5), { minLength: 1, maxLength: 40 }),
      fc.array(digits(1, 15), { minLength: 1, maxLength: 30 }),
      (prefixes, destinations) => {
        const calls = prefixes.map((prefix, i) => rate(i, 0, 1, 1, prefix));
        const sms: SmsRate[] = prefixes.map((prefix, i) => ({ prefix, perSegment: i }));
        const r = new Rater({ calls, sms });
        // Also aim some destinations at known prefixes so matches are common, not luck.
        const all = [...destinations, ...prefixes.map((p, i) => p + (destinations[i % destinations.length] ?? '')).map((d) => d.slice(0, 15))];
        for (const digitsOnly of all) {
          let naive: CallRate | undefined;
          for (const c of calls) if (digitsOnly.startsWith(c.prefix) && (!naive || c.prefix.length > naive.prefix.length)) naive = c;
          const dest = `+${digitsOnly}`;
          if (naive) {
            expect(r.callRate(dest)).toBe(naive);
            expect(r.smsRate(dest).prefix).toBe(naive.prefix);
          } else {
            expect(() => r.callRate(dest)).toThrow(UnknownDestination);
          }
        }
      },
    ));
  });

  it('raterFor builds the index once per tariff object', () => {
    expect(raterFor(tariff)).toBe(raterFor(tariff));
    expect(raterFor({ ...tariff })).not.toBe(raterFor(tariff));
  });

  it('rates the default catalog by operator', () => {
    const d = raterFor(DEFAULT_PLAN.tariff);
    expect(d.callRate('+380971234567').prefix).toBe('38097');
    expect(d.callRate('+380931234567').prefix).toBe('38093');
    expect(d.callRate('+380321234567').prefix).toBe('380');
    expect(d.callRate('+12125550100').prefix).toBe('1');
    expect(d.smsRate('+380671234567').prefix).toBe('38067');
  });
});

describe('maxDurationSec', () => {
  it('worked examples', () => {
    // 30/6 at 150/min, budget 1000: bMax = floor((60*1000 + 29)/150) = 400;
    // k = floor((400 - 30)/6) = 61 -> 30 + 366 = 396 s costing 990; 397 s bills 402 s = 1005 > 1000
    expect(maxCallDurationSec(thirtySix, 1000)).toBe(396);
    expect(callCost(thirtySix, 396)).toBe(990);
    expect(callCost(thirtySix, 397)).toBe(1005);
    // Connect fee 100 + 60 s at 450 = 550 > 500: not one second
    expect(maxCallDurationSec(withFee, 500)).toBe(0);
    // budget 1000 with the fee: B = 900, bMax = floor(54029/450) = 120 -> 120 s (100 + 900 = 1000)
    expect(maxCallDurationSec(withFee, 1000)).toBe(120);
    expect(maxCallDurationSec(perSecond, -5)).toBe(0);
    // A half kopeck rounds up, so it does not fit: 1/1 at 30/min, budget 1: 2 s = 30*2/60 = 1 fits,
    // 3 s = 30*3/60 = 1.5 -> 2 does not. (bMax = floor((60*1 + 29)/30) = 2.)
    expect(maxCallDurationSec(rate(30, 0, 1, 1), 1)).toBe(2);
    expect(callCost(rate(30, 0, 1, 1), 3)).toBe(2);
  });

  it('is unlimited (null) for a free per-minute rate whose connect fee fits', () => {
    expect(maxCallDurationSec(rate(0, 0, 1, 1), 0)).toBeNull();
    expect(maxCallDurationSec(rate(0, 50, 1, 1), 50)).toBeNull();
    expect(maxCallDurationSec(rate(0, 50, 1, 1), 49)).toBe(0);
  });

  it('goes through the rater by destination', () => {
    expect(rater().maxDurationSec('+380501234567', 1000)).toBe(396);
    expect(() => rater().maxDurationSec('+33123', 1000)).toThrow(UnknownDestination);
  });

  it('is the longest affordable call: cost(max) <= budget < cost(max + 1) (property)', () => {
    fc.assert(fc.property(arbRate, fc.integer({ min: -1000, max: 10_000_000 }), (r, budget) => {
      const max = maxCallDurationSec(r, budget);
      if (max === null) {
        expect(r.perMinute).toBe(0);
        expect(r.connectFee).toBeLessThanOrEqual(budget);
        return;
      }
      if (max === 0) {
        expect(callCost(r, 1)).toBeGreaterThan(budget);
        return;
      }
      expect(callCost(r, max)).toBeLessThanOrEqual(budget);
      expect(callCost(r, max + 1)).toBeGreaterThan(budget);
    }));
  });

  it('holds at the rounding edges too: small rates and budgets, where halves are common (property)', () => {
    const small = fc.record({
      perMinute: fc.integer({ min: 1, max: 240 }),
      connectFee: fc.integer({ min: 0, max: 5 }),
      initialSec: fc.integer({ min: 1, max: 12 }),
      incrementSec: fc.integer({ min: 1, max: 12 }),
    }).map((r): CallRate => ({ prefix: '1', ...r }));
    fc.assert(fc.property(small, fc.integer({ min: 0, max: 300 }), (r, budget) => {
      const max = maxCallDurationSec(r, budget);
      expect(max).not.toBeNull();
      if (max! > 0) expect(callCost(r, max!)).toBeLessThanOrEqual(budget);
      expect(callCost(r, max! + 1)).toBeGreaterThan(budget);
    }), { numRuns: 500 });
  });
});

function rater(): Rater {
  return raterFor(tariff);
}
