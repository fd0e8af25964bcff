/**
 * Usage events as the voice platform posts them (docs/api.md "UsageEvent"), rated, and the rule for the
 * day an event's cost is counted on. Calls carry `durationSec` (0 = unanswered), messages `segments`.
 */
import * as z from 'zod';
import { addDays, type BillingDay } from './billing-days';
import { Money } from './money';
import { E164, Id, Instant } from './values';

export const UsageKind = z.enum(['outgoing_call', 'forwarded_call', 'sms']);
export type UsageKind = z.infer<typeof UsageKind>;

/** At most this many tags on one event (docs/api.md "Reports"). */
export const MAX_TAGS = 5;
export const TagKey = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a tag key is a lowercase letter then up to 31 of a-z, 0-9, _');
/**
 * 1 to 64 printable characters (code points): no control, format, surrogate, private-use or
 * unassigned characters, no line or paragraph separators, so a value prints as one line in a CSV.
 */
export const TagValue = z.string().regex(/^[^\p{C}\p{Zl}\p{Zp}]{1,64}$/u, 'a tag value is 1 to 64 printable characters');
/**
 * Client-named keys: JSON.parse makes them own properties, and everything that reads them goes
 * through `tagEntries`/`tagValue` (Object.hasOwn), never `tags[key]` on a plain object, so a key such
 * as `constructor` is just a name. The key pattern already refuses `__proto__`.
 */
export const Tags = z.preprocess((value, ctx) => {
  // zod drops an own `__proto__` key silently; refuse it instead of storing less than was sent.
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
    ctx.addIssue({ code: 'custom', message: 'a tag key is a lowercase letter then up to 31 of a-z, 0-9, _', input: value });
  }
  return value;
}, z.record(TagKey, TagValue))
  .refine((t) => Object.keys(t).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .meta({ example: { employee: 'olena', campaign: 'google-ads' } });
export type Tags = z.infer<typeof Tags>;

/** The tags as [key, value] pairs sorted by key (own properties only). */
export function tagEntries(tags: Tags | undefined): [string, string][] {
  if (!tags) return [];
  return Object.keys(tags).filter((k) => Object.hasOwn(tags, k)).sort().map((k) => [k, String(tags[k])]);
}

/** A tag's value, or undefined (own properties only: `constructor` is not a tag unless sent). */
export function tagValue(tags: Tags | undefined, key: string): string | undefined {
  return tags && Object.hasOwn(tags, key) ? String(tags[key]) : undefined;
}

/** An event as posted: strict, so an unknown field is a 400. */
export const UsageEvent = z.strictObject({
  eventId: Id,
  projectId: Id,
  kind: UsageKind,
  destination: E164,
  occurredAt: Instant,
  durationSec: z.number().int().min(0).max(86_400).optional(),
  segments: z.number().int().min(1).max(1_000).optional(),
  tags: Tags.optional(),
}).superRefine((e, ctx) => {
  if (e.kind === 'sms') {
    if (e.segments === undefined) ctx.addIssue({ code: 'custom', path: ['segments'], message: 'an sms carries segments (>= 1)' });
    if (e.durationSec !== undefined) ctx.addIssue({ code: 'custom', path: ['durationSec'], message: 'an sms has no durationSec' });
  } else {
    if (e.durationSec === undefined) ctx.addIssue({ code: 'custom', path: ['durationSec'], message: 'a call carries durationSec (0 = unanswered)' });
    if (e.segments !== undefined) ctx.addIssue({ code: 'custom', path: ['segments'], message: 'a call has no segments' });
  }
}).meta({ id: 'UsageEvent' });
export type UsageEvent = z.infer<typeof UsageEvent>;

/** An event with the cost it was rated at when it was accepted (final: docs/api.md "Usage is rated when it is accepted"). */
export const RatedUsageEvent = z.object({
  eventId: z.string(), projectId: z.string(), kind: UsageKind, destination: z.string(), occurredAt: z.string(),
  durationSec: z.number().int().min(0).optional(), segments: z.number().int().min(1).optional(), cost: Money,
  tags: z.record(z.string(), z.string()).optional(),
  refunded: z.literal(true).optional().meta({ description: 'present when the event was refunded (its cost still counts on its day)' }),
});
export type RatedUsageEvent = z.infer<typeof RatedUsageEvent>;

/**
 * The day an event's cost is counted on when the project has charged through `chargedThrough`: its own
 * day, or the first day not yet closed when its own day is already charged (docs/api.md: "An event that
 * arrives after its day was closed is debited at once and counted in the first day not yet closed").
 */
export function countedDay(eventDay: BillingDay, chargedThrough: BillingDay): BillingDay {
  const firstOpen = addDays(chargedThrough, 1);
  return eventDay > firstOpen ? eventDay : firstOpen;
}

/** What the debit needs of a stored event. */
export interface DebitableEvent { eventId: string; day: BillingDay; cost: Money }

/**
 * The lowest balance a project can hold: below it no exact integer exists (`Number.MIN_SAFE_INTEGER`),
 * so a debit stops there rather than round money (docs/api.md "What no input may do").
 */
export const MIN_BALANCE: Money = Number.MIN_SAFE_INTEGER;

/** An event the balance could not pay in full: what it cost, and what was debited of it. */
export interface Shortfall { eventId: string; cost: Money; debited: Money }

/** The events of one debit write, with what they add to each open day's telecom total. */
export interface DebitChunk<E extends DebitableEvent> {
  events: E[];
  /**
   * Per counted day: what this chunk's events counted on it debited, and how many they are. Every
   * accepted event is debited; an event the balance could not pay in full adds what was debited of it.
   */
  perDay: Map<BillingDay, { total: Money; events: number }>;
  /** The balance change: minus what the chunk debits. */
  delta: Money;
  /**
   * Per counted day, the late events in it (counted on a later day than their own, which was closed)
   * by their own day: the close of the counted day re-aggregates those days for the usage report.
   */
  late: Map<BillingDay, Map<BillingDay, number>>;
  /** The chunk's events the balance could not pay in full (by eventId); empty in every ordinary case. */
  shortfalls: Map<string, Shortfall>;
}

/** What the chunk debits of `e`: its cost, or less when the balance could not hold it. */
export function debitedOf<E extends DebitableEvent>(chunk: Pick<DebitChunk<E>, 'shortfalls'>, e: E): Money {
  return chunk.shortfalls.get(e.eventId)?.debited ?? e.cost;
}

/** The chunk's events each with the cost it is charged: what draws, per-kind totals and marks count. */
export function chargedEvents<E extends DebitableEvent>(chunk: Pick<DebitChunk<E>, 'events' | 'shortfalls'>): E[] {
  return chunk.shortfalls.size === 0 ? chunk.events : chunk.events.map((e) => ({ ...e, cost: debitedOf(chunk, e) }));
}

/**
 * The longest prefix of `pending` whose debit fits one write of at most `maxItems` items: one mark
 * per event, one balance update, and `perDayItems` per counted day (its running total, and with a
 * spend cap the event of reaching it; docs/reliability.md rule 5).
 *
 * `balance`, the project's balance before the chunk, bounds what the chunk debits: the events are paid
 * in order down to MIN_BALANCE, an event that would pass it is debited as far as it goes and the
 * events after it nothing (docs/api.md "What no input may do": an accepted event is never set aside
 * unpaid, and no balance is rounded). So does a day's running total (`dayTotals`, as far as known:
 * the write checks it), which never passes Number.MAX_SAFE_INTEGER, so the day's `telecom_daily`
 * line is exact too. A chunk also ends before what it debits, or leaves unpaid, would
 * pass Number.MAX_SAFE_INTEGER, so both are exact however large the costs; an event costs at most
 * that (rating refuses more), so every chunk takes at least one event.
 */
export function nextDebitChunk<E extends DebitableEvent>(pending: readonly E[], chargedThrough: BillingDay, maxItems: number, perDayItems = 1, balance: Money = 0,
  dayTotals: ReadonlyMap<BillingDay, Money> = new Map()): DebitChunk<E> {
  const perDay = new Map<BillingDay, { total: Money; events: number }>();
  const late = new Map<BillingDay, Map<BillingDay, number>>();
  const shortfalls = new Map<string, Shortfall>();
  const events: E[] = [];
  // What the balance can still pay, exactly (it may exceed 2^53 when the balance is positive).
  let room = BigInt(balance) - BigInt(MIN_BALANCE);
  if (room < 0n) room = 0n;
  let debited = 0;
  let unpaid = 0;
  for (const e of pending) {
    const day = countedDay(e.day, chargedThrough);
    const newDay = perDay.has(day) ? 0 : 1;
    // marks + this mark + the days' items (with a new one's) + the balance update
    if (events.length + 1 + (perDay.size + newDay) * perDayItems + 1 > maxItems) break;
    const t = perDay.get(day) ?? { total: 0, events: 0 };
    const dayRoom = Math.max(0, Number.MAX_SAFE_INTEGER - (dayTotals.get(day) ?? 0) - t.total);
    const paid = Math.min(BigInt(e.cost) <= room ? e.cost : Number(room), dayRoom);
    if (events.length > 0 && (debited + paid > Number.MAX_SAFE_INTEGER || unpaid + (e.cost - paid) > Number.MAX_SAFE_INTEGER)) break;
    room -= BigInt(paid);
    debited += paid;
    unpaid += e.cost - paid;
    if (paid < e.cost) shortfalls.set(e.eventId, { eventId: e.eventId, cost: e.cost, debited: paid });
    events.push(e);
    perDay.set(day, { total: t.total + paid, events: t.events + 1 });
    if (day !== e.day) {
      const l = late.get(day) ?? new Map<BillingDay, number>();
      l.set(e.day, (l.get(e.day) ?? 0) + 1);
      late.set(day, l);
    }
  }
  return { events, perDay, delta: -debited, late, shortfalls };
}
