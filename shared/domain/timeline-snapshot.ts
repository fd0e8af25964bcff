/**
 * A compact "state as of an instant" of a project's timeline, so the nightly charge reads only the
 * changes of the days it charges (docs/reliability.md "The nightly charge": per-project work
 * O(changes of that day), never O(history)). The store keeps one snapshot per project, written in
 * the same transaction that charges a day, standing for every change before the next day's first
 * instant.
 *
 * The fold applies changes exactly as shared/domain/timeline.ts does (ordered by instant, then
 * `seq`, then content; a product change without seats keeps the last seats given), and keeps what a
 * later sweep needs that "what is in force" alone does not: the seats last given to a product that
 * is now disabled (re-enabling it without seats brings them back). `snapshotChanges` turns the
 * snapshot back into changes, so the domain's own functions run on snapshot + newer changes and give
 * what they give on the full history (test/domain/timeline-snapshot.test.ts checks this).
 * Pure: no I/O, no clock.
 */
import { addDays, utcIso, type BillingDay } from './billing-days';
import { startOfDay } from './day-bounds';
import type { NumberType, ProductId } from './plan';
import { ownValue } from './names';
import { contentKey, instantMsOf } from './timeline';
import type { DailySessions, Timeline, TimelineChange } from './types';

export interface TimelineSnapshot {
  /** Products with any recorded change: whether enabled, and the seats last given (if ever). */
  products: Partial<Record<ProductId, { enabled: boolean; seats?: number }>>;
  /** Numbers held, with their type. */
  numbers: Record<string, NumberType>;
}

export function emptySnapshot(): TimelineSnapshot {
  return { products: {}, numbers: {} };
}

/** A stored snapshot: the state after every change before the first instant of `asOf + 1`. */
export interface StoredSnapshot {
  asOf: BillingDay;
  state: TimelineSnapshot;
}

/** What was read of a timeline: a base snapshot, the changes after it, and sessions. */
export interface TimelineRead {
  /** null: no day charged yet, `changes` start at the first one. */
  base: StoredSnapshot | null;
  /** Real changes after the base, in instant order. */
  changes: TimelineChange[];
  sessions: DailySessions[];
  /** base (as synthetic changes) + changes + sessions: what the domain's functions take. */
  timeline: Timeline;
  zone: string;
}

/** The fixed-width UTC form of an instant: shared/domain/billing-days.ts, re-exported for the timeline's readers. */
export { utcIso };

/** The last millisecond a snapshot covers: where its synthetic changes are placed. */
export function snapshotInstantMs(asOf: BillingDay, zone: string): number {
  return startOfDay(addDays(asOf, 1), zone) - 1;
}

/** The read with the domain's Timeline assembled: the base as synthetic changes, then the real ones. */
export function timelineRead(base: StoredSnapshot | null, changes: TimelineChange[], sessions: DailySessions[], zone: string): TimelineRead {
  const synthetic = base ? snapshotChanges(base.state, utcIso(snapshotInstantMs(base.asOf, zone))) : [];
  return { base, changes, sessions, timeline: { changes: [...synthetic, ...changes], sessions, zone }, zone };
}

/** The read with one more change appended (what a write just committed). */
export function withChange(read: TimelineRead, change: TimelineChange): TimelineRead {
  return timelineRead(read.base, [...read.changes, change], read.sessions, read.zone);
}

/** The state after applying the read (snapshot + changes) up to `instantMs` inclusive, seats of disabled products kept. */
export function snapshotAt(read: TimelineRead, instantMs: number): TimelineSnapshot {
  return foldChanges(read.base?.state ?? emptySnapshot(), read.changes.filter((c) => Date.parse(c.at) <= instantMs));
}


/** The changes in the order the domain applies them. */
export function inEffectiveOrder(changes: readonly TimelineChange[]): TimelineChange[] {
  return changes
    .map((change) => ({ ms: instantMsOf(change.at), seq: change.seq ?? 0, key: contentKey(change), change }))
    .sort((a, b) => a.ms - b.ms || a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.change);
}

/**
 * The snapshot after applying `changes` (any order; they must all be later than what `base` covers).
 * `base` is not modified.
 */
export function foldChanges(base: TimelineSnapshot, changes: readonly TimelineChange[]): TimelineSnapshot {
  const products: TimelineSnapshot['products'] = {};
  for (const [id, p] of Object.entries(base.products) as [ProductId, { enabled: boolean; seats?: number }][]) products[id] = { ...p };
  const numbers: Record<string, NumberType> = { ...base.numbers };
  for (const c of inEffectiveOrder(changes)) {
    if (c.kind === 'product') {
      const prev = ownValue(products, c.productId);
      const seats = c.seats ?? prev?.seats;
      products[c.productId] = seats === undefined ? { enabled: c.enabled } : { enabled: c.enabled, seats };
    } else if (c.kind === 'number') {
      if (c.held) numbers[c.number] = c.numberType;
      else delete numbers[c.number];
    }
  }
  return { products, numbers };
}

/**
 * Changes at instant `atIso` that rebuild `snapshot` from an empty timeline. `atIso` must be earlier
 * than every change they are combined with (the store uses the last millisecond the snapshot covers).
 * They carry `seq: -1`, below any real change's.
 */
export function snapshotChanges(snapshot: TimelineSnapshot, atIso: string): TimelineChange[] {
  const out: TimelineChange[] = [];
  for (const [productId, p] of Object.entries(snapshot.products) as [ProductId, { enabled: boolean; seats?: number }][]) {
    // A disabled product that never had seats is the same as no change at all.
    if (!p.enabled && p.seats === undefined) continue;
    out.push({ kind: 'product', at: atIso, seq: -1, productId, enabled: p.enabled, ...(p.seats !== undefined ? { seats: p.seats } : {}) });
  }
  for (const [number, numberType] of Object.entries(snapshot.numbers)) {
    out.push({ kind: 'number', at: atIso, seq: -1, number, numberType, held: true });
  }
  return out;
}

/** The seats a product would have if (re-)enabled now without a seat count. */
export function seatsOf(snapshot: TimelineSnapshot, productId: ProductId, defaultSeats: (productId: ProductId) => number): number {
  return ownValue(snapshot.products, productId)?.seats ?? defaultSeats(productId);
}
