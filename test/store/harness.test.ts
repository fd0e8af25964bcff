import { expect, it } from 'vitest';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { useTables } from '../support/dynamo';

it('creates the three tables on DynamoDB Local', async () => {
  const { doc, tables } = await useTables();
  const out = await doc.send(new ListTablesCommand({}));
  expect(out.TableNames).toEqual(expect.arrayContaining(Object.values(tables)));
});
