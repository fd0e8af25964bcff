/**
 * `npm run ops` (issue 20 §4): each command does its work once however often it is run, and changes
 * nothing with --dry-run. Redrive against the twin's queue (local/queues.ts) and, for the SQS calls,
 * a recording client; the usage replay against DynamoDB Local with records read from the real
 * Usage stream; the event replay against a recording EventBridge client (no archive exists locally).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { streamEventOf } from '../../local/stream-poller';
import { InProcessQueue } from '../../local/queues';
import { main } from '../../scripts/ops';
import { redrive } from '../../scripts/ops/redrive';
import { replayEvents, replayNameOf } from '../../scripts/ops/replay-events';
import { REPLAYED_PREFIX, replayUsage, type FailureObjects } from '../../scripts/ops/replay-usage';
import { storeContext } from '../../shared/store/context';
import { getProjectItem } from '../../shared/store/projects';
import { costOf, paidProject, post, setup, streamOf, usageEvents, type Env } from '../exactly-once/fixtures';

/** A client whose `send` answers by command name and records what it was sent. */
function recordingClient(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  return {
    sent,
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      sent.push({ name, input: command.input });
      const answer = answers[name];
      if (!answer) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
  };
}

class TestQueue extends InProcessQueue {
  send(bodies: string[]): void { this.enqueue(bodies.map((body) => ({ body, delayMs: 0 }))); }
}

describe('redrive', () => {
  it("moves the twin's dead letters back once the consumer is fixed, and a second redrive moves nothing", async () => {
    let healthy = false;
    const handled: string[] = [];
    const queue = new TestQueue({
      visibilityDelayMs: 1,
      maxReceiveCount: 2,
      queueName: 'ops-test',
      handler: async (event: SQSEvent): Promise<SQSBatchResponse> => {
        if (!healthy) return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
        handled.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
    });
    queue.send(['a', 'b']);
    await queue.idle();
    expect(queue.deadLetters.map((d) => d.body).sort()).toEqual(['a', 'b']);
    healthy = true;
    expect(queue.redrive()).toBe(2);
    await queue.idle();
    expect(handled.sort()).toEqual(['a', 'b']);
    expect(queue.redrive()).toBe(0);
    await queue.idle();
    expect(handled).toHaveLength(2);
    await queue.stop();
  });

  const url = 'https://sqs.eu-central-1.amazonaws.com/123456789012/PaygoWorkers-ChargeDeadLetterQueue';
  const sqs = (messages: number, running = false) => recordingClient({
    GetQueueAttributesCommand: () => ({ Attributes: { QueueArn: 'arn:aws:sqs:eu-central-1:123456789012:dlq', ApproximateNumberOfMessages: String(messages) } }),
    ListDeadLetterSourceQueuesCommand: () => ({ queueUrls: ['https://sqs.eu-central-1.amazonaws.com/123456789012/PaygoWorkers-ChargeQueue'] }),
    ListMessageMoveTasksCommand: () => ({ Results: running ? [{ Status: 'RUNNING', TaskHandle: 'task-1' }] : [] }),
    StartMessageMoveTaskCommand: () => ({ TaskHandle: 'task-2' }),
  });

  it('starts one SQS message move back to the source queue; a dry run, an empty queue or a running move start none', async () => {
    const dry = sqs(3);
    expect(await redrive(dry, url, { dryRun: true })).toMatchObject({ outcome: 'dry-run', messages: 3, sources: [expect.stringContaining('ChargeQueue')] });
    expect(dry.sent.map((s) => s.name)).not.toContain('StartMessageMoveTaskCommand');

    const real = sqs(3);
    expect(await redrive(real, url)).toMatchObject({ outcome: 'started', taskHandle: 'task-2' });
    // No DestinationArn: back to the queue each message came from.
    expect(real.sent.find((s) => s.name === 'StartMessageMoveTaskCommand')!.input).toEqual({ SourceArn: 'arn:aws:sqs:eu-central-1:123456789012:dlq' });

    for (const again of [sqs(0), sqs(3, true)]) {
      expect((await redrive(again, url)).outcome).toMatch(/empty|running/);
      expect(again.sent.map((s) => s.name)).not.toContain('StartMessageMoveTaskCommand');
    }
  });
});

describe('replay-usage (DynamoDB Local)', () => {
  let env: Env;
  beforeAll(async () => { env = await setup(); });

  /** The failure bucket in memory, holding objects as Lambda's S3 destination writes them. */
  function bucketOf(objects: Map<string, string>): FailureObjects {
    return {
      list: async () => [...objects.keys()],
      get: async (key) => objects.get(key)!,
      markReplayed: async (key) => { objects.set(`${REPLAYED_PREFIX}${key}`, objects.get(key)!); objects.delete(key); },
    };
  }

  it('debits the parked records once: a dry run moves nothing, a second run and a record the stream debited meanwhile move nothing again', async () => {
    const projectId = await paidProject(1_000_000);
    const events = usageEvents(projectId, 12, 'ops-replay');
    await post(events);
    const records = await streamOf(env, events.map((e) => e.eventId));
    expect(records).toHaveLength(12);
    const before = (await getProjectItem(storeContext(), projectId)).balance;
    const invocation = (recs: typeof records) => JSON.stringify({
      version: '1.0', timestamp: '2026-03-10T10:00:00Z', requestContext: { condition: 'RetryAttemptsExhausted' },
      payload: streamEventOf(recs),
    });
    const objects = new Map([
      ['2026/03/10/batch-1', invocation(records.slice(0, 8))],
      ['2026/03/10/batch-2', invocation(records.slice(6))], // overlaps: the same events in two batches
    ]);

    const dry = await replayUsage(bucketOf(objects), storeContext(), { dryRun: true });
    expect(dry).toMatchObject({ objects: 2, records: 14, replayed: 0, failed: [], dryRun: true });
    expect((await getProjectItem(storeContext(), projectId)).balance).toBe(before);

    const first = await replayUsage(bucketOf(objects), storeContext());
    expect(first).toMatchObject({ objects: 2, replayed: 2, failed: [] });
    expect((await getProjectItem(storeContext(), projectId)).balance).toBe(before - costOf(events));
    expect([...objects.keys()].every((k) => k.startsWith(REPLAYED_PREFIX))).toBe(true);

    expect(await replayUsage(bucketOf(objects), storeContext())).toMatchObject({ objects: 0, replayed: 0 });
    // The same batch parked again (or the stream delivered it after all): no money moves twice.
    objects.set('again', invocation(records));
    expect(await replayUsage(bucketOf(objects), storeContext())).toMatchObject({ objects: 1, replayed: 1 });
    expect((await getProjectItem(storeContext(), projectId)).balance).toBe(before - costOf(events));
  });

  it('leaves an object that is not a stream failure record in place and says so', async () => {
    const objects = new Map([['junk', '{"hello":1}']]);
    const r = await replayUsage(bucketOf(objects), storeContext());
    expect(r.failed).toEqual([{ key: 'junk', error: expect.stringContaining('no Records') }]);
    expect(objects.has('junk')).toBe(true);
  });
});

describe('replay-events', () => {
  const opts = { archive: 'paygo-archive', bus: 'paygo', from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };
  const eventBridge = (existing: boolean) => recordingClient({
    DescribeReplayCommand: () => {
      if (!existing) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
      return { State: 'COMPLETED' };
    },
    DescribeArchiveCommand: () => ({ ArchiveArn: 'arn:aws:events:eu-central-1:123456789012:archive/paygo-archive' }),
    DescribeEventBusCommand: () => ({ Arn: 'arn:aws:events:eu-central-1:123456789012:event-bus/paygo' }),
    StartReplayCommand: () => ({ State: 'STARTING' }),
  });

  it('starts one replay of the window to the bus, named by archive and window; the same command again starts none', async () => {
    const eb = eventBridge(false);
    expect(await replayEvents(eb, opts)).toEqual({ replayName: replayNameOf('paygo-archive', opts.from, opts.to), outcome: 'started', state: 'STARTING' });
    expect(eb.sent.find((s) => s.name === 'StartReplayCommand')!.input).toMatchObject({
      ReplayName: replayNameOf('paygo-archive', opts.from, opts.to),
      EventSourceArn: 'arn:aws:events:eu-central-1:123456789012:archive/paygo-archive',
      EventStartTime: opts.from,
      EventEndTime: opts.to,
      Destination: { Arn: 'arn:aws:events:eu-central-1:123456789012:event-bus/paygo' },
    });
    const again = eventBridge(true);
    expect(await replayEvents(again, opts)).toMatchObject({ outcome: 'already-started', state: 'COMPLETED' });
    expect(again.sent.map((s) => s.name)).not.toContain('StartReplayCommand');
    const dry = eventBridge(false);
    expect((await replayEvents(dry, { ...opts, dryRun: true })).outcome).toBe('dry-run');
    expect(dry.sent).toEqual([]);
    expect(replayNameOf('paygo-archive', opts.from, new Date('2026-12-03T00:00:00Z'))).not.toBe(replayNameOf('paygo-archive', opts.from, opts.to));
    await expect(replayEvents(eventBridge(false), { ...opts, from: opts.to, to: opts.from })).rejects.toThrow(/--from must be before --to/);
  });
});

describe('the command line', () => {
  it('refuses an unknown command or a missing option with exit code 1 before calling AWS', async () => {
    expect(await main(['frobnicate'])).toBe(1);
    await expect(main(['redrive'])).rejects.toThrow(/redrive needs --queue/);
    await expect(main(['replay-events', '--archive', 'a', '--bus', 'b', '--from', 'yesterday', '--to', 'today'])).rejects.toThrow(/ISO instants/);
  });
});
