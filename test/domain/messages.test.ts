/** One zod schema per queue and stream message (issue 19 §8): what the senders' types say, and nothing else. */
import { expect, it } from 'vitest';
import { ChargeMessage, DeliveryMessage, parseMessage, UsageStreamItem } from '../../shared/domain/messages';

it('reads a charge message, and refuses a malformed one', () => {
  expect(parseMessage(ChargeMessage, '{"projectId":"prj_1","date":"2026-03-09"}')).toEqual({ projectId: 'prj_1', date: '2026-03-09' });
  for (const bad of ['not json', '{"projectId":"prj_1","date":"2026-02-30"}', '{"projectId":"","date":"2026-03-09"}', '[]']) expect(parseMessage(ChargeMessage, bad)).toBeNull();
});

it('reads both delivery messages by kind, and refuses what is neither', () => {
  expect(parseMessage(DeliveryMessage, '{"kind":"drain","projectId":"p","webhookId":"w"}')).toEqual({ kind: 'drain', projectId: 'p', webhookId: 'w' });
  const redeliver = { kind: 'redeliver', projectId: 'p', webhookId: 'w', eventId: 'e', sequence: 3, attempt: 1, dueAt: 1 };
  expect(parseMessage(DeliveryMessage, JSON.stringify(redeliver))).toEqual(redeliver);
  expect(parseMessage(DeliveryMessage, JSON.stringify({ ...redeliver, sequence: 1.5 }))).toBeNull();
  expect(parseMessage(DeliveryMessage, '{"kind":"constructor","projectId":"p","webhookId":"w"}')).toBeNull();
});

it('reads a usage stream item with what every stored event has, keeping the rest, and refuses a cost that is not exact minor units', () => {
  const item = {
    pk: 'usage#e1', eventId: 'e1', projectId: 'prj_1', kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T09:00:00Z', segments: 1,
    day: '2026-03-10', projectDay: 'prj_1#2026-03-10', timeKey: '2026-03-10T09:00:00.000Z#e1', receivedAt: '2026-03-10T09:00:01.000Z', cost: 120, tagPairs: [['a', 'b']],
  };
  expect(UsageStreamItem.parse(item)).toEqual(item);
  for (const bad of [{ cost: 1.5 }, { cost: -1 }, { cost: 2 ** 53 }, { day: '2026-02-30' }, { kind: 'fax' }, { eventId: '' }]) {
    expect(UsageStreamItem.safeParse({ ...item, ...bad }).success).toBe(false);
  }
  const { projectDay: _, ...withoutDay } = item;
  expect(UsageStreamItem.safeParse(withoutDay).success).toBe(false);
});
