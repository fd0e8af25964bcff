/**
 * A project's timeline in the Projects table: dated changes (products on/off/seats, numbers
 * added/removed), one item each and never overwritten; a day's analytics sessions (a repeat
 * replaces the day); and a snapshot of the state as of the last charged day.
 *
 * Why the snapshot: the nightly charge of day D needs the state at D's first instant, which depends
 * on all history. The charge transaction of each day also writes `timeline-snapshot` (the state
 * after every change before the next day's first instant), so the next night reads the snapshot plus
 * only the changes since: O(changes of the days charged), not O(history).
 *
 * Why every write here bumps the project item (`version`, `timelineRev`) in its transaction:
 * - a change may only go into a day not yet charged; the condition on `chargedThrough` makes that
 *   check and the write one atomic step, so a change can never land behind a snapshot;
 * - the charge's own transaction is conditioned on `version`, so a change written between the
 *   charge's read and its commit forces the charge to read again instead of charging without it;
 * - the condition on `timelineRev` serialises changes, so "number already held" and the like are
 *   decided on the exact timeline the change is appended to.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { addDays, billingDayOf, startOfDay, type BillingDay } from '../domain/billing-days';
import type { NumberType, ProductId } from '../domain/catalog';
import { Conflict, DomainError, NotFound } from '../domain/errors';
import { emptySnapshot, foldChanges, snapshotChanges, type TimelineSnapshot } from '../domain/timeline-snapshot';
import type { DailySessions, Timeline, TimelineChange } from '../domain/types';
import type { StoreContext } from './context';
import { keys } from './keys';
import { getProjectItem, type ProjectItem } from './project-item';
import { transact, withRetries, type TransactItem, type TransactOutcome } from './transactions';

/** Sort key of the snapshot item (Projects table, the project's partition). */
export const TIMELINE_SNAPSHOT_SK = 'timeline-snapshot';

export function snapshotKey(projectId: string): { pk: string; sk: string } {
  return { pk: keys.project(projectId).pk, sk: TIMELINE_SNAPSHOT_SK };
}

/** The project item as this module reads it: `timelineRev` counts timeline and sessions writes. */
export type TimelineProject = ProjectItem & { timelineRev?: number };

export function timelineRevOf(item: ProjectItem): number {
  return (item as TimelineProject).timelineRev ?? 0;
}

/** The fixed-width UTC form of an instant (`2026-03-29T01:00:00.000Z`): sorts like the instants. */
export function utcIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) throw new DomainError('invalid_instant', `${iso} is outside the years 0000-9999`);
  return iso;
}

/** A stored snapshot: the state after every change before the first instant of `asOf + 1`. */
export interface StoredSnapshot {
  asOf: BillingDay;
  state: TimelineSnapshot;
}

export interface SnapshotItem extends StoredSnapshot {
  pk: string;
  sk: string;
  projectId: string;
}

export function snapshotItem(projectId: string, snapshot: StoredSnapshot): SnapshotItem {
  return { ...snapshotKey(projectId), projectId, asOf: snapshot.asOf, state: snapshot.state };
}

/** The last millisecond a snapshot covers: where its synthetic changes are placed. */
export function snapshotInstantMs(asOf: BillingDay, zone: string): number {
  return startOfDay(addDays(asOf, 1), zone) - 1;
}

/** What the store read of a timeline: a base snapshot, the changes after it, and sessions. */
export interface TimelineRead {
  /** null: no day charged yet, `changes` start at the first one. */
  base: StoredSnapshot | null;
  /** Real changes after the base, in sort-key (instant) order, before `untilMs` when one was given. */
  changes: TimelineChange[];
  sessions: DailySessions[];
  /** base (as synthetic changes) + changes + sessions: what the domain's functions take. */
  timeline: Timeline;
  zone: string;
}

async function queryAll(ctx: StoreContext, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await withRetries(() => ctx.doc.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })));
    out.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

function toChange(item: Record<string, unknown>): TimelineChange {
  if (item.kind === 'product') {
    return {
      kind: 'product', at: String(item.at), seq: Number(item.seq ?? 0), productId: item.productId as ProductId, enabled: item.enabled === true,
      ...(typeof item.seats === 'number' ? { seats: item.seats } : {}),
    };
  }
  return { kind: 'number', at: String(item.at), seq: Number(item.seq ?? 0), number: String(item.number), numberType: item.numberType as NumberType, held: item.held === true };
}

/** The snapshot item, if any day was ever charged. */
export async function readSnapshot(ctx: StoreContext, projectId: string): Promise<StoredSnapshot | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: snapshotKey(projectId), ConsistentRead: true })));
  const item = out.Item as SnapshotItem | undefined;
  return item ? { asOf: item.asOf, state: item.state } : null;
}

/** Changes with `fromMs <= instant < untilMs` (either bound optional), in instant order. */
export async function queryChanges(ctx: StoreContext, projectId: string, fromMs: number | null, untilMs: number | null): Promise<TimelineChange[]> {
  const lo = fromMs === null ? keys.changePrefix : `${keys.changePrefix}${utcIso(fromMs)}`;
  // `change#<iso>` sorts before every `change#<iso>#<unique>`, so BETWEEN excludes changes at untilMs.
  const hi = untilMs === null ? `${keys.changePrefix}\uffff` : `${keys.changePrefix}${utcIso(untilMs)}`;
  const items = await queryAll(ctx, {
    TableName: ctx.tables.projects,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':lo': lo, ':hi': hi },
    ConsistentRead: true,
  });
  return items.map(toChange);
}

/** Session counts of the days `from..to` inclusive. */
export async function querySessions(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<DailySessions[]> {
  const items = await queryAll(ctx, {
    TableName: ctx.tables.projects,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':lo': `${keys.sessionsPrefix}${from}`, ':hi': `${keys.sessionsPrefix}${to}` },
    ConsistentRead: true,
  });
  return items.map((i) => ({ date: String(i.date), count: Number(i.count) }));
}

/** Assembles the domain's Timeline from a base snapshot and the changes after it. */
export function assembleTimeline(base: StoredSnapshot | null, changes: readonly TimelineChange[], sessions: readonly DailySessions[], zone: string): Timeline {
  const synthetic = base ? snapshotChanges(base.state, utcIso(snapshotInstantMs(base.asOf, zone))) : [];
  return { changes: [...synthetic, ...changes], sessions, zone };
}

export interface ReadTimelineOptions {
  /** Only changes before this instant (exclusive); default: all. */
  untilMs?: number;
  /** Sessions of these days, inclusive. */
  sessionsFrom: BillingDay;
  sessionsTo: BillingDay;
}

/**
 * A project's timeline from its snapshot: the snapshot, the changes after it (up to `untilMs`), and
 * the sessions asked for. Cost: one GetItem and two Queries over only the newer items.
 */
export async function readTimeline(ctx: StoreContext, projectId: string, opts: ReadTimelineOptions): Promise<TimelineRead> {
  const base = await readSnapshot(ctx, projectId);
  const fromMs = base ? startOfDay(addDays(base.asOf, 1), ctx.zone) : null;
  const [changes, sessions] = await Promise.all([
    queryChanges(ctx, projectId, fromMs, opts.untilMs ?? null),
    querySessions(ctx, projectId, opts.sessionsFrom, opts.sessionsTo),
  ]);
  return { base, changes, sessions, timeline: assembleTimeline(base, changes, sessions, ctx.zone), zone: ctx.zone };
}

/** The full current timeline for "now" views: all changes (future ones too), sessions of the 30 days ending `today`. */
export async function readCurrentTimeline(ctx: StoreContext, projectId: string, today: BillingDay): Promise<TimelineRead> {
  return readTimeline(ctx, projectId, { sessionsFrom: addDays(today, -29), sessionsTo: today });
}

/** The state after applying the read (snapshot + changes) up to `instantMs` inclusive, seats of disabled products kept. */
export function snapshotAt(read: TimelineRead, instantMs: number): TimelineSnapshot {
  return foldChanges(read.base?.state ?? emptySnapshot(), read.changes.filter((c) => Date.parse(c.at) <= instantMs));
}

// --- writes

export type ChangeInput =
  | { kind: 'product'; productId: ProductId; enabled: boolean; seats?: number }
  | { kind: 'number'; number: string; numberType: NumberType; held: boolean };

export interface ChangeContext {
  project: TimelineProject;
  /** The change's instant (UTC ISO) and its billing day. */
  at: string;
  atMs: number;
  day: BillingDay;
  /** The project's whole current timeline (before this change). */
  read: TimelineRead;
}

export interface ChangeAppended {
  project: TimelineProject;
  change: TimelineChange;
  at: string;
  /** The timeline with the change appended. */
  read: TimelineRead;
}

/** The API's 409 for a change into a day already charged. */
export class DayAlreadyCharged extends Conflict {
  constructor(day: BillingDay, chargedThrough: BillingDay) {
    super('day_already_charged', `${day} is already charged (charged through ${chargedThrough}); a change can only take effect in a day not yet charged`);
  }
}

/** True when the change's day is already charged: on or before chargedThrough, once billing started. */
export function isDayCharged(project: ProjectItem, day: BillingDay): boolean {
  return project.chargedThrough >= project.billingStartDate && day <= project.chargedThrough;
}

const MAX_APPEND_ATTEMPTS = 10;

/** True when the change item with this exact key (unique suffix included) is stored. */
async function changeStored(ctx: StoreContext, item: { pk: string; sk: string }): Promise<boolean> {
  const got = await withRetries(() => ctx.doc.send(new GetCommand({
    TableName: ctx.tables.projects, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true, ProjectionExpression: 'pk',
  })));
  return got.Item !== undefined;
}

/**
 * Appends one change at `effectiveAt` (default: now). `decide` sees the project and its current
 * timeline and returns the change to write, or throws a DomainError (404/409...) to refuse it. The
 * write is one transaction: the change item (a fresh key, never an overwrite) and the project item,
 * conditioned on the day still being open and on nobody having changed the timeline since the read;
 * if somebody did, the whole decision is taken again on the new timeline.
 *
 * Role rules (effectiveAt only from admin) are the route's; this enforces the day rule (409
 * `day_already_charged`).
 */
export async function appendChange(
  ctx: StoreContext,
  projectId: string,
  opts: { effectiveAt?: string; by?: string },
  decide: (c: ChangeContext) => ChangeInput,
): Promise<ChangeAppended> {
  for (let attempt = 1; ; attempt++) {
    const project = (await getProjectItem(ctx.doc, ctx.tables.projects, projectId)) as TimelineProject;
    const atMs = opts.effectiveAt !== undefined ? Date.parse(opts.effectiveAt) : ctx.now();
    if (!Number.isFinite(atMs)) throw new DomainError('invalid_instant', `${String(opts.effectiveAt)} is not an ISO 8601 instant`);
    const at = utcIso(atMs);
    const day = billingDayOf(atMs, ctx.zone);
    if (isDayCharged(project, day)) throw new DayAlreadyCharged(day, project.chargedThrough);
    const today = billingDayOf(ctx.now(), ctx.zone);
    const read = await readCurrentTimeline(ctx, projectId, today);
    const input = decide({ project, at, atMs, day, read });
    const rev = timelineRevOf(project);
    // seq orders changes at the same instant: the one written later wins. The project's timeline
    // revision grows with every write and this write is conditioned on it, so it is unique and in
    // write order even for two writes in the same millisecond.
    const change = { ...input, at, seq: rev + 1 } as TimelineChange;
    const item = { ...keys.change(projectId, at, randomUUID()), ...change, projectId, createdAt: utcIso(ctx.now()), ...(opts.by ? { by: opts.by } : {}) };
    const items: TransactItem[] = [
      { Put: { TableName: ctx.tables.projects, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: ctx.tables.projects,
          Key: keys.project(projectId),
          UpdateExpression: 'SET version = version + :one, timelineRev = :next',
          ConditionExpression: `attribute_exists(pk) AND (chargedThrough < :day OR chargedThrough < billingStartDate) AND ${rev === 0 ? '(attribute_not_exists(timelineRev) OR timelineRev = :rev)' : 'timelineRev = :rev'}`,
          ExpressionAttributeValues: { ':one': 1, ':next': rev + 1, ':rev': rev, ':day': day },
        },
      },
    ];
    // A lost answer: the first try committed, then its retry was cancelled (the item exists, the
    // revision moved) or the call threw. The change item's key carries a fresh UUID, so finding it
    // means this very attempt committed; deciding again would refuse (or repeat) our own change.
    let out: TransactOutcome;
    try {
      out = await withRetries(() => transact(ctx.doc, items));
    } catch (e) {
      if (!(await changeStored(ctx, item))) throw e;
      out = { committed: true };
    }
    if (!out.committed && (await changeStored(ctx, item))) out = { committed: true };
    if (out.committed) {
      const changes = [...read.changes, change];
      return {
        project: { ...project, version: project.version + 1, timelineRev: rev + 1 },
        change,
        at,
        read: { ...read, changes, timeline: assembleTimeline(read.base, changes, read.sessions, ctx.zone) },
      };
    }
    if (attempt >= MAX_APPEND_ATTEMPTS) throw new Error(`appending a change to ${projectId} kept conflicting: ${out.reasons.join(', ')}`, { cause: out.cause });
    // Re-read and decide again: the loop's first step refuses a day that got charged meanwhile.
  }
}

/**
 * Records a day's analytics sessions, replacing an earlier count for that day. Bumps the project
 * item in the same transaction so a nightly charge that read the old count reads again.
 */
export async function putSessions(ctx: StoreContext, projectId: string, date: BillingDay, count: number): Promise<DailySessions> {
  const items: TransactItem[] = [
    { Put: { TableName: ctx.tables.projects, Item: { ...keys.sessions(projectId, date), projectId, date, count, updatedAt: utcIso(ctx.now()) } } },
    {
      Update: {
        TableName: ctx.tables.projects,
        Key: keys.project(projectId),
        UpdateExpression: 'SET version = version + :one, timelineRev = if_not_exists(timelineRev, :zero) + :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
      },
    },
  ];
  for (let attempt = 1; ; attempt++) {
    const out = await withRetries(() => transact(ctx.doc, items));
    if (out.committed) return { date, count };
    if (out.reasons[1] === 'ConditionalCheckFailed') throw new NotFound(`project ${projectId}`);
    if (attempt >= MAX_APPEND_ATTEMPTS) throw new Error(`recording sessions for ${projectId} kept conflicting: ${out.reasons.join(', ')}`, { cause: out.cause });
  }
}
