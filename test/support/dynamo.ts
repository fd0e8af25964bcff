/**
 * Per-file tables on the run's DynamoDB Local: sets the table env vars, resets config and runtime, and
 * returns a document client on the emulator. Call at the top of a test file (or in beforeAll).
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createTables, type TableNames } from '../../local/dynamo';
import { resetConfig } from '../../shared/config';
import { seedStandardPlan } from '../../shared/billing/plans';
import { makeDocumentClient, resetRuntime, setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';

export async function useTables(): Promise<{ endpoint: string; tables: TableNames; doc: ReturnType<typeof makeDocumentClient> }> {
  const endpoint = inject('dynamoEndpoint');
  const tables = await createTables(endpoint, `t${randomUUID().slice(0, 8)}`);
  Object.assign(process.env, tables, { DYNAMODB_ENDPOINT: endpoint });
  resetConfig();
  resetRuntime();
  const doc = makeDocumentClient(endpoint);
  setRuntime({ doc });
  // Every project is on a plan: new tables start with the default one, as a new deployment does.
  await seedStandardPlan(storeContext(), 'UAH');
  return { endpoint, tables, doc };
}
