/**
 * `npm run bench`: every bench in order, one line each on stdout as it completes, then the total time.
 * Benches share the machine, so they run one after another, never in parallel; the DynamoDB ones start
 * their own DynamoDB Local and stop it (api's twin too) before the next begins, and an exit hook
 * kills any that a crash left behind. A bench that fails is reported on stderr, the others still run,
 * and the exit code is 1. BENCH_VERBOSE=1 adds the details behind each line on stderr.
 * `-- --help` lists the benches; a name that is not one exits 1 without running any.
 * Add a bench by importing it and appending it to `benches`.
 */
import './quiet';
import { warnIfNotLambdaNode } from '../local/node-runtime';
import { benchApi } from './api';
import { benchBundle } from './bundle';
import { benchDebit } from './debit';
import { benchDebitCredits } from './debit-credits';
import { benchForecast } from './forecast';
import { benchIngest } from './ingest';
import { killAllNow } from './harness';
import { benchNightly } from './nightly';
import { benchRating } from './rating';
import { benchReports } from './reports';
import { benchTariff } from './tariff';

export const benches: Array<[name: string, run: () => Promise<string>, about: string]> = [
  ['rating', benchRating, 'rating usage events against a tariff (pure CPU)'],
  ['tariff', benchTariff, 'loading and matching a large tariff deck'],
  ['debit', benchDebit, 'the real-time debit of stream batches (DynamoDB Local)'],
  ['debit-credits', benchDebitCredits, 'the debit of projects with credit grants (DynamoDB Local)'],
  ['nightly', benchNightly, 'the nightly charge of many projects (DynamoDB Local)'],
  ['bundle', benchBundle, 'Lambda bundle sizes and cold-start import time'],
  ['api', benchApi, 'requests per second through the twin (DynamoDB Local)'],
  ['ingest', benchIngest, 'POST /usage ingestion throughput (DynamoDB Local)'],
  ['forecast', benchForecast, 'the forecast of a project with a long ledger'],
  ['reports', benchReports, 'a 365-day usage report from the nightly aggregates vs reading the events (DynamoDB Local)'],
];

/** `--help`: the benches and how to pick them. */
export function usage(): string {
  const w = Math.max(...benches.map(([n]) => n.length));
  return [
    'npm run bench [-- <name> ...]   run every bench, or only the ones named, one line each',
    '',
    'Benches:',
    ...benches.map(([name, , about]) => `  ${name.padEnd(w)}  ${about}`),
    '',
    'BENCH_VERBOSE=1 adds the details behind each line on stderr.',
  ].join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  if (only.includes('--help') || only.includes('-h')) {
    console.log(usage());
    return;
  }
  const unknown = only.filter((name) => !benches.some(([n]) => n === name));
  if (unknown.length > 0) {
    console.error(`unknown bench${unknown.length > 1 ? 'es' : ''}: ${unknown.join(', ')}\n\n${usage()}`);
    process.exitCode = 1;
    return;
  }
  // Figures on another Node than Lambda's are not the figures of what is deployed: say so.
  warnIfNotLambdaNode();
  const started = process.hrtime.bigint();
  let failed = 0;
  for (const [name, bench] of benches) {
    if (only.length > 0 && !only.includes(name)) continue;
    const t0 = process.hrtime.bigint();
    try {
      console.log(await bench());
    } catch (e) {
      failed++;
      console.error(`bench ${name}: FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
    if (process.env.BENCH_VERBOSE) process.stderr.write(`  (${name}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s)\n`);
  }
  console.log(`bench total: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s`);
  if (failed > 0) process.exitCode = 1;
}

if (require.main === module) main().catch((e: unknown) => { console.error(e); killAllNow(); process.exitCode = 1; });
