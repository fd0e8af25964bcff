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

/** An event as posted: strict, so an unknown field is a 400. */
export const UsageEvent = z.strictObject({
  eventId: Id,
  projectId: Id,
  kind: UsageKind,
  destination: E164,
  occurredAt: Instant,
  durationSec: z.number().int().min(0).max(86_400).optional(),
  segments: z.number().int().min(1).max(1_000).optional(),
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
  durationSec: z.number().int().optional(), segments: z.number().int().optional(), cost: Money,
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
}

/**
 * The longest prefix of `pending` whose debit fits one write of at most `maxItems` items: one mark
 * per event, one balance update, and `perDayItems` per counted day (its running total, and with a
 * spend cap the event of reaching it; docs/reliability.md rule 5).
 */
export function nextDebitChunk<E extends DebitableEvent>(pending: readonly E[], chargedThrough: BillingDay, maxItems: number, perDayItems = 1): DebitChunk<E> {
  const perDay = new Map<BillingDay, { total: Money; events: number }>();
  const events: E[] = [];
  for (const e of pending) {
    const day = countedDay(e.day, chargedThrough);
    const newDay = perDay.has(day) ? 0 : 1;
    // marks + this mark + the days' items (with a new one's) + the balance update
    if (events.length + 1 + (perDay.size + newDay) * perDayItems + 1 > maxItems) break;
    events.push(e);
    const t = perDay.get(day) ?? { total: 0, events: 0 };
    perDay.set(day, { total: t.total + e.cost, events: t.events + 1 });
  }
  return { events, perDay, delta: -sum(events.map((e) => e.cost)) };
}
