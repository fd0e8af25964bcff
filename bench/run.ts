/**
 * `npm run bench`: runs each bench in order, one line each. Benches share the machine, so they run one
 * after another, never in parallel. Add a bench by importing it and appending it to `benches`.
 */
import { benchForecast } from './forecast';
import { benchRating } from './rating';

const benches: Array<() => Promise<string>> = [benchRating, benchForecast];

async function main(): Promise<void> {
  for (const bench of benches) console.log(await bench());
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
