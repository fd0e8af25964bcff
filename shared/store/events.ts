/**
 * The outbox (Events table, layout in shared/tables.ts): each project event is an item written in the
 * transaction of the change that caused it, so it exists if and only if the change committed. The
 * table's stream hands every new item to the outbox reader (shared/billing/outbox.ts), which delivers
 * it to the operator's bus and to the project's webhooks.
 *
 * Order and uniqueness: the project item counts its events (`eventSeq`), and a write that adds events
 * sets the new count in the same transaction, conditioned on the count it read (through the project's
 * version, or explicitly where a write is not version-conditioned); each event is put with
 * `attribute_not_exists`, so two writers can never give one sequence number to two events. The
 * event's id is derived from its cause (docs/reliability.md rule 1): one cause, one id, whatever retries.
 */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EVENT_DATA, type EventDraft, type EventType, type ProjectEvent } from '../domain/events';
import type { StoreContext } from './context';
import { keys } from './keys';
import { InvalidCursor } from './ledger';
import { readAll } from './pager';
import { withRetries, type TransactItem } from './transactions';

/** Events are kept at least 90 days (docs/api.md); DynamoDB's TTL deletes within days after expiry. */
export const EVENT_RETENTION_DAYS = 92;
const DAY_S = 86_400;

export interface EventItem extends Record<string, unknown> {
  pk: string;
  sequence: number;
  eventId: string;
  type: EventType;
  projectId: string;
  occurredAt: string;
  data: Record<string, unknown>;
  /** Epoch seconds: when DynamoDB's TTL may delete it. */
  expiresAt: number;
}

/** The counter a project item keeps of its events. */
export interface CountsEvents { projectId: string; eventSeq?: number }

/** `evt_` + 24 characters of SHA-256 over the project and the cause: the same cause, the same id. */
export function eventIdOf(projectId: string, cause: string): string {
  return `evt_${createHash('sha256').update(`${projectId}\u0000${cause}`).digest('base64url').slice(0, 24)}`;
}

export function toProjectEvent(item: Record<string, unknown>): ProjectEvent {
  const type = item.type as EventType;
  return {
    eventId: String(item.eventId),
    type,
    projectId: String(item.projectId),
    sequence: Number(item.sequence),
    occurredAt: String(item.occurredAt),
    data: inDocumentedOrder(type, item.data as Record<string, unknown>),
  } as ProjectEvent;
}

/**
 * A DynamoDB map keeps no order, so `data` comes back shuffled: its fields are put back in the
 * order of the type's schema (the order docs/api.md shows), for people reading a feed or a body.
 */
function inDocumentedOrder(type: EventType, data: Record<string, unknown>): Record<string, unknown> {
  const order: string[] = Object.keys(EVENT_DATA[type].shape);
  return Object.fromEntries([...order.filter((k) => k in data), ...Object.keys(data).filter((k) => !order.includes(k))].map((k) => [k, data[k]]));
}

/** What a write adds to the outbox: the event puts, the events as they will read, and the project's new count. */
export interface EventWrites {
  puts: TransactItem[];
  events: ProjectEvent[];
  eventSeq: number;
}

/** The events of `drafts`, numbered after the project's current count, stamped `occurredAt`. */
export function eventWrites(ctx: StoreContext, project: CountsEvents, drafts: readonly EventDraft[], occurredAt: string): EventWrites {
  const first = project.eventSeq ?? 0;
  const events = drafts.map((d, i): ProjectEvent => ({
    eventId: eventIdOf(project.projectId, d.cause),
    type: d.type,
    projectId: project.projectId,
    sequence: first + i + 1,
    occurredAt,
    data: d.data,
  }) as ProjectEvent);
  const expiresAt = Math.floor(Date.parse(occurredAt) / 1000) + EVENT_RETENTION_DAYS * DAY_S;
  const puts = events.map((e): TransactItem => ({
    Put: {
      TableName: ctx.tables.events,
      Item: { pk: keys.eventsPk(project.projectId), ...e, expiresAt } satisfies EventItem,
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  return { puts, events, eventSeq: first + events.length };
}

/** The SET clause and value that store the project's new event count (for a version-conditioned update). */
export function eventSeqSet(writes: EventWrites): { set: string[]; values: Record<string, unknown> } {
  return writes.events.length === 0 ? { set: [], values: {} } : { set: ['eventSeq = :eventSeq'], values: { ':eventSeq': writes.eventSeq } };
}

// --- reading

export interface EventQuery {
  /** A cursor from an earlier page: the events after it. */
  after?: string;
  /** 1..1000; @default 100 */
  limit?: number;
  type?: EventType;
}

export interface EventPage {
  events: ProjectEvent[];
  nextCursor: string | null;
}

export const MAX_EVENTS_LIMIT = 1000;
export const DEFAULT_EVENTS_LIMIT = 100;

/** A cursor is the last sequence shown, opaque to the caller. */
export function encodeEventCursor(sequence: number): string {
  return Buffer.from(`seq:${sequence}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string): number {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(cursor)) throw new InvalidCursor();
  const m = /^seq:(0|[1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || encodeEventCursor(Number(m[1])) !== cursor || !Number.isSafeInteger(Number(m[1]))) throw new InvalidCursor();
  return Number(m[1]);
}

/**
 * One page of a project's events in sequence order, after the cursor's. With `type`, only that type:
 * DynamoDB filters after reading, so pages are read until `limit` are found or the events end.
 */
export async function listEvents(ctx: StoreContext, projectId: string, q: EventQuery = {}): Promise<EventPage> {
  const limit = q.limit ?? DEFAULT_EVENTS_LIMIT;
  const after = q.after !== undefined ? decodeEventCursor(q.after) : 0;
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.events,
      KeyConditionExpression: 'pk = :pk AND #seq > :after',
      ExpressionAttributeNames: { '#seq': 'sequence', ...(q.type ? { '#type': 'type' } : {}) },
      ExpressionAttributeValues: { ':pk': keys.eventsPk(projectId), ':after': after, ...(q.type ? { ':type': q.type } : {}) },
      ...(q.type ? { FilterExpression: '#type = :type' } : {}),
      ConsistentRead: true,
    },
  }, { max: limit + 1 });
  const shown = items.slice(0, limit).map(toProjectEvent);
  return { events: shown, nextCursor: items.length > limit ? encodeEventCursor(shown[shown.length - 1]!.sequence) : null };
}

/** A project's event by sequence (strongly consistent), or null. */
export async function getEvent(ctx: StoreContext, projectId: string, sequence: number): Promise<ProjectEvent | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.events, Key: { pk: keys.eventsPk(projectId), sequence }, ConsistentRead: true })));
  return out.Item ? toProjectEvent(out.Item) : null;
}

/** A project's event by id (through the `byEventId` index), or null when it is not this project's. */
export async function findEventById(ctx: StoreContext, projectId: string, eventId: string): Promise<ProjectEvent | null> {
  const out = await withRetries(() => ctx.doc.send(new QueryCommand({
    TableName: ctx.tables.events,
    IndexName: 'byEventId',
    KeyConditionExpression: 'eventId = :id',
    ExpressionAttributeValues: { ':id': eventId },
  })));
  const item = (out.Items ?? []).find((i) => i.projectId === projectId);
  return item ? toProjectEvent(item) : null;
}

/** Up to `limit` of a project's events after `sequence`, in order (strongly consistent). */
export async function eventsAfter(ctx: StoreContext, projectId: string, sequence: number, limit: number): Promise<ProjectEvent[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.events,
      KeyConditionExpression: 'pk = :pk AND #seq > :after',
      ExpressionAttributeNames: { '#seq': 'sequence' },
      ExpressionAttributeValues: { ':pk': keys.eventsPk(projectId), ':after': sequence },
      ConsistentRead: true,
    },
  }, { max: limit });
  return items.map(toProjectEvent);
}
