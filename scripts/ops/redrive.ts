/**
 * `npm run ops -- redrive --queue <dead-letter queue URL> [--dry-run]`: moves the messages of a
 * dead-letter queue back to the queue they came from (SQS StartMessageMoveTask, the console's
 * "Start DLQ redrive"). Safe to run twice: a second run finds the queue empty (or the first move
 * still running) and starts nothing; the consumers (charge-day, webhook delivery) are idempotent, so
 * a message that is moved and also still processed elsewhere charges or delivers nothing twice.
 */
import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface RedriveResult {
  queueUrl: string;
  messages: number;
  /** Where the messages go back to (the queue whose redrive policy names this one). */
  sources: string[];
  /** 'started' | 'empty' | 'running' (a move of this queue is still in progress) | 'dry-run' */
  outcome: 'started' | 'empty' | 'running' | 'dry-run';
  taskHandle?: string;
}

/** Redrives one dead-letter queue (see the header). */
export async function redrive(sqs: Pick<SQSClient, 'send'>, queueUrl: string, opts: { dryRun?: boolean } = {}): Promise<RedriveResult> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }));
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`${queueUrl}: no such queue (or no permission to read it)`);
  const messages = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
  const sources = (await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queueUrl }))).queueUrls ?? [];
  const base = { queueUrl, messages, sources };
  if (opts.dryRun) return { ...base, outcome: 'dry-run' };
  if (messages === 0) return { ...base, outcome: 'empty' };
  const tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn, MaxResults: 1 }))).Results ?? [];
  if (tasks[0]?.Status === 'RUNNING') return { ...base, outcome: 'running', taskHandle: tasks[0].TaskHandle };
  // No DestinationArn: SQS sends each message back to the queue it was dead-lettered from.
  const started = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn }));
  return { ...base, outcome: 'started', taskHandle: started.TaskHandle };
}
