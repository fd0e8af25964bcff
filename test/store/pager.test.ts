/** The one pager (shared/store/pager.ts): every page once, `max` respected, unprocessed BatchGet keys asked again. */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchGetAll, pages, readAll, readPage } from '../../shared/store/pager';
import { faultyDoc } from '../support/faulty-doc';
import { useTables } from '../support/dynamo';

let doc: DynamoDBDocumentClient;
let table: string;
const N = 37;
const query = () => ({ Query: { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'pager' }, Limit: 5 } });

beforeAll(async () => {
  const t = await useTables();
  doc = t.doc;
  table = t.tables.PROJECTS_TABLE;
  for (let i = 0; i < N; i++) await doc.send(new PutCommand({ TableName: table, Item: { pk: 'pager', sk: `item#${String(i).padStart(3, '0')}`, i } }));
});

describe('the pager', () => {
  it('reads every item once, in key order, across pages of the request\'s Limit', async () => {
    const items = await readAll(doc, query());
    expect(items.map((i) => i.i)).toEqual(Array.from({ length: N }, (_, i) => i));
    let count = 0;
    for await (const page of pages(doc, query())) { count++; expect(page.items.length).toBeLessThanOrEqual(5); }
    expect(count).toBeGreaterThanOrEqual(Math.ceil(N / 5));
  });

  it('stops at max and says where to resume', async () => {
    const first = await readAll(doc, { Query: { ...query().Query, Limit: undefined } }, { max: 12 });
    expect(first).toHaveLength(12);
    const page = await readPage(doc, { Query: { ...query().Query, Limit: undefined } }, undefined, 12);
    expect(page.lastKey).toEqual({ pk: 'pager', sk: 'item#011' });
    const rest = await readAll(doc, { Query: { ...query().Query, ExclusiveStartKey: page.lastKey } });
    expect([...first, ...rest].map((i) => i.i)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('scans too', async () => {
    const items = await readAll(doc, { Scan: { TableName: table, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'pager' } } });
    expect(items).toHaveLength(N);
  });

  it('asks BatchGet again for the keys it left unprocessed', async () => {
    // DynamoDB Local never leaves keys unprocessed: the first answer is cut to its first 2 items.
    let first = true;
    let batchGets = 0;
    const d = faultyDoc(doc, () => undefined);
    const send = d.send.bind(d);
    (d as unknown as { send: unknown }).send = async (cmd: { constructor: { name: string }; input: { RequestItems: Record<string, { Keys: unknown[] }> } }) => {
      if (cmd.constructor.name === 'BatchGetCommand') batchGets++;
      const out = (await send(cmd as never)) as { Responses: Record<string, unknown[]>; UnprocessedKeys?: unknown };
      if (cmd.constructor.name !== 'BatchGetCommand' || !first) return out;
      first = false;
      const keys = cmd.input.RequestItems[table]!.Keys;
      const kept = (out.Responses[table] ?? []).slice(0, 2) as { sk: string }[];
      const keptSks = new Set(kept.map((k) => k.sk));
      return { Responses: { [table]: kept }, UnprocessedKeys: { [table]: { Keys: keys.filter((k) => !keptSks.has((k as { sk: string }).sk)) } } };
    };
    const keys = Array.from({ length: 9 }, (_, i) => ({ pk: 'pager', sk: `item#${String(i).padStart(3, '0')}` }));
    const items = await batchGetAll(d, table, keys, { consistent: true });
    expect(items.map((i) => i.i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 9 }, (_, i) => i));
    expect(batchGets).toBe(2);
  });
});
