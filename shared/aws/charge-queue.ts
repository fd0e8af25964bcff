/**
 * The SQS charge queue behind `runtime().chargeQueue` in Lambda (CHARGE_QUEUE_URL set). Its own
 * module, linked only into the functions that enqueue charges (shared/billing/fan-out.ts imports it),
 * so the SQS client is not bundled into the other functions (bench/bundle.ts: ~36 KB each).
 * Importing it registers it with shared/runtime.ts.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { registerDefaultChargeQueue, type ChargeQueue } from '../runtime';

/** Sends to the queue at `url`, 10 messages a SendMessageBatch call (its limit); the client is made on first use. */
export function sqsChargeQueue(url: string): ChargeQueue {
  let client: SQSClient | undefined;
  return {
    async send(messages) {
      client ??= new SQSClient({});
      for (let i = 0; i < messages.length; i += 10) {
        const batch = messages.slice(i, i + 10);
        const out = await client.send(new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((m, j) => ({ Id: String(j), MessageBody: JSON.stringify(m) })),
        }));
        if (out.Failed?.length) throw new Error(`SQS refused ${out.Failed.length} charge messages`);
      }
    },
  };
}

registerDefaultChargeQueue(sqsChargeQueue);
