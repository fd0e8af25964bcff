/** One zod schema per queue message (issue 19 §8): what the senders' types say, and nothing else. */
import { expect, it } from 'vitest';
import { ChargeMessage, DeliveryMessage, parseMessage } from '../../shared/domain/messages';

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
