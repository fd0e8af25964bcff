/**
 * What the DynamoDB benches share: their own DynamoDB Local (never left running: stopped in `finally`,
 * and SIGKILLed on any exit path), tables from the stack's definitions, the process's config and
 * runtime pointed at them, quiet logs (stdout carries only the bench lines), and a few timing helpers.
 */
import './quiet';
import { readFileSync } from 'node:fs';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTables, startDynamoLocal, type DynamoLocal, type TableNames } from '../local/dynamo';
import { resetConfig } from '../shared/config';
import { makeDocumentClient, resetRuntime, setRuntime } from '../shared/runtime';
import { storeContext, type StoreContext } from '../shared/store/context';
import { seedStandardPlan } from '../shared/billing/plans';
import { DEFAULT_PLAN } from '../shared/domain/default-plan';
import { mapLimit } from '../shared/concurrency';

/** Every DynamoDB Local a bench started and has not stopped yet. */
const live = new Set<DynamoLocal>();
let exitHookInstalled = false;

/** SIGKILLs every DynamoDB Local still running: for exit and crash paths, where nothing can be awaited. */
export function killAllNow(): void {
  for (const d of live) d.killNow();
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { killAllNow(); process.exit(130); });
  }
}

export interface BenchDynamo {
  endpoint: string;
  tables: TableNames;
  doc: DynamoDBDocumentClient;
  /** A store context on these tables with the given clock. */
  ctx(now: () => number): StoreContext;
  /**
   * The CPU milliseconds DynamoDB Local's Java process has used so far (Linux's /proc; NaN elsewhere):
   * the emulator, not paygo, is what a bench on these machines mostly waits for, and its CPU per unit
   * of work says where that time goes without the wall clock's queueing.
   */
  emulatorCpuMs(): number;
}

/**
 * Runs `fn` against a fresh DynamoDB Local with paygo's tables: env, config and runtime point at it
 * (so handlers that build their own context see it too), and `now` is the runtime clock.
 */
export async function withDynamo<T>(now: () => number, fn: (d: BenchDynamo) => Promise<T>): Promise<T> {
  installExitHook();
  const dynamo = await startDynamoLocal();
  live.add(dynamo);
  let doc: DynamoDBDocumentClient | undefined;
  try {
    const tables = await createTables(dynamo.endpoint, 'bench');
    Object.assign(process.env, tables, { DYNAMODB_ENDPOINT: dynamo.endpoint });
    delete process.env.EVENT_BUS_NAME;
    delete process.env.CHARGE_QUEUE_URL;
    resetConfig();
    resetRuntime();
    doc = makeDocumentClient(dynamo.endpoint);
    setRuntime({ doc, now, events: { publish: async () => undefined }, chargeQueue: { send: async () => undefined } });
    const d = doc;
    // Every project is on a plan: a fresh deployment starts with `standard` (as the stack's seed does).
    await seedStandardPlan(storeContext({ doc: d, now }), DEFAULT_PLAN.currency);
    return await fn({ endpoint: dynamo.endpoint, tables, doc: d, ctx: (clock) => storeContext({ doc: d, now: clock }), emulatorCpuMs: () => processCpuMs(dynamo.pid) });
  } finally {
    doc?.destroy();
    resetRuntime();
    await dynamo.stop();
    live.delete(dynamo);
  }
}

/** User + system CPU of process `pid` in ms, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Writes items with BatchWrite (25 a call, unprocessed ones resent), `concurrency` calls in flight. Setup only. */
export async function putAll(doc: DynamoDBDocumentClient, table: string, items: readonly Record<string, unknown>[], concurrency = 4): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25) as Record<string, unknown>[]);
  await mapLimit(chunks, concurrency, async (chunk) => {
    let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 20) throw new Error('BatchWrite kept returning unprocessed items');
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  });
}

/** Milliseconds `fn` takes (wall clock, high resolution). */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** A rate or count as the lines print it: whole, no separators (as `bench rating` does). */
export function whole(n: number): string {
  return String(Math.round(n));
}

/** Details behind a line (sizes, raw timings, baselines), on stderr with BENCH_VERBOSE=1: stdout keeps one line per bench. */
export function note(message: string): void {
  if (process.env.BENCH_VERBOSE) process.stderr.write(`  ${message}\n`);
}

/** Runs a bench's `main` when its file is executed alone (`npx tsx bench/x.ts`), printing its line. */
export function runAlone(mod: NodeModule, bench: () => Promise<string>): void {
  if (require.main !== mod) return;
  bench().then(
    (line) => console.log(line),
    (e: unknown) => { console.error(e); killAllNow(); process.exitCode = 1; },
  );
}
