/**
 * The one optimistic commit (shared/store/commit.ts) on DynamoDB Local, with injected faults: it
 * commits once, recognises its own commit after a lost answer, turns a cancellation into an answer
 * when told to, backs off and decides again on contention, and gives up with Busy.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { Busy } from '../../shared/domain/errors';
import { optimisticCommit, receiptIsOurs } from '../../shared/store/commit';
import { conflictCancellation, faultyDoc, timeout } from '../support/faulty-doc';
import { useTables } from '../support/dynamo';

let doc: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  const t = await useTables();
  doc = t.doc;
  table = t.tables.PROJECTS_TABLE;
});

const key = (id: string) => ({ pk: `commit-test#${id}`, sk: 'counter' });

async function read(d: DynamoDBDocumentClient, id: string): Promise<{ n: number; v: number } | undefined> {
  return (await d.send(new GetCommand({ TableName: table, Key: key(id), ConsistentRead: true }))).Item as { n: number; v: number } | undefined;
}

/** Adds 1 to a counter item conditioned on the version read: the shape of every money path. */
function increment(d: DynamoDBDocumentClient, id: string, decisions: { n: number }) {
  return optimisticCommit(d, `increment ${id}`, async ({ attemptId }) => {
    decisions.n++;
    const item = (await read(d, id)) ?? { n: 0, v: 0 };
    return {
      items: [{
        Put: {
          TableName: table,
          Item: { ...key(id), n: item.n + 1, v: item.v + 1, attemptId },
          ConditionExpression: item.v === 0 ? 'attribute_not_exists(pk)' : 'v = :v',
          ...(item.v === 0 ? {} : { ExpressionAttributeValues: { ':v': item.v } }),
        },
      }],
      receipt: { table, key: key(id) },
      result: item.n + 1,
    };
  }, { maxRounds: 40, maxBackoffMs: 20 });
}

describe('optimisticCommit', () => {
  it('moves exactly once per call when many race on one item', async () => {
    const decisions = { n: 0 };
    const results = await Promise.all(Array.from({ length: 12 }, () => increment(doc, 'race', decisions)));
    expect((await read(doc, 'race'))?.n).toBe(12);
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(decisions.n).toBeGreaterThan(12); // they did collide, and decided again
  });

  it('answers a commit whose answer was lost as committed, without deciding again on its own write', async () => {
    // The transaction commits, then the caller sees a timeout: the retry is cancelled by our own write.
    let lost = 0;
    const d = faultyDoc(doc, (cmd) => (cmd.name === 'TransactWriteCommand' && lost++ === 0 ? { after: timeout() } : undefined));
    const decisions = { n: 0 };
    expect(await increment(d, 'lost', decisions)).toBe(1);
    expect((await read(doc, 'lost'))?.n).toBe(1);
    expect(decisions.n).toBe(1);
  });

  it('tells its own receipt from another writer\'s', async () => {
    await increment(doc, 'receipt', { n: 0 });
    const stored = (await read(doc, 'receipt')) as unknown as { attemptId: string };
    expect(await receiptIsOurs(doc, { table, key: key('receipt') }, stored.attemptId)).toBe(true);
    expect(await receiptIsOurs(doc, { table, key: key('receipt') }, 'someone-else')).toBe(false);
    expect(await receiptIsOurs(doc, { table, key: key('nothing-here') }, stored.attemptId)).toBe(false);
  });

  it('returns what onCancelled makes of a cancellation, and decides again when it says nothing', async () => {
    await increment(doc, 'taken', { n: 0 });
    const refused = await optimisticCommit(doc, 'create taken', async () => ({
      items: [{ Put: { TableName: table, Item: { ...key('taken'), n: 99 }, ConditionExpression: 'attribute_not_exists(pk)' } }],
      result: 'created',
      onCancelled: (reasons) => (reasons[0] === 'ConditionalCheckFailed' ? { done: 'existed' } : undefined),
    }));
    expect(refused).toBe('existed');
    expect((await read(doc, 'taken'))?.n).toBe(1);
  });

  it('gives up with Busy (503, nothing written) after maxRounds of contention', async () => {
    const d = faultyDoc(doc, (cmd) => (cmd.name === 'TransactWriteCommand' ? { before: conflictCancellation(1, 0) } : undefined));
    const decisions = { n: 0 };
    const attempt = optimisticCommit(d, 'always contended', async () => {
      decisions.n++;
      return { items: [{ Put: { TableName: table, Item: { ...key('never'), n: 1 } } }], result: 1 };
    }, { maxRounds: 5, maxBackoffMs: 5 });
    await expect(attempt).rejects.toBeInstanceOf(Busy);
    await expect(attempt).rejects.toMatchObject({ status: 503, code: 'busy' });
    expect(decisions.n).toBe(5);
    expect(await read(doc, 'never')).toBeUndefined();
  });
});
