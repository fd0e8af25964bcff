/**
 * Per-file tables on the run's DynamoDB Local: sets the table env vars, resets config and runtime, and
 * returns a document client on the emulator. Call at the top of a test file (or in beforeAll).
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createTables, startDynamoLocal, type TableNames } from '../../local/dynamo';
import { resetConfig } from '../../shared/config';
import { seedStandardPlan } from '../../shared/billing/plans';
import { makeDocumentClient, resetRuntime, setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';

export interface TestTables {
  endpoint: string;
  tables: TableNames;
  doc: ReturnType<typeof makeDocumentClient>;
  /** Stops the file's own DynamoDB Local (`ownEmulator`); nothing otherwise. */
  stop(): Promise<void>;
}

/**
 * `ownEmulator`: a DynamoDB Local of the file's own, as a fresh twin has, instead of the run's. For
 * figures only: on the run's emulator, a table whose stream starts after tens of thousands of other
 * files' stream records writes 10 to 20 times slower (measured: 1,000 transactional puts in 0.5 s on
 * a table written early, 7 to 10 s on one first written after 10,000 records elsewhere).
 */
export async function useTables(opts: { ownEmulator?: boolean } = {}): Promise<TestTables> {
  const own = opts.ownEmulator ? await startDynamoLocal() : undefined;
  const endpoint = own?.endpoint ?? inject('dynamoEndpoint');
  const tables = await createTables(endpoint, `t${randomUUID().slice(0, 8)}`);
  Object.assign(process.env, tables, { DYNAMODB_ENDPOINT: endpoint });
  resetConfig();
  resetRuntime();
  const doc = makeDocumentClient(endpoint);
  setRuntime({ doc });
  // Every project is on a plan: new tables start with the default one, as a new deployment does.
  await seedStandardPlan(storeContext(), 'UAH');
  return { endpoint, tables, doc, stop: async () => { doc.destroy(); await own?.stop(); } };
}
