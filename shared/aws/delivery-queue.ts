/**
 * The SQS webhook delivery queue behind `runtime().deliveryQueue` in Lambda (DELIVERY_QUEUE_URL set).
 * Its own module, linked only into the functions that enqueue deliveries, like the charge queue's.
 * Importing it registers it with shared/runtime.ts.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { registerDefaultDeliveryQueue, type DeliveryQueue } from '../runtime';

/** Sends to the queue at `url`, 10 messages a SendMessageBatch call, each with its own delay. */
export function sqsDeliveryQueue(url: string): DeliveryQueue {
  let client: SQSClient | undefined;
  return {
    async send(entries) {
      client ??= new SQSClient({});
      for (let i = 0; i < entries.length; i += 10) {
        const batch = entries.slice(i, i + 10);
        const out = await client.send(new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((e, j) => ({ Id: String(j), MessageBody: JSON.stringify(e.message), DelaySeconds: e.delaySeconds })),
        }));
        if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} delivery messages`);
      }
    },
  };
}

registerDefaultDeliveryQueue(sqsDeliveryQueue);
