import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const FOURTEEN_DAYS = Duration.days(14);

/**
 * An SQS queue with paygo's baseline: SSE, TLS only (cdk-nag SQS4), two weeks to look at what landed
 * in it. Used for the charge queue and every DLQ.
 */
export function secureQueue(scope: Construct, id: string, extra: Partial<QueueProps> = {}): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: FOURTEEN_DAYS,
    // Messages are derived, not kept: the nightly run is date-driven and recomputes what is due.
    removalPolicy: RemovalPolicy.DESTROY,
    ...extra,
  });
}
