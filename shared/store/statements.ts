/**
 * Monthly statements (Projects table, `statement#<YYYY-MM>` in the project's partition): written once
 * by the month's close (shared/billing/statements.ts) with `attribute_not_exists`, never updated.
 * The item keeps the statement whole, and its month and balances beside it for the listing.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import type { LedgerEntry } from '../domain/ledger';
import { Statement, type Month, type StatementSummary } from '../domain/statement';
import type { StoreContext } from './context';
import { keys } from './keys';
import { toLedgerEntry } from './ledger';
import { readAll } from './pager';
import { withRetries, type TransactItem } from './transactions';

/** The Put of a statement, refused when the month already has one. */
export function statementPut(ctx: StoreContext, statement: Statement, createdAt: string, attemptId: string): TransactItem {
  return {
    Put: {
      TableName: ctx.tables.projects,
      Item: {
        ...keys.statement(statement.projectId, statement.month),
        month: statement.month, openingBalance: statement.openingBalance, closingBalance: statement.closingBalance,
        document: JSON.stringify(statement), createdAt, attemptId,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export function statementRef(ctx: StoreContext, projectId: string, month: Month): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.projects, key: keys.statement(projectId, month) };
}

/**
 * The statement a stored item holds: `document`, its JSON (one string attribute: the statement is
 * read and written whole, never by field, and a string costs the SDK and DynamoDB far less to carry
 * than a tree of maps), or `statement`, the map items made before it was kept as JSON.
 */
export function statementOfItem(item: Record<string, unknown>): Statement {
  return Statement.parse(typeof item.document === 'string' ? JSON.parse(item.document) : item.statement);
}

/** The statement of `month`, or null when it is not made yet. */
export async function findStatement(ctx: StoreContext, projectId: string, month: Month): Promise<Statement | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.statement(projectId, month), ConsistentRead: true })));
  // Parsed back through its schema: a stored map keeps no order, the answer shows the documented one.
  return out.Item ? statementOfItem(out.Item) : null;
}

/** Every statement's month and balances, newest first (a dozen small items a year). */
export async function listStatementSummaries(ctx: StoreContext, projectId: string): Promise<StatementSummary[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':prefix': keys.statementPrefix },
      ProjectionExpression: '#m, openingBalance, closingBalance',
      ExpressionAttributeNames: { '#m': 'month' },
      ScanIndexForward: false,
    },
  });
  return items.map((i) => ({ month: String(i.month), openingBalance: Number(i.openingBalance), closingBalance: Number(i.closingBalance) }));
}

/**
 * Every ledger entry dated `from`..`to` (strongly consistent): a closed month's lines are a few per
 * day (products, numbers or number types, discount, telecom) plus the month's payments and
 * corrections, never one per usage event.
 */
export async function readLedgerRange(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<LedgerEntry[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId), ':lo': `${from}#`, ':hi': `${to}$` },
      // The entry's own fields only: a month's read carries no keys or bookkeeping attributes.
      ProjectionExpression: 'entryId, #date, #type, description, amount, balanceEffect, productId, #number',
      ExpressionAttributeNames: { '#date': 'date', '#type': 'type', '#number': 'number' },
      ConsistentRead: true,
    },
  });
  return items.map(toLedgerEntry);
}
