/**
 * Stands in for `@smithy/core/event-streams` in Lambda bundles (an esbuild alias in
 * lib/constructs/paygo-function.ts). The SDK reaches it only through a dynamic import made for
 * operations that stream events (Bedrock, Transcribe, S3 Select); DynamoDB, SQS, KMS and EventBridge
 * have none. About 15 KB less per bundle; should such an operation ever be called, it fails loudly.
 */
function unsupported(): never {
  throw new Error('@smithy/core/event-streams is stubbed in paygo bundles: event-stream operations are not supported');
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;
