/**
 * The usage report's cost against the events: one project with EVENTS_PER_DAY events a day for 365
 * closed days on DynamoDB Local, a report of the whole year by day and country from the aggregates
 * the nightly close wrote, against reading and grouping the same events (every day's events from the
 * usage index, folded and grouped by the same code), in one run.
 *
 * Setup (not timed): the events are rated with the standard tariff (prefix and country as POST /usage
 * keeps them) and written straight into the
 * usage table with BatchWrite, with each day's running telecom total as the debit would leave it;
 * then the real nightly path closes the 365 days (charge-through.ts, one call catching up day by day,
 * each day's aggregate written after its close). The two answers are checked equal before timing.
 *
 * R = time reading the events / time of the report. `npx tsx bench/reports.ts` prints the line alone
 * (BENCH_REPORTS_EVENTS_PER_DAY=20 for a quick look; the figure of record uses 100).
 */
import './quiet';
import { chargeThrough } from '../shared/billing/charge-through';
import { createProject } from '../shared/billing/projects';
import { usageReportOf, type UsageReportSources } from '../shared/billing/reports';
import { mapLimit } from '../shared/concurrency';
import { addDays, daysFromTo } from '../shared/domain/billing-days';
import { hoursInDay, startOfDay } from '../shared/domain/day-bounds';
import { countryOf } from '../shared/domain/country';
import { DEFAULT_PLAN } from '../shared/domain/default-plan';
import { raterFor } from '../shared/domain/rating';
import type { UsageEvent } from '../shared/domain/usage';
import { foldDay, parseGroupBy, usageReport, type Cell } from '../shared/domain/usage-report';
import { utcIso } from '../shared/domain/timeline-snapshot';
import { keys } from '../shared/store/keys';
import { readDayEvents } from '../shared/store/usage-aggregates';
import { usageItemOf } from '../shared/store/usage';
import { note, putAll, runAlone, timeMs, whole, withDynamo } from './harness';
import { prng } from './prng';

const EVENTS_PER_DAY = Number(process.env.BENCH_REPORTS_EVENTS_PER_DAY ?? 100);
const DAYS = 365;
const ZONE = 'Europe/Kyiv';
const FIRST = '2025-03-01';
const TODAY = addDays(FIRST, DAYS);
const RUNS = 5;
const DESTINATIONS = ['+380441234567', '+380671234567', '+380931234567', '+12125551234', '+14165551234', '+447700900123', '+48221234567', '+4930123456'];
const EMPLOYEES = ['olena', 'taras', 'iryna', 'andrii', 'oksana', 'petro', 'maria', 'ivan'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchReports(): Promise<string> {
  let clock = Date.parse(`${TODAY}T09:00:00Z`);
  return withDynamo(() => clock, async (d) => {
    const ctx = d.ctx(() => clock);
    const { project } = await createProject(ctx, { name: 'bench reports', currency: 'UAH', creditLimit: 0, billingStartDate: FIRST });
    const p = project.projectId;
    const rater = raterFor(DEFAULT_PLAN.tariff);
    const rand = prng(22);
    const items: Record<string, unknown>[] = [];
    const telecom: Record<string, unknown>[] = [];
    const receivedAt = utcIso(clock);
    for (const day of daysFromTo(FIRST, addDays(TODAY, -1))) {
      let total = 0;
      for (let i = 0; i < EVENTS_PER_DAY; i++) {
        const sms = rand() < 0.2;
        const e: UsageEvent = {
          eventId: `bench-${day}-${i}`, projectId: p, kind: sms ? 'sms' : 'outgoing_call',
          destination: DESTINATIONS[Math.floor(rand() * DESTINATIONS.length)]!,
          occurredAt: utcIso(startOfDay(day, ZONE) + Math.floor(rand() * (hoursInDay(day, ZONE) * 3_600_000 - 1))),
          ...(sms ? { segments: 1 + Math.floor(rand() * 3) } : { durationSec: Math.floor(rand() * 600) }),
          tags: { employee: EMPLOYEES[Math.floor(rand() * EMPLOYEES.length)]! },
        };
        const rated = { ...e, ...rater.rated(e), country: countryOf(e.destination) };
        total += rated.cost;
        items.push(usageItemOf(ZONE, rated, receivedAt) as unknown as Record<string, unknown>);
      }
      telecom.push({ ...keys.telecom(p, day), total, events: EVENTS_PER_DAY });
    }
    await putAll(d.doc, d.tables.USAGE_TABLE, items, 8);
    await putAll(d.doc, d.tables.PROJECTS_TABLE, telecom, 4);
    // The nightly close, catching up every day in order; each day's aggregate is written after it.
    const closeMs = await timeMs(() => chargeThrough(ctx, p, addDays(TODAY, -1)));
    note(`reports: seeded ${items.length} events; closing ${DAYS} days (charge + aggregate) took ${whole(closeMs)} ms`);

    const q = { from: FIRST, to: addDays(TODAY, -1), groupBy: 'day,country' };
    const dims = parseGroupBy(q.groupBy);
    const fromEvents = async () => {
      const days = daysFromTo(q.from, q.to);
      const cells = await mapLimit(days, 8, async (day) => foldDay(await readDayEvents(ctx, p, day)).cells);
      return usageReport(q.from, q.to, dims, days.map((day, i) => [day, cells[i]! as readonly Cell[]] as const));
    };
    const sources: UsageReportSources = { aggregated: 0, fromEvents: 0 };
    const report = await usageReportOf(ctx, p, q, sources);
    const baseline = await fromEvents();
    if (JSON.stringify(report) !== JSON.stringify(baseline)) throw new Error('the report from aggregates differs from the events');
    if (sources.aggregated !== DAYS || report.total.count !== items.length) throw new Error(`expected ${DAYS} aggregated days and ${items.length} events, got ${JSON.stringify(sources)} and ${report.total.count}`);

    // Interleaved, so the shared machine's load drift hits both alike.
    const fast: number[] = [];
    const slow: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      fast.push(await timeMs(() => usageReportOf(ctx, p, q)));
      slow.push(await timeMs(fromEvents));
    }
    const ms = median(fast);
    const base = median(slow);
    note(`reports: report ${fast.map(whole).join('/')} ms, events ${slow.map(whole).join('/')} ms; ${report.rows.length} rows`);
    return `bench reports: ${whole(ms)} ms for a 365-day usage report by day and country (${items.length} events); ${(base / ms).toFixed(1)}x faster than reading the events`;
  });
}

runAlone(module, benchReports);
