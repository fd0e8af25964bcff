/**
 * The model-based test of docs/reliability.md rule 12: random sequences of project creation, payments (new,
 * repeated, conflicting), usage (duplicates within and across requests), product, seat and number
 * changes, billing nights (once, twice, concurrently, skipped) and stream deliveries (whole,
 * partial, raced, redelivered, split at the lowest failed record), alert rules, webhooks whose
 * receivers fail, time out or get an event twice, the Events stream to the outbox relay and the
 * delivery queue (delays, retries, duplicates) against the real handlers on DynamoDB Local, under
 * injected conflicts, throttles, timeouts, lost answers and crashes; a plain model is compared after
 * every step, each step's events with the changes it made, and each run ends with 0 lost, 0
 * double-charged, every event delivered to every webhook that takes it, no alert twice for one
 * crossing, and a clean reconciler. See run.ts, commands.ts, event-commands.ts and event-checks.ts.
 *
 * Replaying a failure: the seed is printed; fast-check's failure message adds a `path`.
 *   PAYGO_MODEL_SEED=<seed> [PAYGO_MODEL_PATH=<path>] npx vitest run test/model
 * Other knobs: PAYGO_MODEL_RUNS (default 8), PAYGO_MODEL_SHRINK=1 (shrink a failure to a minimal
 * sequence: slow, each attempt is a real run), PAYGO_MODEL_SCALE=soak (the soak's sizes).
 */
import { creditSummary } from './credit-commands';
import './quiet';
import * as fc from 'fast-check';
import { expect, it } from 'vitest';
import { logger } from '../../shared/logger';
import { useTables } from '../support/dynamo';
import { SOAK_SCALE, TEST_SCALE } from './commands';
import { eventNotes, eventSummary, faultBreakdown, modelProperty, totals } from './run';

const seed = process.env.PAYGO_MODEL_SEED ? Number(process.env.PAYGO_MODEL_SEED) : Math.floor(Math.random() * 0x7fffffff);
const path = process.env.PAYGO_MODEL_PATH;
const numRuns = Number(process.env.PAYGO_MODEL_RUNS ?? 8);
const scale = process.env.PAYGO_MODEL_SCALE === 'soak' ? SOAK_SCALE : TEST_SCALE;

// Also set by ./quiet through the environment; this covers a logger built before it was imported.
logger.setLogLevel('SILENT');

it('keeps balances, ledgers and usage equal to the model under injected faults', async () => {
  console.log(`model test seed: ${seed}${path ? ` path: ${path}` : ''} (replay: PAYGO_MODEL_SEED=${seed} npx vitest run test/model)`);
  const started = performance.now();
  await fc.assert(modelProperty({
    scale,
    tables: async () => {
      const t = await useTables();
      return { endpoint: t.endpoint, tables: t.tables };
    },
  }), { seed, numRuns, ...(path ? { path } : {}), endOnFailure: process.env.PAYGO_MODEL_SHRINK !== '1' });
  console.log(`model test: ${totals.runs} runs, ${totals.steps} steps, ${totals.events} events (${totals.posted} posted), ${totals.days} days closed, `
    + `${totals.faults} faults injected (${faultBreakdown()}), ${eventSummary()}, ${totals.lost} lost, ${totals.doubleDebited + totals.doubleChargedDays} double-charged in ${Math.round(performance.now() - started)} ms`);
  if (eventNotes()) console.log(`model test: ${eventNotes()}`);
  console.log(`model test: ${creditSummary()}`);
  // A replay with a path runs that one run only.
  if (!path) expect(totals.runs).toBe(numRuns);
  expect(totals.lost + totals.doubleDebited + totals.doubleChargedDays).toBe(0);
}, 300_000);
