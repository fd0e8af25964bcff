/**
 * Reading more than one page: DynamoDB stops a Query or Scan at 1 MB (or `Limit`) and hands back
 * `LastEvaluatedKey`; a BatchGet hands back `UnprocessedKeys`. Written once here, each page read with
 * the transient-error retry.
 */
import {
  BatchGetCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoffMs, sleep, withRetries } from './transactions';

export type Item = Record<string, unknown>;

/** A Query or a Scan, named as DynamoDB names them. */
export type ReadRequest = { Query: QueryCommandInput } | { Scan: ScanCommandInput };

export interface Page {
  items: Item[];
  /** Where the next page starts; undefined after the last one. */
  lastKey?: Item;
}

/** One page of `request` from `start` (its own ExclusiveStartKey when absent), at most `limit` items. */
export async function readPage(doc: DynamoDBDocumentClient, request: ReadRequest, start?: Item, limit?: number): Promise<Page> {
  const extra = { ...(start ? { ExclusiveStartKey: start } : {}), ...(limit !== undefined ? { Limit: limit } : {}) };
  const out = await withRetries(() => doc.send('Query' in request
    ? new QueryCommand({ ...request.Query, ...extra })
    : new ScanCommand({ ...request.Scan, ...extra })));
  return { items: (out.Items ?? []) as Item[], ...(out.LastEvaluatedKey ? { lastKey: out.LastEvaluatedKey } : {}) };
}

/**
 * Every page of `request`, in order. With `max`, stops once that many items were read, asking each
 * page for no more than are still wanted (the last page's `lastKey` then says where to resume).
 */
export async function* pages(doc: DynamoDBDocumentClient, request: ReadRequest, opts: { max?: number } = {}): AsyncGenerator<Page> {
  let start = 'Query' in request ? request.Query.ExclusiveStartKey : request.Scan.ExclusiveStartKey;
  let read = 0;
  do {
    const page = await readPage(doc, request, start, opts.max !== undefined ? opts.max - read : undefined);
    read += page.items.length;
    yield page;
    start = page.lastKey;
  } while (start && (opts.max === undefined || read < opts.max));
}

/** Every item of `request` (all pages), or the first `max`. */
export async function readAll(doc: DynamoDBDocumentClient, request: ReadRequest, opts: { max?: number } = {}): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of pages(doc, request, opts)) out.push(...page.items);
  return out;
}

/**
 * Items by key from one table, 100 keys a BatchGetItem (its limit), unprocessed keys asked again
 * after a backoff until none are left.
 */
/** A ProjectionExpression of `fields`, each through a name placeholder (safe for reserved words). */
export function projectionOf(...fields: readonly string[]): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  return {
    ProjectionExpression: fields.map((f) => `#${f}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
  };
}

export async function batchGetAll(doc: DynamoDBDocumentClient, table: string, keys: readonly Item[], opts: { consistent?: boolean; projection?: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } } = {}): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request: Item[] | undefined = keys.slice(i, i + 100);
    for (let round = 0; request && request.length > 0; round++) {
      if (round > 0) await sleep(backoffMs(round));
      const asked: Item[] = request;
      const page = await withRetries(() => doc.send(new BatchGetCommand({
        RequestItems: { [table]: { Keys: asked, ...(opts.consistent ? { ConsistentRead: true } : {}), ...opts.projection } },
      })));
      out.push(...((page.Responses?.[table] ?? []) as Item[]));
      request = page.UnprocessedKeys?.[table]?.Keys as Item[] | undefined;
    }
  }
  return out;
}
