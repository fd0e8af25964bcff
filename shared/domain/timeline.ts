/**
 * What a project's timeline of dated changes says was in force: during a billing day (for the
 * nightly charge) or at one instant (for "now" views and the forecast).
 *
 * Conventions, all from docs/api.md / types.ts:
 * - Changes are ordered by (epoch ms of `at`, `seq ?? 0`); remaining ties are broken on the change's
 *   content, so the result never depends on the order the store returned them in.
 * - Before any change a product is disabled and a number is not held.
 * - A change takes effect at its instant: a day is the half-open interval [startOfDay, endOfDay) in
 *   the timeline's zone, so a change exactly at the next midnight belongs to the next day only.
 * - Several changes at the same instant are applied together; only the state after the last of them
 *   is ever "in force" (a zero-length intermediate state is not a moment of the day).
 * - A product change without `seats` keeps the seat count last given for that product, even across a
 *   disable/enable; if none was ever given, `defaultSeats` of the product (0 unless the caller passes,
 *   e.g., the version's `includedSeats`). 0 prices the same as any count up to `includedSeats`.
 * - Plan moves are in the timeline too (dated, appended) but hold nothing: they only say which prices
 *   apply, which the caller resolves per day.
 *
 * Cost: one parse and one sort (skipped when already in order) of the changes, then a single forward
 * sweep; each billing day evaluates the state at its start plus only the entities its own changes
 * touch, so catching up many days never rescans the list per day.
 */
import { addDays, type BillingDay } from './billing-days';
import { endOfDay, startOfDay } from './day-bounds';
import type { NumberType, ProductId } from './plan';
import { DomainError } from './errors';
import type { DailySessions, Timeline, TimelineChange } from './types';

/** What a day is charged from. */
export interface DayState {
  /** Products enabled at any moment of the day; `seats` = the largest count in force while enabled. */
  products: Map<ProductId, { seats: number }>;
  /** Numbers held at any moment of the day, with their type. */
  numbers: Map<string, NumberType>;
  /** Analytics sessions of the 30 days ending on the day, inclusive. */
  sessions30: number;
}

/** What is in force at one instant. */
export interface InstantState {
  products: Map<ProductId, { seats: number }>;
  numbers: Map<string, NumberType>;
}

interface Keyed { ms: number; seq: number; change: TimelineChange }

/** The seats of a product switched on without a count: one number for all, or per product. */
export type SeatDefaults = number | ((productId: ProductId) => number);

export function instantMsOf(at: string): number {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) throw new DomainError('invalid_instant', `${at} is not an ISO 8601 instant`);
  return ms;
}

/** Deterministic tie-break for changes at the same (instant, seq): by content. The snapshot fold uses it too. */
export function contentKey(c: TimelineChange): string {
  switch (c.kind) {
    case 'product': return `p|${c.productId}|${c.enabled ? 1 : 0}|${c.seats ?? -1}`;
    case 'number': return `n|${c.number}|${c.held ? 1 : 0}|${c.numberType}`;
    case 'plan': return `l|${c.planId}|${c.effectiveFrom}`;
  }
}

function compare(a: Keyed, b: Keyed): number {
  if (a.ms !== b.ms) return a.ms - b.ms;
  if (a.seq !== b.seq) return a.seq - b.seq;
  const ka = contentKey(a.change);
  const kb = contentKey(b.change);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The changes keyed and in effective order; sorts only when the input is not already ordered. */
function orderedChanges(changes: readonly TimelineChange[]): Keyed[] {
  const keyed = changes.map((change): Keyed => ({ ms: instantMsOf(change.at), seq: change.seq ?? 0, change }));
  for (let i = 1; i < keyed.length; i++) {
    if (compare(keyed[i - 1]!, keyed[i]!) > 0) return keyed.sort(compare);
  }
  return keyed;
}

/** The running state of a sweep: only enabled products and held numbers are kept. */
class Sweep {
  readonly enabled = new Map<ProductId, number>();
  readonly held = new Map<string, NumberType>();
  private readonly lastSeats = new Map<ProductId, number>();
  private i = 0;

  private readonly defaultSeats: (productId: ProductId) => number;

  constructor(private readonly keyed: readonly Keyed[], defaultSeats: SeatDefaults) {
    this.defaultSeats = typeof defaultSeats === 'number' ? () => defaultSeats : defaultSeats;
  }

  /** Applies every change with `ms <= until`. */
  applyThrough(until: number): void {
    while (this.i < this.keyed.length && this.keyed[this.i]!.ms <= until) this.apply(this.keyed[this.i++]!.change);
  }

  /**
   * Applies the changes with `ms < end`, one instant at a time, calling `touched` for each entity a
   * group changed once the whole group is applied.
   */
  applyGroupsBefore(end: number, touched: (c: TimelineChange) => void): void {
    while (this.i < this.keyed.length && this.keyed[this.i]!.ms < end) {
      const ms = this.keyed[this.i]!.ms;
      const start = this.i;
      while (this.i < this.keyed.length && this.keyed[this.i]!.ms === ms) this.apply(this.keyed[this.i++]!.change);
      for (let j = start; j < this.i; j++) touched(this.keyed[j]!.change);
    }
  }

  private apply(c: TimelineChange): void {
    if (c.kind === 'product') {
      if (c.seats !== undefined) this.lastSeats.set(c.productId, c.seats);
      if (c.enabled) this.enabled.set(c.productId, this.lastSeats.get(c.productId) ?? this.defaultSeats(c.productId));
      else this.enabled.delete(c.productId);
    } else if (c.kind === 'number') {
      if (c.held) this.held.set(c.number, c.numberType);
      else this.held.delete(c.number);
    }
  }
}

/** Session counts by date, deduplicated (a repeat for a date replaces it: the last one given wins). */
class SessionWindow {
  private readonly dates: string[] = [];
  /** prefix[i] = sum of counts of dates[0..i-1] */
  private readonly prefix: number[] = [0];

  constructor(sessions: readonly DailySessions[]) {
    const byDate = new Map<string, number>();
    for (const s of sessions) byDate.set(s.date, s.count);
    for (const [date, count] of [...byDate].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      this.dates.push(date);
      this.prefix.push(this.prefix[this.prefix.length - 1]! + count);
    }
  }

  /** Sum of counts with `from <= date <= to`. */
  sum(from: BillingDay, to: BillingDay): number {
    return this.prefix[this.upper(to)]! - this.prefix[this.lower(from)]!;
  }

  /** First index with date >= d. */
  private lower(d: string): number {
    let lo = 0, hi = this.dates.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.dates[mid]! < d) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** First index with date > d. */
  private upper(d: string): number {
    let lo = 0, hi = this.dates.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.dates[mid]! <= d) lo = mid + 1; else hi = mid; }
    return lo;
  }
}

/** Sessions of the 30 days ending on `day`, inclusive. */
export function sessions30(sessions: readonly DailySessions[], day: BillingDay): number {
  return new SessionWindow(sessions).sum(addDays(day, -29), day);
}

/**
 * The state of each of `days` (ascending, no repeats) in one sweep over the timeline: the way to
 * charge several days (a missed night caught up) without a rescan per day.
 */
export function dayStates(timeline: Timeline, days: readonly BillingDay[], defaultSeats: SeatDefaults = 0): DayState[] {
  for (let i = 1; i < days.length; i++) {
    if (!(days[i - 1]! < days[i]!)) throw new DomainError('invalid_days', 'days must be in ascending order without repeats');
  }
  const sweep = new Sweep(orderedChanges(timeline.changes), defaultSeats);
  const window = new SessionWindow(timeline.sessions);
  return days.map((day) => {
    const start = startOfDay(day, timeline.zone);
    const end = endOfDay(day, timeline.zone);
    const products = new Map<ProductId, { seats: number }>();
    const numbers = new Map<string, NumberType>();
    const note = (c: TimelineChange): void => {
      if (c.kind === 'product') {
        const seats = sweep.enabled.get(c.productId);
        if (seats === undefined) return;
        const seen = products.get(c.productId);
        if (!seen || seats > seen.seats) products.set(c.productId, { seats });
      } else if (c.kind === 'number') {
        const type = sweep.held.get(c.number);
        if (type !== undefined) numbers.set(c.number, type);
      }
    };
    // The state at the day's first instant includes changes made exactly then.
    sweep.applyThrough(start);
    for (const [productId, seats] of sweep.enabled) products.set(productId, { seats });
    for (const [number, type] of sweep.held) numbers.set(number, type);
    // Then every later instant of the day at which something changed.
    sweep.applyGroupsBefore(end, note);
    return { products, numbers, sessions30: window.sum(addDays(day, -29), day) };
  });
}

/** What was in force at any moment of `day` (docs/billing.md), in the timeline's zone. */
export function dayState(timeline: Timeline, day: BillingDay, defaultSeats: SeatDefaults = 0): DayState {
  return dayStates(timeline, [day], defaultSeats)[0]!;
}

/**
 * The timeline as it stands at `instantMs`: changes after it dropped (what "if nothing else changes"
 * projections start from).
 */
export function timelineAsOf(timeline: Timeline, instantMs: number): Timeline {
  return { ...timeline, changes: timeline.changes.filter((c) => instantMsOf(c.at) <= instantMs) };
}

/** What is in force at `instantMs` (changes at exactly that instant included). */
export function stateAt(timeline: Timeline, instantMs: number, defaultSeats: SeatDefaults = 0): InstantState {
  const sweep = new Sweep(orderedChanges(timeline.changes), defaultSeats);
  sweep.applyThrough(instantMs);
  const products = new Map<ProductId, { seats: number }>();
  for (const [productId, seats] of sweep.enabled) products.set(productId, { seats });
  return { products, numbers: new Map(sweep.held) };
}
