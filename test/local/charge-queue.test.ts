/**
 * The twin's in-process charge queue: SQS-shaped records in batches of at most 10, partial batch
 * failures redelivered (only the failed messages), poison messages dead-lettered after
 * maxReceiveCount receives, and idle() once everything is settled.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { expect, it } from 'vitest';
import { InProcessChargeQueue } from '../../local/queues';
import type { ChargeMessage } from '../../shared/runtime';

const msgs = (n: number, prefix = 'p'): ChargeMessage[] => Array.from({ length: n }, (_, i) => ({ projectId: `${prefix}${i}`, date: '2026-03-29' }));
const projectOf = (r: SQSRecord): string => (JSON.parse(r.body) as ChargeMessage).projectId;

it('delivers SQS-shaped records in batches of at most 10', async () => {
  const batches: SQSRecord[][] = [];
  const q = new InProcessChargeQueue({ handler: async (e: SQSEvent) => { batches.push(e.Records); }, concurrency: 1 });
  await q.send(msgs(23));
  await q.idle();
  // 23 messages → 10 + 10 + 3.
  expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
  expect(batches.flat().map(projectOf)).toEqual(msgs(23).map((m) => m.projectId));
  const r = batches[0]![0]!;
  expect(r).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: expect.stringContaining(':paygo-charge-day'), attributes: { ApproximateReceiveCount: '1' } });
  expect(r.messageId).not.toBe('');
  expect(r.receiptHandle).not.toBe('');
  expect(JSON.parse(r.body)).toEqual({ projectId: 'p0', date: '2026-03-29' });
  expect(q.deadLetters).toEqual([]);
  await q.stop();
});

it('redelivers only the failed messages of a partial batch failure, with a higher receive count', async () => {
  const received: { project: string; count: string }[] = [];
  let failP3 = true;
  const q = new InProcessChargeQueue({
    visibilityDelayMs: 10,
    handler: async (e): Promise<SQSBatchResponse> => {
      for (const r of e.Records) received.push({ project: projectOf(r), count: r.attributes.ApproximateReceiveCount });
      const p3 = e.Records.find((r) => projectOf(r) === 'p3');
      const fail = failP3 && p3 ? [{ itemIdentifier: p3.messageId }] : [];
      if (p3) failP3 = false;
      return { batchItemFailures: fail };
    },
  });
  await q.send(msgs(5));
  await q.idle();
  expect(received.filter((r) => r.project === 'p3')).toEqual([{ project: 'p3', count: '1' }, { project: 'p3', count: '2' }]);
  for (const p of ['p0', 'p1', 'p2', 'p4']) expect(received.filter((r) => r.project === p)).toHaveLength(1);
  expect(q.deadLetters).toEqual([]);
  await q.stop();
});

it('moves a poison message to the dead-letter list after maxReceiveCount receives; a throw fails the whole batch', async () => {
  const counts = new Map<string, number>();
  let thrown = false;
  const q = new InProcessChargeQueue({
    visibilityDelayMs: 5,
    maxReceiveCount: 5,
    handler: async (e): Promise<SQSBatchResponse> => {
      for (const r of e.Records) counts.set(projectOf(r), (counts.get(projectOf(r)) ?? 0) + 1);
      if (!thrown) { thrown = true; throw new Error('transient'); }
      const poison = e.Records.filter((r) => projectOf(r) === 'p1');
      return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
    },
  });
  await q.send(msgs(3));
  await q.idle();
  // The throw cost every message one receive; p1 then failed until its 5th receive.
  expect(counts.get('p0')).toBe(2);
  expect(counts.get('p2')).toBe(2);
  expect(counts.get('p1')).toBe(5);
  expect(q.deadLetters).toHaveLength(1);
  expect(q.deadLetters[0]).toMatchObject({ receiveCount: 5, body: JSON.stringify({ projectId: 'p1', date: '2026-03-29' }) });
  expect(q.depth).toBe(0);
  await q.stop();
});

it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
  let calls = 0;
  const q = new InProcessChargeQueue({
    visibilityDelayMs: 5,
    handler: async (): Promise<SQSBatchResponse> => {
      calls++;
      return { batchItemFailures: calls === 1 ? [{ itemIdentifier: 'not-a-message' }] : [] };
    },
  });
  await q.send(msgs(2));
  await q.idle();
  expect(calls).toBe(2);
  await q.stop();
});
