/**
 * Rating throughput: the prefix-indexed Rater against a plain scan over every rate, on a
 * 10,000-prefix tariff and a million mixed calls and messages. Deterministic (seeded), so two runs
 * rate the same events. `npx tsx bench/rating.ts` prints the line alone.
 */
import type { CallRate, SmsRate } from '../shared/domain/plan';
import { UnknownDestination } from '../shared/domain/errors';
import { callCost, Rater, smsCost, type RatableEvent, type Tariff } from '../shared/domain/rating';
import { prng } from './prng';

const PREFIXES = 10_000;
const EVENTS = 1_000_000;
/** The scan is ~1000x slower: a bounded sample keeps the run short, compared per event. */
const LINEAR_SAMPLE = 20_000;


function digits(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
}

function buildTariff(rand: () => number): Tariff {
  const blocks = [[60, 60], [1, 1], [30, 6]] as const;
  const seen = new Set<string>();
  const calls: CallRate[] = [];
  const sms: SmsRate[] = [];
  while (calls.length < PREFIXES) {
    // 1 to 7 digits: short country codes and long operator ranges nest inside each other.
    const prefix = digits(rand, 1 + Math.floor(rand() * 7));
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    const [initialSec, incrementSec] = blocks[calls.length % 3]!;
    calls.push({ prefix, perMinute: 20 + Math.floor(rand() * 1000), connectFee: rand() < 0.3 ? Math.floor(rand() * 200) : 0, initialSec, incrementSec });
    sms.push({ prefix, perSegment: 50 + Math.floor(rand() * 400) });
  }
  return { calls, sms };
}

function buildEvents(rand: () => number, tariff: Tariff): RatableEvent[] {
  const events: RatableEvent[] = new Array<RatableEvent>(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    const { prefix } = tariff.calls[Math.floor(rand() * tariff.calls.length)]!;
    const destination = `+${prefix}${digits(rand, 12 - prefix.length)}`;
    const r = rand();
    events[i] = r < 0.2
      ? { kind: 'sms', destination, segments: 1 + Math.floor(rand() * 3) }
      : { kind: r < 0.3 ? 'forwarded_call' : 'outgoing_call', destination, durationSec: Math.floor(rand() * 3601) };
  }
  return events;
}

/** The baseline: every rate looked at for every event, the longest matching prefix kept. */
function linearLongest<T extends { prefix: string }>(rates: readonly T[], digitsOnly: string): T {
  let best: T | undefined;
  for (const r of rates) {
    if (digitsOnly.startsWith(r.prefix) && (best === undefined || r.prefix.length > best.prefix.length)) best = r;
  }
  if (best === undefined) throw new UnknownDestination(digitsOnly, 'any');
  return best;
}

function linearRate(tariff: Tariff, e: RatableEvent): number {
  const d = e.destination.slice(1);
  return e.kind === 'sms'
    ? smsCost(linearLongest(tariff.sms, d), e.segments ?? 1)
    : callCost(linearLongest(tariff.calls, d), e.durationSec ?? 0);
}

/** Rates events[0..count); returns [elapsed ns, checksum] (the sum keeps the work observable). */
function timeIt(count: number, rateOne: (e: RatableEvent) => number, events: readonly RatableEvent[]): [bigint, number] {
  let total = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) total += rateOne(events[i]!);
  return [process.hrtime.bigint() - t0, total];
}

/** Builds the tariff and events, times both, and returns `bench rating: <N> events/s; <R>x vs linear-scan`. */
export async function benchRating(): Promise<string> {
  const rand = prng(20260329);
  const tariff = buildTariff(rand);
  const events = buildEvents(rand, tariff);
  const rater = new Rater(tariff);
  const indexed = (e: RatableEvent) => rater.rate(e);
  const linear = (e: RatableEvent) => linearRate(tariff, e);

  // Warm up both paths so the JIT has optimised them before the clock starts.
  timeIt(200_000, indexed, events);
  timeIt(1_000, linear, events);

  const [indexedNs, indexedSum] = timeIt(EVENTS, indexed, events);
  const [linearNs, linearSum] = timeIt(LINEAR_SAMPLE, linear, events);
  const [, sampleSum] = timeIt(LINEAR_SAMPLE, indexed, events);
  if (sampleSum !== linearSum) throw new Error(`rater and linear scan disagree: ${sampleSum} vs ${linearSum}`);
  if (indexedSum <= 0) throw new Error('no cost rated');

  const perSecIndexed = (EVENTS * 1e9) / Number(indexedNs);
  const perSecLinear = (LINEAR_SAMPLE * 1e9) / Number(linearNs);
  return `bench rating: ${Math.round(perSecIndexed)} events/s; ${(perSecIndexed / perSecLinear).toFixed(1)}x vs linear-scan`;
}

if (require.main === module) {
  benchRating().then((line) => console.log(line), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
