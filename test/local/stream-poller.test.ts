/**
 * The twin's stream poller on DynamoDB Local's real usage stream, with a recording debit handler:
 * INSERTs only, Lambda's record shape, redelivery from the LOWEST failed record (and only from there),
 * a thrown error retrying the whole batch, and records set aside after the retries run out.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { startStreamPoller, type StreamHandler, type StreamPoller } from '../../local/stream-poller';
import { useTables } from '../support/dynamo';

let ctx: Awaited<ReturnType<typeof useTables>>;
let poller: StreamPoller | undefined;

beforeAll(async () => { ctx = await useTables(); });
afterEach(async () => { await poller?.stop(); poller = undefined; });

const keyOf = (r: DynamoDBRecord): string => r.dynamodb!.Keys!.pk!.S!;
const seqOf = (r: DynamoDBRecord): string => r.dynamodb!.SequenceNumber!;

async function putEvents(prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const pk = `usage#${prefix}-${String(i).padStart(2, '0')}`;
    await ctx.doc.send(new PutCommand({ TableName: ctx.tables.USAGE_TABLE, Item: { pk, projectId: prefix, cost: i } }));
    ids.push(pk);
  }
  return ids;
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fast = { batchWindowMs: 50, pollIntervalMs: 25, retryBackoffMs: 10, shardRefreshMs: 200 };

it('redelivers from the lowest failed record and hands every record over', async () => {
  // Written before the poller starts, so the first read (TRIM_HORIZON) sees all 20 in one batch.
  const ids = await putEvents('a', 20);
  // A MODIFY on the stream (as the debit's own mark makes) must never reach the handler.
  await ctx.doc.send(new UpdateCommand({ TableName: ctx.tables.USAGE_TABLE, Key: { pk: ids[3] }, UpdateExpression: 'SET debitedAt = :t', ExpressionAttributeValues: { ':t': 'now' } }));
  const batches: DynamoDBRecord[][] = [];
  const failedOnce = new Set<string>();
  const handler: StreamHandler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    batches.push(event.Records);
    // Records 10 and 14 fail the first time they are seen: the lowest of them (10) is the checkpoint.
    const failures = event.Records.filter((r) => [ids[10], ids[14]].includes(keyOf(r)) && !failedOnce.has(keyOf(r)));
    for (const r of failures) failedOnce.add(keyOf(r));
    return { batchItemFailures: failures.map((r) => ({ itemIdentifier: seqOf(r) })) };
  };
  poller = await startStreamPoller({ endpoint: ctx.endpoint, tableName: ctx.tables.USAGE_TABLE, handler, ...fast });
  await until(() => batches.length >= 2);

  expect(batches[0]!.map(keyOf)).toEqual(ids);
  // Redelivery starts exactly at record 10 and includes the records after it that had succeeded.
  expect(batches[1]!.map(keyOf)).toEqual(ids.slice(10));
  expect(seqOf(batches[1]![0]!)).toBe(seqOf(batches[0]![10]!));
  // Every record reached the handler; none before the failure came twice.
  const seen = batches.flat().map(keyOf);
  expect(new Set(seen)).toEqual(new Set(ids));
  expect(seen.filter((k) => k === ids[9])).toHaveLength(1);
  expect(batches.flat().every((r) => r.eventName === 'INSERT')).toBe(true);

  // The record as Lambda delivers it.
  const r = batches[0]![0]!;
  expect(r).toMatchObject({
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    eventSourceARN: poller.streamArn,
    dynamodb: { Keys: { pk: { S: ids[0] } }, NewImage: { pk: { S: ids[0] }, projectId: { S: 'a' }, cost: { N: '0' } }, StreamViewType: 'NEW_IMAGE' },
  });
  expect(typeof r.dynamodb!.ApproximateCreationDateTime).toBe('number');
  expect(r.dynamodb!.ApproximateCreationDateTime!).toBeLessThan(Date.now() / 1000 + 60);

  // Records written later keep flowing after the retry.
  const more = await putEvents('b', 3);
  await until(() => more.every((k) => batches.flat().some((x) => keyOf(x) === k)));
  expect(poller.failures).toEqual([]);
});

it('retries the whole batch when the handler throws, then sets it aside after maxRetries', async () => {
  const ids = await putEvents('c', 4);
  const seenCount = new Map<string, number>();
  let throwsLeft = 1;
  const handler: StreamHandler = async (event) => {
    const keys = event.Records.map(keyOf).filter((k) => k.startsWith('usage#c-') || k.startsWith('usage#d-'));
    for (const k of keys) seenCount.set(k, (seenCount.get(k) ?? 0) + 1);
    if (keys.length && throwsLeft-- > 0) throw new Error('transient');
    // ids[2] is poison: always reported failed.
    const poison = event.Records.find((r) => keyOf(r) === ids[2]);
    return { batchItemFailures: poison ? [{ itemIdentifier: seqOf(poison) }] : [] };
  };
  poller = await startStreamPoller({ endpoint: ctx.endpoint, tableName: ctx.tables.USAGE_TABLE, handler, ...fast, maxRetries: 2 });
  await until(() => poller!.failures.length > 0);

  // Attempt 1 threw (whole batch again); attempt 2 reported ids[2]; retries 1 and 2 re-sent from ids[2].
  expect(seenCount.get(ids[0]!)).toBe(2);
  expect(seenCount.get(ids[1]!)).toBe(2);
  expect(seenCount.get(ids[2]!)).toBe(4);
  const [failed] = poller.failures;
  expect(failed!.records.map(keyOf)).toEqual([ids[2], ids[3]]);
  expect(failed!.attempts).toBe(3);

  // The shard moved on past the set-aside batch: later records are delivered, the poison is not retried.
  const after = await putEvents('d', 2);
  const handler2Seen = () => after.every((k) => seenCount.has(k));
  await until(handler2Seen);
  expect(seenCount.get(ids[2]!)).toBe(4);
  expect(poller.failures).toHaveLength(1);
});
