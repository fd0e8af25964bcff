import { expect, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { useTables } from '../support/dynamo';

// DescribeTable per table: ListTables answers 100 names a page, and the shared emulator holds more.
it('creates every table on DynamoDB Local, active', async () => {
  const { doc, tables } = await useTables();
  const names = Object.values(tables);
  expect(names.length).toBeGreaterThanOrEqual(6);
  for (const name of names) {
    const out = await doc.send(new DescribeTableCommand({ TableName: name }));
    expect(out.Table?.TableStatus).toBe('ACTIVE');
  }
});
