/**
 * A full international rate deck: 50,000 call and 20,000 SMS prefixes in one plan version.
 * - Load: what a cold function does the first time it rates with a version: read the version and its
 *   tariff's parts from the Plans table (DynamoDB Local), parse them and build the rating index.
 *   The line gives the first load of the process (nothing warm: the SDK's first connection, code not
 *   yet optimised, as in a cold function); the verbose details give 4 more with the cache forgotten.
 * - Ratio: the same 1,000,000 events rated against the 50,000-prefix version and against a
 *   10,000-prefix one (its first 10,000 prefixes, so every event matches both), in the same run. The
 *   index walks a destination's digits, so the deck's size should hardly matter: target ≤ 1.5.
 * Deterministic (seeded). `npx tsx bench/tariff.ts` prints the line alone.
 */
import './quiet';
import { createPlan } from '../shared/billing/plans';
import { forgetPrices, versionOf } from '../shared/billing/prices';
import { DEFAULT_PLAN } from '../shared/domain/default-plan';
import type { CallRate, SmsRate, Tariff } from '../shared/domain/plan';
import { Rater, type RatableEvent } from '../shared/domain/rating';
import { note, runAlone, timeMs, withDynamo } from './harness';
import { prng } from './prng';

const BIG = 50_000;
const SMALL = 10_000;
const SMS = 20_000;
const EVENTS = 1_000_000;
const LOADS = 5;

function digits(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
}

/** 50,000 distinct prefixes of 2 to 8 digits, nested as real decks are (country, region, operator). */
function prefixes(rand: () => number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < BIG) {
    const p = digits(rand, 2 + Math.floor(rand() * 7));
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  return out;
}

function deck(rand: () => number, calls: readonly string[], sms: readonly string[]): Tariff {
  const blocks = [[60, 60], [1, 1], [30, 6]] as const;
  return {
    calls: calls.map((prefix, i): CallRate => ({ prefix, perMinute: 20 + Math.floor(rand() * 1000), connectFee: i % 4 === 0 ? Math.floor(rand() * 200) : 0, initialSec: blocks[i % 3]![0], incrementSec: blocks[i % 3]![1] })),
    sms: sms.map((prefix): SmsRate => ({ prefix, perSegment: 50 + Math.floor(rand() * 400) })),
  };
}

function events(rand: () => number, from: readonly string[]): RatableEvent[] {
  const out = new Array<RatableEvent>(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    const prefix = from[Math.floor(rand() * from.length)]!;
    const destination = `+${prefix}${digits(rand, 13 - prefix.length)}`;
    out[i] = rand() < 0.2 ? { kind: 'sms', destination, segments: 1 + Math.floor(rand() * 3) } : { kind: 'outgoing_call', destination, durationSec: Math.floor(rand() * 3601) };
  }
  return out;
}

function rateAll(rater: Rater, evs: readonly RatableEvent[]): [ms: number, sum: number] {
  let sum = 0;
  const t0 = process.hrtime.bigint();
  for (const e of evs) sum += rater.rate(e);
  return [Number(process.hrtime.bigint() - t0) / 1e6, sum];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Returns `bench tariff: <ms> ms to load and index 50000 prefixes; <r>x rating time vs 10000 prefixes`. */
export async function benchTariff(): Promise<string> {
  const rand = prng(20270101);
  const all = prefixes(rand);
  const big = deck(rand, all, all.slice(0, SMS));
  const small: Tariff = { calls: big.calls.slice(0, SMALL), sms: big.sms.slice(0, SMALL) };
  const evs = events(rand, all.slice(0, SMALL));

  const loadMs = await withDynamo(() => Date.parse('2026-03-10T10:00:00Z'), async (d) => {
    const ctx = d.ctx(() => Date.parse('2026-03-10T10:00:00Z'));
    const { products, numbers, multiProductDiscounts } = DEFAULT_PLAN;
    await createPlan(ctx, { planId: 'deck', name: 'Deck', currency: 'UAH', products: [...products], numbers: { ...numbers }, multiProductDiscounts: [...multiProductDiscounts], tariff: big });
    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      forgetPrices();
      let loaded: Tariff | undefined;
      times.push(await timeMs(async () => { loaded = (await versionOf(ctx, 'deck', 1)).tariff; new Rater(loaded); }));
      if (loaded!.calls.length !== BIG || loaded!.sms.length !== SMS) throw new Error(`loaded ${loaded!.calls.length} call and ${loaded!.sms.length} sms prefixes`);
    }
    note(`tariff loads: ${times.map((t) => t.toFixed(0)).join(', ')} ms (first cold, median of the rest ${median(times.slice(1)).toFixed(0)} ms)`);
    return times[0]!;
  });

  const bigRater = new Rater(big);
  const smallRater = new Rater(small);
  // Warm both paths before the clock starts; then alternate, twice each, and keep the best of each.
  rateAll(bigRater, evs.slice(0, 200_000));
  rateAll(smallRater, evs.slice(0, 200_000));
  const bigRuns: number[] = [];
  const smallRuns: number[] = [];
  let bigSum = 0;
  let smallSum = 0;
  for (let i = 0; i < 2; i++) {
    const [s, sSum] = rateAll(smallRater, evs);
    const [b, bSum] = rateAll(bigRater, evs);
    smallRuns.push(s);
    bigRuns.push(b);
    smallSum = sSum;
    bigSum = bSum;
  }
  if (bigSum <= 0 || smallSum <= 0) throw new Error('nothing rated');
  const ratio = Math.min(...bigRuns) / Math.min(...smallRuns);
  note(`rating 1,000,000 events: 50,000 prefixes ${bigRuns.map((t) => t.toFixed(0)).join(', ')} ms; 10,000 prefixes ${smallRuns.map((t) => t.toFixed(0)).join(', ')} ms`);
  return `bench tariff: ${Math.round(loadMs)} ms to load and index ${BIG} prefixes; ${ratio.toFixed(2)}x rating time vs ${SMALL} prefixes`;
}

runAlone(module, benchTariff);
