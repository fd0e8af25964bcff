/**
 * Plans, their versions and tariffs in the Plans table (layout: shared/tables.ts).
 *
 * A version's tariff may hold 50,000 call and 20,000 SMS prefixes: several MB, more than one item
 * holds (400 KB). It is stored as rows of text in parts of at most PART_BYTES each, under a key made
 * from the SHA-256 of its content: the same deck is stored once whichever versions use it, a part
 * written twice is the same part, and parts written for a version whose commit then fails are never
 * read by anything. The version item names its tariff; nothing else refers to parts.
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CallRate, PlanVersion, SmsRate, Tariff, VersionRef } from '../domain/plan';
import { mapLimit } from '../concurrency';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll } from './pager';
import { withRetries, type TransactItem } from './transactions';

/** A plan: what is fixed when it is made, its versions' places in time, and whether any project was ever on it. */
export interface PlanItem {
  planId: string;
  name: string;
  currency: string;
  createdAt: string;
  /** Grows with every change of `versions`: a new version is decided on the list it was read with. */
  rev: number;
  versions: VersionRef[];
  /** Some project has been on the plan: from then on no version may change a begun day. */
  used?: boolean;
  /** The round that last changed it (shared/store/commit.ts receipts). */
  attemptId?: string;
}

/** A version as stored: everything but the tariff rows, which are in parts. */
export type VersionItem = Omit<PlanVersion, 'tariff'> & { tariffId: string; tariffParts: number; createdAt: string; attemptId?: string };

/** Bytes of rows per part: well under DynamoDB's 400 KB item limit, with room for the keys. */
const PART_BYTES = 300_000;

function callRow(r: CallRate): string {
  return `${r.prefix},${r.perMinute},${r.connectFee},${r.initialSec},${r.incrementSec}`;
}

function smsRow(r: SmsRate): string {
  return `${r.prefix},${r.perSegment}`;
}

/** Rows cut into parts of at most `max` bytes each (a row is never split). */
function cut(rows: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const row of rows) {
    if (size + row.length + 1 > max && current.length > 0) { out.push(current.join('\n')); current = []; size = 0; }
    current.push(row);
    size += row.length + 1;
  }
  if (current.length > 0) out.push(current.join('\n'));
  return out;
}

/** The parts of a tariff and its content id. */
export function tariffParts(tariff: Tariff): { tariffId: string; parts: { calls?: string; sms?: string }[] } {
  const calls = tariff.calls.map(callRow);
  const sms = tariff.sms.map(smsRow);
  const tariffId = createHash('sha256').update(calls.join('\n')).update('\n--\n').update(sms.join('\n')).digest('hex');
  const parts = [...cut(calls, PART_BYTES).map((c) => ({ calls: c })), ...cut(sms, PART_BYTES).map((s) => ({ sms: s }))];
  return { tariffId, parts };
}

function parseCalls(text: string): CallRate[] {
  return text.split('\n').map((row) => {
    const [prefix, perMinute, connectFee, initialSec, incrementSec] = row.split(',');
    return { prefix: prefix!, perMinute: Number(perMinute), connectFee: Number(connectFee), initialSec: Number(initialSec), incrementSec: Number(incrementSec) };
  });
}

function parseSms(text: string): SmsRate[] {
  return text.split('\n').map((row) => {
    const [prefix, perSegment] = row.split(',');
    return { prefix: prefix!, perSegment: Number(perSegment) };
  });
}

/** Writes a tariff's parts (idempotent: content-addressed) and returns how to find them. */
export async function putTariff(ctx: StoreContext, tariff: Tariff): Promise<{ tariffId: string; tariffParts: number }> {
  const { tariffId, parts } = tariffParts(tariff);
  await mapLimit(parts.map((p, i) => ({ p, i })), 4, ({ p, i }) => withRetries(() => ctx.doc.send(new PutCommand({
    TableName: ctx.tables.plans,
    Item: { ...keys.tariffPart(tariffId, i), ...p },
  }))));
  return { tariffId, tariffParts: parts.length };
}

/** The tariff stored under `tariffId` in `parts` parts (rows in the order they were written). */
export async function readTariff(ctx: StoreContext, tariffId: string, parts: number): Promise<Tariff> {
  const items = await readAll(ctx.doc, {
    Query: { TableName: ctx.tables.plans, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.tariffPk(tariffId) }, ConsistentRead: true },
  });
  if (items.length !== parts) throw new Error(`tariff ${tariffId}: ${items.length} parts stored, ${parts} expected`);
  const calls: CallRate[] = [];
  const sms: SmsRate[] = [];
  for (const item of items) {
    if (typeof item.calls === 'string') calls.push(...parseCalls(item.calls));
    if (typeof item.sms === 'string') sms.push(...parseSms(item.sms));
  }
  return { calls, sms };
}

export async function findPlan(ctx: StoreContext, planId: string): Promise<PlanItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.plans, Key: keys.plan(planId), ConsistentRead: true })));
  return out.Item ? toPlanItem(out.Item) : null;
}

function toPlanItem(item: Record<string, unknown>): PlanItem {
  // attemptId stays behind: it only tells a commit its own write.
  return {
    planId: String(item.planId), name: String(item.name), currency: String(item.currency), createdAt: String(item.createdAt),
    rev: Number(item.rev), versions: (item.versions ?? []) as VersionRef[], ...(item.used === true ? { used: true } : {}),
  };
}

/** Every plan, by planId. */
export async function listPlanItems(ctx: StoreContext): Promise<PlanItem[]> {
  const items = await readAll(ctx.doc, {
    Query: { TableName: ctx.tables.plans, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.plansPk }, ConsistentRead: true },
  });
  return items.map(toPlanItem);
}

export async function readVersionItem(ctx: StoreContext, planId: string, version: number): Promise<VersionItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.plans, Key: keys.planVersion(planId, version), ConsistentRead: true })));
  if (!out.Item) return null;
  const { pk: _pk, sk: _sk, attemptId: _attemptId, ...rest } = out.Item as VersionItem & { pk: string; sk: string };
  return rest;
}

/** The Put of a new plan item; refuses a second plan with the same id. */
export function planPut(ctx: StoreContext, plan: PlanItem): TransactItem {
  return { Put: { TableName: ctx.tables.plans, Item: { ...keys.plan(plan.planId), ...plan }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** The Put of a version item; versions are never edited, so it refuses to overwrite. */
export function versionPut(ctx: StoreContext, item: VersionItem): TransactItem {
  return { Put: { TableName: ctx.tables.plans, Item: { ...keys.planVersion(item.planId, item.version), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/**
 * The Update of a plan's version list, conditioned on the revision it was decided on; `unused` also
 * requires that no project has been on the plan meanwhile (a version that changes begun days was
 * allowed only because nobody was on it).
 */
export function planVersionsUpdate(ctx: StoreContext, plan: PlanItem, versions: VersionRef[], unused: boolean, attemptId: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.plans,
      Key: keys.plan(plan.planId),
      UpdateExpression: 'SET versions = :versions, rev = :next, attemptId = :attempt',
      ConditionExpression: `rev = :rev${unused ? ' AND attribute_not_exists(used)' : ''}`,
      ExpressionAttributeValues: { ':versions': versions, ':next': plan.rev + 1, ':rev': plan.rev, ':attempt': attemptId },
    },
  };
}

/** A plan item's table and key: the receipt of a commit that changes it. */
export function planRef(ctx: StoreContext, planId: string): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.plans, key: keys.plan(planId) };
}

/**
 * The Update that records that a project is on the plan (part of the transaction that puts it there);
 * it also refuses a plan that does not exist.
 */
export function markPlanUsed(ctx: StoreContext, planId: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.plans,
      Key: keys.plan(planId),
      UpdateExpression: 'SET used = :t',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':t': true },
    },
  };
}

/** The version item of `version` from its parts: what it says and which tariff it prices with. */
export function versionItemOf(version: Omit<PlanVersion, 'tariff'>, tariff: { tariffId: string; tariffParts: number }, createdAt: string): VersionItem {
  return { ...version, ...tariff, createdAt };
}
