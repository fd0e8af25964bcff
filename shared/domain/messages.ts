/**
 * One zod schema per queue and stream message (as Powertools' parser has one per event source): the consumer
 * parses what it receives with the same shape the sender's type says, and a message that does not
 * parse is not guessed at.
 */
import * as z from 'zod';
import { isBillingDay } from './billing-days';
import { UsageKind } from './usage';

/** The charge queue: charge `projectId` through `date` (functions/billing/charge-day.ts). */
export const ChargeMessage = z.object({ projectId: z.string().min(1).max(128), date: z.string().refine(isBillingDay, 'a YYYY-MM-DD billing day') });
export type ChargeMessage = z.infer<typeof ChargeMessage>;

const safeInt = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The webhook delivery queue: drain an endpoint, or deliver one event again (functions/webhooks/deliver-webhooks.ts). */
export const DeliveryMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drain'), projectId: z.string(), webhookId: z.string() }),
  z.object({ kind: z.literal('redeliver'), projectId: z.string(), webhookId: z.string(), eventId: z.string(), sequence: safeInt, attempt: safeInt, dueAt: safeInt }),
]);
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

/**
 * The usage table's stream (functions/usage/debit-usage.ts): the new image of an inserted usage item,
 * with the fields every stored usage item has (the optional ones ride along untouched). A cost that is not an
 * exact non-negative integer of minor units is not guessed at: the record is failed to the failure
 * destination instead of debiting a rounded amount.
 */
export const UsageStreamItem = z.looseObject({
  pk: z.string(),
  eventId: z.string().min(1),
  projectId: z.string().min(1),
  kind: UsageKind,
  destination: z.string(),
  occurredAt: z.string(),
  day: z.string().refine(isBillingDay, 'a YYYY-MM-DD billing day'),
  projectDay: z.string(),
  timeKey: z.string(),
  receivedAt: z.string(),
  cost: safeInt,
});
export type UsageStreamItem = z.infer<typeof UsageStreamItem>;

/** Parses a queue message's body with `schema`; null when it is not JSON or not that message. */
export function parseMessage<S extends z.ZodType>(schema: S, body: string): z.output<S> | null {
  try {
    const r = schema.safeParse(JSON.parse(body));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
