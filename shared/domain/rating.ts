/**
 * Rating (docs/billing.md "Calls" and "SMS"): the longest tariff prefix of a destination gives its rate; a call
 * is billed in an initial block then whole increments, a message per segment.
 *
 * Rating runs once per usage event on the real-time debit path, so the prefix index is built once per
 * tariff (`raterFor` caches it) and a lookup walks the destination's digits once: no scan over rates,
 * no allocation per event.
 */
import type { CallRate, SmsRate, Tariff } from './plan';
import { DomainError, UnknownDestination, ValidationFailed } from './errors';
import { assertMoney, mulDivFloor, mulDivRoundHalfUp, NotMinorUnits, type Money } from './money';
import type { UsageKind } from './usage';

export type { Tariff };

/** What the rater needs of a usage event (a UsageEvent fits). */
export interface RatableEvent {
  kind: UsageKind;
  destination: string;
  durationSec?: number;
  segments?: number;
}

/** A destination that is not `+` followed by 1 to 15 digits (E.164). */
export class InvalidDestination extends DomainError {
  constructor(readonly destination: string) {
    super('invalid_destination', `${destination} is not a +E.164 number (a '+' and 1 to 15 digits)`, 400);
  }
}

const PLUS = 43; // '+'
const ZERO = 48; // '0'
const MAX_E164_DIGITS = 15;

function assertDuration(durationSec: unknown): asserts durationSec is number {
  if (typeof durationSec !== 'number' || !Number.isSafeInteger(durationSec) || durationSec < 0) {
    throw new ValidationFailed(`durationSec must be a whole number of seconds >= 0, got ${String(durationSec)}`);
  }
}

/**
 * Seconds billed for a call of `durationSec` (docs/billing.md): 0 when unanswered, else the initial block, then
 * whole increments up to the duration:
 * `max(initialSec, initialSec + ceil((durationSec - initialSec)/incrementSec)*incrementSec)`.
 */
export function billedSeconds(rate: CallRate, durationSec: number): number {
  assertDuration(durationSec);
  if (durationSec === 0) return 0;
  const { initialSec, incrementSec } = rate;
  if (durationSec <= initialSec) return initialSec;
  // ceil via the remainder: exact for any safe integer, no float division involved.
  const r = (durationSec - initialSec) % incrementSec;
  const b = r === 0 ? durationSec : durationSec - r + incrementSec;
  if (!Number.isSafeInteger(b)) throw new ValidationFailed(`durationSec ${durationSec} is out of range`);
  return b;
}

/**
 * round_half_up(perMinute * billed / 60). The exact integer path covers every realistic call (the
 * doubled product stays below 2^53, where `%` and `/` by 120 are exact); beyond that the BigInt helper
 * decides. The hot path matters: a BigInt round trip per event cost ~40% of rating throughput
 * (bench/rating.ts).
 */
function minutesCost(perMinute: number, billed: number): Money {
  const twice = perMinute * billed * 2 + 60; // floor((2ab + 60) / 120) == round_half_up(ab / 60)
  if (twice <= Number.MAX_SAFE_INTEGER) return (twice - (twice % 120)) / 120;
  return mulDivRoundHalfUp(perMinute, billed, 60);
}

function addMoney(a: Money, b: Money): Money {
  const s = a + b;
  if (!Number.isSafeInteger(s)) throw new NotMinorUnits('call cost', s);
  return s;
}

/** Cost of a call at `rate` (docs/billing.md): 0 when unanswered, else connectFee + round_half_up(perMinute * billed / 60). */
export function callCost(rate: CallRate, durationSec: number): Money {
  const b = billedSeconds(rate, durationSec);
  if (b === 0) return 0;
  return addMoney(rate.connectFee, minutesCost(rate.perMinute, b));
}

function assertSegments(segments: unknown): asserts segments is number {
  if (typeof segments !== 'number' || !Number.isSafeInteger(segments) || segments < 1) {
    throw new ValidationFailed(`segments must be a whole number >= 1, got ${String(segments)}`);
  }
}

/** Cost of a message of `segments` (>= 1) segments at `rate`: perSegment * segments. */
export function smsCost(rate: SmsRate, segments: number): Money {
  assertSegments(segments);
  const c = rate.perSegment * segments;
  // A float product that is still a safe integer is the exact product; past 2^53 the helper throws.
  return Number.isSafeInteger(c) ? c : mulDivFloor(rate.perSegment, segments, 1);
}

/**
 * The longest call, in whole seconds, whose cost is at most `budget`: `null` when the rate has no
 * per-minute price and the connect fee fits (unlimited), 0 when not even the first billed second fits
 * (a negative budget included).
 *
 * Closed form, no search: with B = budget - connectFee, round_half_up(p*b/60) <= B
 * <=> 2pb + 60 < 120(B + 1) <=> p*b <= 60B + 29, so the largest billable b is floor((60B + 29)/p),
 * snapped down to the last block boundary initialSec + k*incrementSec. A call of exactly that many
 * seconds is billed that block; one second more is billed the next block, which no longer fits.
 * Results past 2^53 - 1 seconds are clamped there.
 */
export function maxCallDurationSec(rate: CallRate, budget: Money): number | null {
  assertMoney(budget, 'budget');
  const { perMinute, connectFee, initialSec, incrementSec } = rate;
  if (perMinute === 0) return connectFee <= budget ? null : 0;
  if (callCost(rate, 1) > budget) return 0;
  const bMax = (60n * (BigInt(budget) - BigInt(connectFee)) + 29n) / BigInt(perMinute);
  // callCost(1) <= budget means the initial block fits, so bMax >= initialSec.
  const k = (bMax - BigInt(initialSec)) / BigInt(incrementSec);
  const seconds = BigInt(initialSec) + k * BigInt(incrementSec);
  return seconds > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(seconds);
}

/**
 * A digit trie in flat typed arrays: node n's child for digit c is `next[n*10 + c]` (0 = none; the
 * root is node 0 and never a child), and `rateAt[n]` is the rate whose prefix ends at n.
 */
class PrefixIndex<T extends { prefix: string }> {
  private readonly next: Int32Array;
  private readonly rateAt: (T | undefined)[];

  constructor(rates: readonly T[]) {
    let nodes = 1;
    for (const r of rates) nodes += r.prefix.length;
    this.next = new Int32Array(nodes * 10);
    this.rateAt = new Array<T | undefined>(nodes).fill(undefined);
    let used = 1;
    for (const rate of rates) {
      if (!/^\d{1,15}$/.test(rate.prefix)) throw new ValidationFailed(`tariff prefix ${rate.prefix} is not 1 to 15 digits`);
      let n = 0;
      for (let i = 0; i < rate.prefix.length; i++) {
        const slot = n * 10 + rate.prefix.charCodeAt(i) - ZERO;
        if (this.next[slot] === 0) this.next[slot] = used++;
        n = this.next[slot]!;
      }
      // A repeated prefix keeps its first rate, as a scan with Array.find would.
      if (this.rateAt[n] === undefined) this.rateAt[n] = rate;
    }
  }

  /** The rate of the longest prefix of `destination` ("+digits"), or undefined; throws InvalidDestination. */
  longest(destination: string): T | undefined {
    const len = destination.length;
    if (len < 2 || len > MAX_E164_DIGITS + 1 || destination.charCodeAt(0) !== PLUS) {
      throw new InvalidDestination(destination);
    }
    let best: T | undefined;
    let n = 0;
    for (let i = 1; i < len; i++) {
      const d = destination.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) throw new InvalidDestination(destination);
      if (n < 0) continue; // past the trie: keep checking the remaining characters are digits
      n = this.next[n * 10 + d]!;
      if (n === 0) { n = -1; continue; }
      const r = this.rateAt[n];
      if (r !== undefined) best = r;
    }
    return best;
  }
}

/**
 * Rates usage events against one tariff. Build it once per tariff (prefer `raterFor`): construction
 * indexes every prefix, after which a lookup costs one pass over the destination's digits.
 */
export class Rater {
  private readonly calls: PrefixIndex<CallRate>;
  private readonly sms: PrefixIndex<SmsRate>;

  constructor(tariff: Tariff) {
    this.calls = new PrefixIndex(tariff.calls);
    this.sms = new PrefixIndex(tariff.sms);
  }

  /** The call rate of the longest prefix matching `destination` (+E.164). Throws UnknownDestination or InvalidDestination. */
  callRate(destination: string): CallRate {
    const r = this.calls.longest(destination);
    if (r === undefined) throw new UnknownDestination(destination, 'call');
    return r;
  }

  /** The SMS rate of the longest prefix matching `destination` (+E.164). Throws UnknownDestination or InvalidDestination. */
  smsRate(destination: string): SmsRate {
    const r = this.sms.longest(destination);
    if (r === undefined) throw new UnknownDestination(destination, 'sms');
    return r;
  }

  /**
   * The cost of one usage event. A forwarded call is rated like an outgoing call to the forwarding
   * destination; a call needs `durationSec`, a message `segments`.
   */
  rate(event: RatableEvent): Money {
    return this.rated(event).cost;
  }

  /** The cost of one usage event and the tariff prefix that rated it (the usage report's `prefix`). */
  rated(event: RatableEvent): { cost: Money; prefix: string } {
    switch (event.kind) {
      case 'outgoing_call':
      case 'forwarded_call': {
        const { durationSec } = event;
        assertDuration(durationSec);
        // The destination is still checked for an unanswered call: an unknown one is rejected either way.
        const rate = this.callRate(event.destination);
        return { cost: durationSec === 0 ? 0 : callCost(rate, durationSec), prefix: rate.prefix };
      }
      case 'sms': {
        const { segments } = event;
        assertSegments(segments);
        const rate = this.smsRate(event.destination);
        return { cost: smsCost(rate, segments), prefix: rate.prefix };
      }
      default:
        throw new ValidationFailed(`unknown usage kind ${String((event as { kind: unknown }).kind)}`);
    }
  }

  /** The longest call to `destination` that `budget` pays for; see `maxCallDurationSec`. */
  maxDurationSec(destination: string, budget: Money): number | null {
    return maxCallDurationSec(this.callRate(destination), budget);
  }
}

const cache = new WeakMap<Tariff, Rater>();

/**
 * The Rater of `tariff`, built on first use and kept as long as the tariff object lives, so a warm
 * handler indexes a tariff once. Keyed by identity: a changed tariff must be a new object.
 */
export function raterFor(tariff: Tariff): Rater {
  let r = cache.get(tariff);
  if (r === undefined) {
    r = new Rater(tariff);
    cache.set(tariff, r);
  }
  return r;
}
