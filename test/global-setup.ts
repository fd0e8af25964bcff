/**
 * One DynamoDB Local for the whole test run; each test file makes its own tables under a unique
 * prefix (test/support/dynamo.ts), so files running in parallel never see each other's items.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoLocal } from '../local/dynamo';
import { warnIfNotLambdaNode } from '../local/node-runtime';

declare module 'vitest' {
  export interface ProvidedContext { dynamoEndpoint: string }
}

export default async function setup(project: TestProject) {
  warnIfNotLambdaNode();
  const dynamo = await startDynamoLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => { await dynamo.stop(); };
}
