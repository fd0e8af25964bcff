/**
 * The local twin for the benches on it (bench/twin.ts), run in its own Node process so the load tool
 * and the server do not share one event loop (the machine has 2 cores). Started with an IPC channel:
 * it sends `{ready: url}` once `/health` can be served, and stops everything (DynamoDB Local's Java
 * process included) on SIGTERM, SIGINT, or when the parent goes away (the channel closes), so no
 * Java process outlives a bench run, whatever happens to the parent. A `{usageWrites}` message
 * switches how POST /usage writes (USAGE_WRITES) and is answered with the same message.
 *
 * Env: BENCH_ADMIN_KEY (the admin key to accept), BENCH_DATA_DIR (persist DynamoDB Local's data there).
 */
import './quiet';
import { killDynamosNow, startTwin, type Twin } from '../local/twin';
import { resetConfig } from '../shared/config';

async function main(): Promise<void> {
  const adminKey = process.env.BENCH_ADMIN_KEY;
  if (!adminKey || !process.send) throw new Error('bench/twin-process.ts is started by bench/twin.ts (IPC channel and BENCH_ADMIN_KEY)');
  process.on('exit', killDynamosNow);
  let twin: Twin | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const done = twin ? twin.stop() : Promise.resolve();
    done.finally(() => { killDynamosNow(); process.exit(0); });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m: { usageWrites?: string }) => {
    if (!m.usageWrites) return;
    process.env.USAGE_WRITES = m.usageWrites;
    resetConfig();
    process.send?.({ usageWrites: m.usageWrites });
  });
  // The nightly schedule is not part of these benches: a run at 00:05 would only add noise.
  twin = await startTwin({ port: 0, adminKey, scheduler: false, warmUp: false, ...(process.env.BENCH_DATA_DIR ? { dataDir: process.env.BENCH_DATA_DIR } : {}) });
  if (stopping) return;
  process.send({ ready: twin.url });
}

main().catch((e: unknown) => {
  console.error('bench twin failed:', e);
  killDynamosNow();
  process.exit(1);
});
