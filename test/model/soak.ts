/**
 * `npm run soak`: the model test at soak size (test/model/run.ts with SOAK_SCALE) on its own DynamoDB
 * Local, one seeded run after another until at least PAYGO_SOAK_EVENTS (default 10,000) distinct usage
 * events were accepted, every run under injected faults and checked like the default test. Prints
 *   N events, M faults injected, E events checked, D deliveries (R retried, U duplicates deduped), 0 lost, 0 double-charged
 * (N: usage events; E: project events checked against the model; D: events delivered to webhooks)
 * and exits non-zero if anything was lost or double-charged, or any check failed.
 *
 * Each run's seed is printed. Replay one:
 *   PAYGO_SOAK_SEED=<run seed> PAYGO_SOAK_RUNS=1 npm run soak
 *   (or PAYGO_MODEL_SCALE=soak PAYGO_MODEL_SEED=<run seed> PAYGO_MODEL_RUNS=1 npx vitest run test/model)
 */
import './quiet';
import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { createTables, startDynamoLocal } from '../../local/dynamo';
import { logger } from '../../shared/logger';
import { SOAK_SCALE } from './commands';
import { eventNotes, eventSummary, faultBreakdown, modelProperty, totals } from './run';

const TARGET = Number(process.env.PAYGO_SOAK_EVENTS ?? 10_000);
const MAX_RUNS = process.env.PAYGO_SOAK_RUNS ? Number(process.env.PAYGO_SOAK_RUNS) : Infinity;
const RESTART_AFTER_EVENTS = 4_000;
const BASE_SEED = process.env.PAYGO_SOAK_SEED ? Number(process.env.PAYGO_SOAK_SEED) : Math.floor(Math.random() * 0x7fffffff);

async function main(): Promise<number> {
  logger.setLogLevel('SILENT');
  const started = performance.now();
  let dynamo = await startDynamoLocal();
  process.on('exit', () => dynamo.killNow());
  console.log(`soak: DynamoDB Local on ${dynamo.endpoint}; base seed ${BASE_SEED}; target ${TARGET} events`);
  let failure: unknown;
  let postedOnInstance = 0;
  try {
    for (let i = 0; totals.events < TARGET && i < MAX_RUNS; i++) {
      // DynamoDB Local slows down as it accumulates data, deleted tables included (its streams seem to
      // keep their records): a run that takes 15 s on a fresh instance took 150 s as the 15th. A fresh
      // instance every few thousand events keeps the soak to minutes; each run has its own tables anyway.
      if (postedOnInstance >= RESTART_AFTER_EVENTS) {
        await dynamo.stop();
        dynamo = await startDynamoLocal();
        postedOnInstance = 0;
      }
      const postedBefore = totals.posted;
      const seed = (BASE_SEED + i) % 0x7fffffff;
      const runStarted = performance.now();
      process.stdout.write(`run ${i + 1} seed ${seed}: `);
      await fc.assert(modelProperty({
        scale: SOAK_SCALE,
        tables: async () => ({ endpoint: dynamo.endpoint, tables: await createTables(dynamo.endpoint, `soak${i}${randomUUID().slice(0, 6)}`) }),
        onRun: (t) => process.stdout.write(`${t.steps} steps, ${t.events} events (${t.posted} posted), ${t.days} days closed, ${t.faults} faults, ${eventSummary(t.projectEvents)}, ${t.lost} lost, ${t.doubleDebited + t.doubleChargedDays} double-charged`),
      }), { seed, numRuns: 1, endOnFailure: true });
      process.stdout.write(` in ${((performance.now() - runStarted) / 1000).toFixed(1)} s\n`);
      postedOnInstance += totals.posted - postedBefore;
    }
  } catch (e) {
    failure = e;
    process.stdout.write('\n');
    console.error(e instanceof Error ? e.message : e);
    // fast-check keeps the property's own error as the cause: the model's mismatch report.
    if (e instanceof Error && e.cause !== undefined) console.error('caused by:', e.cause instanceof Error ? e.cause.message : e.cause);
  } finally {
    await dynamo.stop();
  }
  const doubleCharged = totals.doubleDebited + totals.doubleChargedDays;
  console.log(`soak: ${totals.runs} runs, ${totals.steps} steps, ${totals.posted} events posted (duplicates included), ${totals.days} days closed, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`soak: faults by kind: ${faultBreakdown()}`);
  if (eventNotes()) console.log(`soak: ${eventNotes()}`);
  console.log(`${totals.events} events, ${totals.faults} faults injected, ${eventSummary()}, ${totals.lost} lost, ${doubleCharged} double-charged`);
  return failure !== undefined || totals.lost > 0 || doubleCharged > 0 || totals.events < TARGET ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(e);
  process.exitCode = 2;
});
