/**
 * Usage events as the voice platform posts them (docs/api.md "UsageEvent"), rated, and the rule for the
 * day an event's cost is counted on. Calls carry `durationSec` (0 = unanswered), messages `segments`.
 */
import * as z from 'zod';
import { addDays, type BillingDay } from './billing-days';
import { Money, sum } from './money';
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

/** The events of one debit write, with what they add to each open day's telecom total. */
export interface DebitChunk<E extends DebitableEvent> {
  events: E[];
  /** Per counted day: the cost and number of this chunk's events counted on it. */
  perDay: Map<BillingDay, { total: Money; events: number }>;
  /** The balance change: minus the chunk's total cost. */
  delta: Money;
  /**
   * Per counted day, the late events in it (counted on a later day than their own, which was closed)
   * by their own day: the close of the counted day re-aggregates those days for the usage report.
   */
  late: Map<BillingDay, Map<BillingDay, number>>;
}

/**
 * The longest prefix of `pending` whose debit fits one write of at most `maxItems` items: one mark
 * per event, one balance update, and `perDayItems` per counted day (its running total, and with a
 * spend cap the event of reaching it; docs/reliability.md rule 5).
 */
export function nextDebitChunk<E extends DebitableEvent>(pending: readonly E[], chargedThrough: BillingDay, maxItems: number, perDayItems = 1): DebitChunk<E> {
  const perDay = new Map<BillingDay, { total: Money; events: number }>();
  const late = new Map<BillingDay, Map<BillingDay, number>>();
  const events: E[] = [];
  for (const e of pending) {
    const day = countedDay(e.day, chargedThrough);
    const newDay = perDay.has(day) ? 0 : 1;
    // marks + this mark + the days' items (with a new one's) + the balance update
    if (events.length + 1 + (perDay.size + newDay) * perDayItems + 1 > maxItems) break;
    events.push(e);
    const t = perDay.get(day) ?? { total: 0, events: 0 };
    perDay.set(day, { total: t.total + e.cost, events: t.events + 1 });
    if (day !== e.day) {
      const l = late.get(day) ?? new Map<BillingDay, number>();
      l.set(e.day, (l.get(e.day) ?? 0) + 1);
      late.set(day, l);
    }
  }
  return { events, perDay, delta: -sum(events.map((e) => e.cost)), late };
}
