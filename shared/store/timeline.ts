/**
 * A project's timeline items in the Projects table: dated changes (products on/off/seats, numbers
 * added/removed), one item each and never overwritten; a day's analytics sessions (a repeat replaces
 * the day); and the snapshot of the state as of the last charged day.
 *
 * Why the snapshot: the nightly charge of day D needs the state at D's first instant, which depends
 * on all history. The charge transaction of each day also writes the snapshot (the state after every
 * change before the next day's first instant), so the next night reads the snapshot plus only the
 * changes since: O(changes of the days charged), not O(history).
 *
 * Why every write here also updates the project item (`version`, `timelineRev`) in its transaction:
 * - a change may only go into a day not yet charged; the condition on `chargedThrough` makes that
 *   check and the write one atomic step, so a change can never land behind a snapshot;
 * - the charge's own transaction is conditioned on `version`, so a change written between the
 *   charge's read and its commit makes the charge read again instead of charging without it;
 * - the condition on `timelineRev` serialises changes, so "number already held" and the like are
 *   decided on the exact timeline the change is appended to.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, type BillingDay } from '../domain/billing-days';
import { startOfDay } from '../domain/day-bounds';
import type { NumberType, PlanAssignment, ProductId } from '../domain/plan';
import { timelineRead, utcIso, type StoredSnapshot, type TimelineRead, type TimelineSnapshot } from '../domain/timeline-snapshot';
import type { DailySessions, TimelineChange } from '../domain/types';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll, type Item } from './pager';
import { timelineRevOf, type ProjectItem } from './projects';
import { withRetries, type TransactItem } from './transactions';

function toChange(item: Item): TimelineChange {
  if (item.kind === 'plan') return { kind: 'plan', at: String(item.at), seq: Number(item.seq ?? 0), planId: String(item.planId), effectiveFrom: String(item.effectiveFrom) };
  if (item.kind === 'product') {
    return {
      kind: 'product', at: String(item.at), seq: Number(item.seq ?? 0), productId: item.productId as ProductId, enabled: item.enabled === true,
      ...(typeof item.seats === 'number' ? { seats: item.seats } : {}),
    };
  }
  return { kind: 'number', at: String(item.at), seq: Number(item.seq ?? 0), number: String(item.number), numberType: item.numberType as NumberType, held: item.held === true };
}

/** The snapshot, if any day was ever charged. */
export async function readSnapshot(ctx: StoreContext, projectId: string): Promise<StoredSnapshot | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.snapshot(projectId), ConsistentRead: true })));
  const item = out.Item as (StoredSnapshot & Item) | undefined;
  return item ? { asOf: item.asOf, state: item.state } : null;
}

/** The Put of the snapshot (one per project, replaced by each day's charge). */
export function snapshotPut(ctx: StoreContext, projectId: string, asOf: BillingDay, state: TimelineSnapshot): TransactItem {
  return { Put: { TableName: ctx.tables.projects, Item: { ...keys.snapshot(projectId), projectId, asOf, state } } };
}

/** Changes with `fromMs <= instant < untilMs` (either bound optional), in instant order. */
export async function queryChanges(ctx: StoreContext, projectId: string, fromMs: number | null, untilMs: number | null): Promise<TimelineChange[]> {
  const lo = fromMs === null ? keys.changePrefix : `${keys.changePrefix}${utcIso(fromMs)}`;
  // `change#<iso>` sorts before every `change#<iso>#<unique>`, so BETWEEN excludes changes at untilMs.
  const hi = untilMs === null ? `${keys.changePrefix}\uffff` : `${keys.changePrefix}${utcIso(untilMs)}`;
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':lo': lo, ':hi': hi },
      ConsistentRead: true,
    },
  });
  return items.map(toChange);
}

/** Session counts of the days `from..to` inclusive. */
export async function querySessions(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<DailySessions[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':lo': `${keys.sessionsPrefix}${from}`, ':hi': `${keys.sessionsPrefix}${to}` },
      ConsistentRead: true,
    },
  });
  return items.map((i) => ({ date: String(i.date), count: Number(i.count) }));
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
  return timelineRead(base, changes, sessions, ctx.zone);
}

/** The full current timeline for "now" views: all changes (future ones too), sessions of the 30 days ending `today`. */
export async function readCurrentTimeline(ctx: StoreContext, projectId: string, today: BillingDay): Promise<TimelineRead> {
  return readTimeline(ctx, projectId, { sessionsFrom: addDays(today, -29), sessionsTo: today });
}

/**
 * The Put of a change item under a fresh key (never an overwrite), carrying the round's `attemptId`,
 * and that key: the commit's receipt.
 */
export function changePut(ctx: StoreContext, projectId: string, change: TimelineChange, extra: { by?: string; attemptId: string }): { put: TransactItem; key: { pk: string; sk: string } } {
  const key = keys.change(projectId, change.at, extra.attemptId);
  const item = { ...key, ...change, projectId, createdAt: utcIso(ctx.now()), attemptId: extra.attemptId, ...(extra.by ? { by: extra.by } : {}) };
  return { put: { Put: { TableName: ctx.tables.projects, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, key };
}

/**
 * The project's side of a change on `day`: bumps `version` and `timelineRev`, conditioned on the day
 * still being open and on the revision the change was decided on.
 */
export function timelineBump(ctx: StoreContext, project: ProjectItem, day: BillingDay, plans?: PlanAssignment[], events?: { eventSeq: number }): TransactItem {
  const rev = timelineRevOf(project);
  // Not conditioned on the version (a debit may move the balance meanwhile), so the event count is
  // conditioned on its own: two writers never number two events alike.
  const seq = project.eventSeq ?? 0;
  return {
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.project(project.projectId),
      UpdateExpression: `SET version = version + :one, timelineRev = :next${plans ? ', plans = :plans' : ''}${events ? ', eventSeq = :eventSeq' : ''}`,
      ConditionExpression: [
        'attribute_exists(pk) AND (chargedThrough < :day OR chargedThrough < billingStartDate)',
        rev === 0 ? '(attribute_not_exists(timelineRev) OR timelineRev = :rev)' : 'timelineRev = :rev',
        ...(events ? [seq === 0 ? '(attribute_not_exists(eventSeq) OR eventSeq = :seq)' : 'eventSeq = :seq'] : []),
      ].join(' AND '),
      ExpressionAttributeValues: {
        ':one': 1, ':next': rev + 1, ':rev': rev, ':day': day,
        ...(plans ? { ':plans': plans } : {}),
        ...(events ? { ':eventSeq': events.eventSeq, ':seq': seq } : {}),
      },
    },
  };
}

/**
 * A day's sessions, replacing an earlier count, and the bump of the project item that makes a nightly
 * charge that read the old count read again; refused once `date` is charged.
 */
export function sessionsPuts(ctx: StoreContext, projectId: string, date: BillingDay, count: number): TransactItem[] {
  return [
    { Put: { TableName: ctx.tables.projects, Item: { ...keys.sessions(projectId, date), projectId, date, count, updatedAt: utcIso(ctx.now()) } } },
    {
      Update: {
        TableName: ctx.tables.projects,
        Key: keys.project(projectId),
        UpdateExpression: 'SET version = version + :one, timelineRev = if_not_exists(timelineRev, :zero) + :one',
        ConditionExpression: 'attribute_exists(pk) AND (chargedThrough < :day OR chargedThrough < billingStartDate)',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':day': date },
      },
    },
  ];
}
