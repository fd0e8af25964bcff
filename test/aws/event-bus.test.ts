/**
 * The event bus publisher checks `FailedEntryCount` (issue 19 §8): PutEvents answers 200 with some
 * entries refused (throttled, too large), and those must not be lost quietly: publish throws naming
 * them, so the outbox reader's batch is retried.
 */
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { expect, it } from 'vitest';
import { eventBridgePublisher, PublishFailed } from '../../shared/aws/event-bus';

function fakeClient(answer: (entries: number) => { FailedEntryCount?: number; Entries?: { EventId?: string; ErrorCode?: string }[] }) {
  const sent: number[] = [];
  return {
    sent,
    make: () => ({
      send: async (command: PutEventsCommand) => {
        const n = command.input.Entries?.length ?? 0;
        sent.push(n);
        return answer(n);
      },
    }) as never,
  };
}

const events = Array.from({ length: 12 }, (_, i) => ({ type: `t${i}`, detail: { i } }));

it('publishes in calls of 10 and resolves when every entry was taken', async () => {
  const c = fakeClient((n) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `e${i}` })) }));
  await eventBridgePublisher('bus', c.make).publish(events);
  expect(c.sent).toEqual([10, 2]);
});

it('throws PublishFailed naming the refused entries when PutEvents answers with FailedEntryCount > 0', async () => {
  const c = fakeClient((n) => ({ FailedEntryCount: 1, Entries: Array.from({ length: n }, (_, i) => (i === 1 ? { ErrorCode: 'ThrottlingException' } : { EventId: `e${i}` })) }));
  const failure = eventBridgePublisher('bus', c.make).publish(events);
  await expect(failure).rejects.toBeInstanceOf(PublishFailed);
  await expect(failure).rejects.toThrow(/t1 \(ThrottlingException\)/);
});
