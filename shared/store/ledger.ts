/**
 * Ledger entries (Ledger table, pk `project#<id>`, sk `<date>#<entryId>`): the stored item of an
 * entry, written only inside the transactions that move money (payments, charges), and the reads:
 * a page by date range in sort-key order (oldest first, then by entry id within a day) behind an
 * opaque cursor, and the telecom history the forecast needs.
 */
import { isBillingDay, type BillingDay } from '../domain/billing-days';
import { DomainError, ValidationFailed } from '../domain/errors';
import type { DayHistory } from '../domain/types';
import type { LedgerEntry, LedgerType } from '../domain/ledger';
import type { ProductId } from '../domain/plan';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll, type Item } from './pager';
import type { TransactItem } from './transactions';

export const DEFAULT_LEDGER_LIMIT = 100;
export const MAX_LEDGER_LIMIT = 1000;

// `#` (0x23) separates date and entry id; `$` (0x24) sorts right after it, so `<to>$` bounds every
// entry of day `to` without matching any real key.
const FIRST_DAY = '0000-01-01';
const LAST_DAY = '9999-12-31';

export class InvalidCursor extends DomainError {
  constructor() { super('invalid_cursor', 'the cursor is not one this listing returned', 400); }
}

export interface LedgerQuery {
  from?: BillingDay;
  to?: BillingDay;
  /** 1..1000; @default 100 */
  limit?: number;
  cursor?: string;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  nextCursor: string | null;
}

/** The API's LedgerEntry from a stored item: keys and bookkeeping attributes dropped. */
export function toLedgerEntry(item: Record<string, unknown>): LedgerEntry {
  const entry: LedgerEntry = {
    entryId: String(item.entryId),
    date: String(item.date),
    type: item.type as LedgerType,
    description: String(item.description),
    amount: Number(item.amount),
    balanceEffect: item.balanceEffect === true,
  };
  if (typeof item.productId === 'string') entry.productId = item.productId as ProductId;
  if (typeof item.number === 'string') entry.number = item.number;
  return entry;
}

/** The stored item of a ledger entry. */
export function ledgerItem(projectId: string, entry: LedgerEntry, createdAt: string, attemptId?: string): Record<string, unknown> {
  return { ...keys.ledger(projectId, entry.date, entry.entryId), projectId, createdAt, ...entry, ...(attemptId ? { attemptId } : {}) };
}

/** The Put of an entry, refused if the entry id was already written for that day (docs/reliability.md rule 1). */
export function ledgerPut(ctx: StoreContext, projectId: string, entry: LedgerEntry, createdAt: string, attemptId?: string): TransactItem {
  return { Put: { TableName: ctx.tables.ledger, Item: ledgerItem(projectId, entry, createdAt, attemptId), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** An entry's table and key: the receipt of the commit that writes it with an attemptId. */
export function ledgerRef(ctx: StoreContext, projectId: string, entry: Pick<LedgerEntry, 'date' | 'entryId'>): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.ledger, key: keys.ledger(projectId, entry.date, entry.entryId) };
}

export function encodeCursor(sk: string): string {
  return Buffer.from(sk, 'utf8').toString('base64url');
}

/** DynamoDB's limit on a sort key; a longer ExclusiveStartKey is a ValidationException (a 500 here). */
export const MAX_SORT_KEY_BYTES = 1024;

/**
 * `<date>#<entryId>`, the entry id in the alphabet entry ids are made of: ids (`A-Za-z0-9._:@-`),
 * `#` between their parts and `+` of phone numbers.
 */
const LEDGER_SORT_KEY = /^(\d{4}-\d{2}-\d{2})#[A-Za-z][A-Za-z0-9._:@#+-]*$/;

/**
 * The sort key a cursor stands for, judged by what it decodes to: InvalidCursor unless it is a
 * well-formed ledger key of at most MAX_SORT_KEY_BYTES inside [from, to]. A cursor is the caller's
 * to forge, so nothing of it reaches DynamoDB unchecked.
 */
export function decodeCursor(cursor: string, from: BillingDay, to: BillingDay): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursor();
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeCursor(sk) !== cursor || Buffer.byteLength(sk, 'utf8') > MAX_SORT_KEY_BYTES) throw new InvalidCursor();
  const m = LEDGER_SORT_KEY.exec(sk);
  if (!m || !isBillingDay(m[1]!) || m[1]! < from || m[1]! > to) throw new InvalidCursor();
  return sk;
}

/**
 * One page of a project's ledger between `from` and `to` (inclusive), oldest first. `nextCursor` is
 * null on the last page: one more item than asked is read, so a page that ends exactly at the last
 * entry says so instead of sending the caller for an empty page.
 */
export async function listLedger(ctx: StoreContext, projectId: string, q: LedgerQuery = {}): Promise<LedgerPage> {
  const from = q.from ?? FIRST_DAY;
  const to = q.to ?? LAST_DAY;
  if (from > to) throw new ValidationFailed(`from (${from}) is after to (${to})`);
  const limit = q.limit ?? DEFAULT_LEDGER_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LEDGER_LIMIT) throw new ValidationFailed(`limit must be 1..${MAX_LEDGER_LIMIT}`);
  const pk = keys.ledgerPk(projectId);
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': pk, ':lo': `${from}#`, ':hi': `${to}$` },
      ...(q.cursor !== undefined ? { ExclusiveStartKey: { pk, sk: decodeCursor(q.cursor, from, to) } } : {}),
    },
  }, { max: limit + 1 });
  const more = items.length > limit;
  const shown = items.slice(0, limit);
  return {
    entries: shown.map(toLedgerEntry),
    nextCursor: more ? encodeCursor(String(shown[shown.length - 1]!.sk)) : null,
  };
}

/**
 * The telecom totals of the closed days in `from..to` (their `telecom_daily` lines), for the
 * forecast. Reads the days' lines and keeps the telecom ones; a day's lines are few (products,
 * numbers, discount, telecom), so 28 days fit in a page or two.
 */
export async function telecomHistory(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<DayHistory[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      FilterExpression: '#type = :telecom',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId), ':lo': `${from}#`, ':hi': `${to}$`, ':telecom': 'telecom_daily' },
    },
  });
  return items.map((item) => ({ date: String(item.date), telecom: -Number(item.amount) || 0 }));
}

/** Every stored item of a project's ledger as stored (amounts unchecked), strongly consistent: the reconciler's read. */
export async function readLedgerItems(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string): Promise<Item[]> {
  return readAll(ctx.doc, {
    Query: { TableName: ctx.tables.ledger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId) }, ConsistentRead: true },
  });
}
