/**
 * Forecast accuracy: a backtest of the forecast's telecom estimate (weekday means over the 28 days
 * before, `estimateTelecom`) against a plain 7-day trailing mean, predicting each next day's telecom
 * spend of 200 generated projects over 120 days. The data is seeded, so every run scores the same
 * numbers: per-project levels spread over two orders of magnitude, quieter weekends (with a fifth of
 * projects flat all week), a slow trend, day-to-day noise and occasional spikes.
 *
 * The error is the weighted absolute percentage error, sum|predicted - actual| / sum|actual| over all
 * predictions (plain MAPE is undefined on zero days and over-weights tiny projects); the line prints it
 * under the MAPE label. `npx tsx bench/forecast.ts` prints the line alone.
 */
import { addDays } from '../shared/domain/billing-days';
import { estimateTelecom, expectedTelecomOn } from '../shared/domain/forecast';
import { mulDivRoundHalfUp, sum } from '../shared/domain/money';
import type { DayHistory } from '../shared/domain/types';
import { prng } from './prng';

const PROJECTS = 200;
const DAYS = 120;
const WINDOW = 28;
const TRAILING = 7;
const FIRST_DAY = '2025-09-01'; // a Monday


/** A standard normal draw (Box–Muller). */
function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** One project's daily telecom totals (minor units) over `DAYS` days from `FIRST_DAY`. */
function generateProject(rand: () => number, dates: readonly string[]): DayHistory[] {
  const level = Math.exp(Math.log(2_000) + rand() * Math.log(100)); // 20.00 .. 2,000.00 a day
  const flat = rand() < 0.2; // e.g. a 24/7 support line: no weekly pattern
  const weekday = [1.08, 1.04, 1, 1, 0.94].map((f) => f * (0.95 + 0.1 * rand()));
  const profile = flat ? [1, 1, 1, 1, 1, 1, 1] : [...weekday, 0.3 + 0.4 * rand(), 0.15 + 0.45 * rand()];
  const growth = -0.002 + 0.006 * rand(); // per day
  const noise = 0.1 + 0.2 * rand();
  return dates.map((date, i) => {
    const spike = rand() < 0.02 ? 2 + 2 * rand() : 1;
    const value = level * Math.exp(growth * i) * profile[i % 7]! * Math.max(0, 1 + noise * gauss(rand)) * spike;
    // The generator works in floats; the history holds integer minor units, as the ledger does.
    return { date, telecom: Math.floor(value) };
  });
}

/** Runs the backtest and returns one summary line. */
export async function benchForecast(): Promise<string> {
  const rand = prng(20260110);
  const dates = Array.from({ length: DAYS }, (_, i) => addDays(FIRST_DAY, i));
  let actualSum = 0;
  let paygoErr = 0;
  let trailingErr = 0;
  let predictions = 0;
  for (let p = 0; p < PROJECTS; p++) {
    const history = generateProject(rand, dates);
    for (let t = WINDOW; t < DAYS; t++) {
      const actual = history[t]!.telecom;
      const paygo = expectedTelecomOn(estimateTelecom(history.slice(t - WINDOW, t), dates[t]!), dates[t]!);
      const trailing = mulDivRoundHalfUp(sum(history.slice(t - TRAILING, t).map((h) => h.telecom)), 1, TRAILING);
      actualSum += actual;
      paygoErr += Math.abs(paygo - actual);
      trailingErr += Math.abs(trailing - actual);
      predictions++;
    }
  }
  const paygoPct = (100 * paygoErr) / actualSum;
  const trailingPct = (100 * trailingErr) / actualSum;
  return `bench forecast: MAPE ${paygoPct.toFixed(1)}%; ${(paygoErr / trailingErr).toFixed(2)}x vs trailing-mean`
    + ` (WAPE = sum|err|/sum|actual| over ${predictions} next-day predictions, ${PROJECTS} projects x ${DAYS} days; trailing-mean-7d ${trailingPct.toFixed(1)}%)`;
}

if (require.main === module) {
  benchForecast().then((line) => console.log(line), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
