/**
 * The one optimistic commit (shared/store/commit.ts) on DynamoDB Local, with injected faults: it
 * commits once, recognises its own commit after a lost answer, turns a cancellation into an answer
 * when told to, backs off and decides again on contention, and gives up with Busy. A cancellation
 * reaches the caller as the outcomes its items were guarded with, never as DynamoDB's codes.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { Busy } from '../../shared/domain/errors';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { guard, optimisticCommit, receiptIsOurs, type Cancellation } from '../../shared/store/commit';
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
      items: [guard({ Put: { TableName: table, Item: { ...key('taken'), n: 99 }, ConditionExpression: 'attribute_not_exists(pk)' } }, 'exists')],
      result: 'created',
      onCancelled: (cancelled) => (cancelled.has('exists') ? { done: 'existed' } : undefined),
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

  const put = (id: string, extra: Record<string, unknown> = {}) => ({ Put: { TableName: table, Item: { ...key(id), n: 1, ...extra }, ConditionExpression: 'attribute_not_exists(pk)' } });
  const cancellation = (codes: string[]) => new TransactionCanceledException({ message: 'cancelled [injected]', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

  it('names each refused item by the outcome and tag it was guarded with, and an unguarded refusal as contention', async () => {
    await increment(doc, 'named-a', { n: 0 });
    await increment(doc, 'named-c', { n: 0 });
    await increment(doc, 'named-e', { n: 0 });
    const seen: Cancellation<'duplicate' | 'missing'>[] = [];
    const answer = await optimisticCommit<string, 'duplicate' | 'missing'>(doc, 'named', async () => ({
      items: [
        guard(put('named-a'), 'duplicate', 'a'),
        guard(put('named-b'), 'duplicate', 'b'),
        guard(put('named-c'), 'duplicate', 'c'),
        guard({ ConditionCheck: { TableName: table, Key: key('named-d'), ConditionExpression: 'attribute_exists(pk)' } }, 'missing', 'd'),
        put('named-e'),
      ],
      result: 'written',
      onCancelled: (c) => { seen.push(c); return { done: 'refused' }; },
    }));
    expect(answer).toBe('refused');
    const c = seen[0]!;
    expect(c.names.sort()).toEqual(['duplicate', 'missing']);
    expect(c.tags('duplicate')).toEqual(['a', 'c']);
    expect(c.has('missing')).toBe(true);
    expect(c.tags('missing')).toEqual(['d']);
    expect(c.contended).toBe(true);
    expect(c.fault).toBeUndefined();
    expect(await read(doc, 'named-b')).toBeUndefined();
  });

  it("decides again at once, without counting it as contention, when the outcomes settled part of the work ('again')", async () => {
    await increment(doc, 'again-1', { n: 0 });
    await increment(doc, 'again-3', { n: 0 });
    let pending = ['again-0', 'again-1', 'again-2', 'again-3'];
    const rounds: string[][] = [];
    const existed: string[] = [];
    await optimisticCommit<string[], 'duplicate'>(doc, 'again', async () => {
      rounds.push(pending);
      return {
        items: pending.map((id) => guard(put(id), 'duplicate', id)),
        result: pending,
        onCancelled: (c) => { existed.push(...c.tags('duplicate')); pending = pending.filter((id) => !c.tags('duplicate').includes(id)); return 'again'; },
      };
    }, { maxRounds: 1 });
    expect(rounds).toEqual([['again-0', 'again-1', 'again-2', 'again-3'], ['again-0', 'again-2']]);
    expect(existed).toEqual(['again-1', 'again-3']);
    expect((await read(doc, 'again-2'))?.n).toBe(1);
  });

  it("backs off on transient and unknown reasons alike, telling the unknown as a fault, and 'again' on contention alone does not spin", async () => {
    for (const [code, fault] of [['TransactionConflict', undefined], ['ThrottlingError', undefined], ['ValidationError', 'ValidationError']] as const) {
      const d = faultyDoc(doc, (cmd) => (cmd.name === 'TransactWriteCommand' ? { before: cancellation(['None', code]) } : undefined));
      const seen: Cancellation[] = [];
      const attempt = optimisticCommit(d, `cancelled by ${code}`, async () => ({
        items: [guard(put(`fault-${code}-1`), 'duplicate', '1'), put(`fault-${code}-2`)],
        result: 1,
        onCancelled: (c) => { seen.push(c); return 'again'; },
      }), { maxRounds: 3, maxBackoffMs: 5, busy: () => new Error(`gave up on ${code}`) });
      await expect(attempt).rejects.toThrow(`gave up on ${code}`);
      await expect(attempt).rejects.toMatchObject({ cause: expect.any(TransactionCanceledException) });
      expect(seen).toHaveLength(3);
      expect(seen[0]!.names).toEqual([]);
      expect(seen[0]!.contended).toBe(fault === undefined);
      expect(seen[0]!.fault).toBe(fault);
    }
  });

  it('recognises its lost answer by the receipt of a guarded item, and never reports its own write as a duplicate', async () => {
    let lost = 0;
    const d = faultyDoc(doc, (cmd) => (cmd.name === 'TransactWriteCommand' && lost++ === 0 ? { after: timeout() } : undefined));
    const cancelled: Cancellation[] = [];
    const answer = await optimisticCommit(d, 'lost guarded', async ({ attemptId }) => ({
      items: [guard(put('lost-guarded-1', { attemptId }), 'duplicate', '1'), guard(put('lost-guarded-2'), 'duplicate', '2')],
      receipt: { table, key: key('lost-guarded-1') },
      result: 'stored',
      onCancelled: (c) => { cancelled.push(c); return { done: 'duplicate' }; },
    }));
    expect(answer).toBe('stored');
    expect(cancelled).toEqual([]);
    expect(lost).toBe(2);
  });
});
