/**
 * `npm run bench`: every bench in order, one line each on stdout as it completes, then the total time.
 * Benches share the machine, so they run one after another, never in parallel; the DynamoDB ones start
 * their own DynamoDB Local and stop it (api's twin too) before the next begins, and an exit hook
 * kills any that a crash left behind. A bench that fails is reported on stderr, the others still run,
 * and the exit code is 1. BENCH_VERBOSE=1 adds the details behind each line on stderr.
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

const benches: Array<[name: string, run: () => Promise<string>]> = [
  ['rating', benchRating],
  ['tariff', benchTariff],
  ['debit', benchDebit],
  ['debit-credits', benchDebitCredits],
  ['nightly', benchNightly],
  ['bundle', benchBundle],
  ['api', benchApi],
  ['ingest', benchIngest],
  ['forecast', benchForecast],
  ['reports', benchReports],
];

async function main(): Promise<void> {
  // Figures on another Node than Lambda's are not the figures of what is deployed: say so.
  warnIfNotLambdaNode();
  const only = process.argv.slice(2);
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

main().catch((e: unknown) => { console.error(e); killAllNow(); process.exitCode = 1; });
