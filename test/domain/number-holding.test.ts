/**
 * Number holdings (shared/domain/number-holding.ts): a project's spans of a number read off its
 * timeline agree with what the timeline says is in force at every instant, and a number's periods
 * admit one owner at a time.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { heldSpansFrom, NumberTaken, reholdNumber, type HoldingPeriod } from '../../shared/domain/number-holding';
import { stateAt } from '../../shared/domain/timeline';
import { number, product, tl } from '../support/timeline';

const N = '+380441234567';
const T0 = Date.parse('2026-03-10T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const ms = (minutes: number) => T0 + minutes * 60_000;

describe('heldSpansFrom', () => {
  it('reads spans off the timeline, from an instant on, with changes at one instant applied together', () => {
    const t = tl([
      number(at(0), N, true), number(at(60), N, false),
      number(at(120), N, true, 'local', 5), number(at(120), N, false, 'local', 4), // same instant: seq 5 (held) wins
      number(at(180), N, false), number(at(180), '+380440000000', true), product(at(200), 'telephony', true),
    ]);
    expect(heldSpansFrom(t, N, ms(-10))).toEqual([{ from: ms(0), until: ms(60) }, { from: ms(120), until: ms(180) }]);
    expect(heldSpansFrom(t, N, ms(30))).toEqual([{ from: ms(30), until: ms(60) }, { from: ms(120), until: ms(180) }]);
    // A change exactly at the instant counts: released at 60, so nothing is held at 60.
    expect(heldSpansFrom(t, N, ms(60))).toEqual([{ from: ms(120), until: ms(180) }]);
    expect(heldSpansFrom(t, N, ms(180))).toEqual([]);
    expect(heldSpansFrom(tl([number(at(0), N, true)]), N, ms(5))).toEqual([{ from: ms(5), until: null }]);
  });

  it('agrees with stateAt at every instant (property)', () => {
    const change = fc.record({ minute: fc.integer({ min: 0, max: 50 }), held: fc.boolean(), seq: fc.integer({ min: 0, max: 3 }) });
    fc.assert(fc.property(fc.array(change, { maxLength: 12 }), fc.integer({ min: -5, max: 55 }), (changes, from) => {
      const t = tl(changes.map((c) => number(at(c.minute), N, c.held, 'local', c.seq)));
      const spans = heldSpansFrom(t, N, ms(from));
      for (let m = from; m <= 56; m++) {
        const inSpan = spans.some((s) => s.from <= ms(m) && (s.until === null || ms(m) < s.until));
        expect(inSpan, `minute ${m}`).toBe(stateAt(t, ms(m)).numbers.has(N));
      }
      // Spans are in order, non-empty, and never touch (they would be one span).
      for (let i = 0; i < spans.length; i++) {
        expect(spans[i]!.until === null || spans[i]!.from < spans[i]!.until!).toBe(true);
        if (i > 0) expect(spans[i - 1]!.until! < spans[i]!.from).toBe(true);
      }
    }));
  });
});

describe('reholdNumber', () => {
  const p = (projectId: string, from: number, until: number | null): HoldingPeriod => ({ projectId, from: at(from), until: until === null ? null : at(until) });

  it('cuts the project\'s own periods at the change, joins touching ones, keeps the others', () => {
    const periods = [p('a', 0, 30), p('b', 30, 40), p('a', 40, null)];
    // A releases at 50: its open period ends there.
    expect(reholdNumber(N, periods, 'a', ms(50), [], false)).toEqual([p('a', 0, 30), p('b', 30, 40), p('a', 40, 50)]);
    // A (backdated) holds from 45 on again, joined with its period that reached 45.
    expect(reholdNumber(N, [p('a', 40, 45)], 'a', ms(45), [{ from: ms(45), until: null }], true)).toEqual([p('a', 40, null)]);
  });

  it('refuses a span that overlaps another project\'s period, also only partly, and takes one that only touches it', () => {
    const periods = [p('b', 10, 20), p('c', 100, null)];
    for (const span of [{ from: ms(0), until: ms(11) }, { from: ms(19), until: ms(21) }, { from: ms(30), until: null }, { from: ms(150), until: ms(160) }]) {
      expect(() => reholdNumber(N, periods, 'a', span.from, [span], true), JSON.stringify(span)).toThrow(NumberTaken);
    }
    expect(reholdNumber(N, periods, 'a', ms(20), [{ from: ms(20), until: ms(100) }], true)).toEqual([p('b', 10, 20), p('a', 20, 100), p('c', 100, null)]);
    expect(reholdNumber(N, periods, 'a', ms(0), [{ from: ms(0), until: ms(10) }], true)).toEqual([p('a', 0, 10), p('b', 10, 20), p('c', 100, null)]);
  });

  it('never refuses a release', () => {
    // Even over periods that already overlap (kept from before holdings were checked).
    expect(reholdNumber(N, [p('a', 0, null), p('b', 5, null)], 'a', ms(10), [], false)).toEqual([p('a', 0, 10), p('b', 5, null)]);
  });
});
