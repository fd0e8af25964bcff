/**
 * The reports tie out (docs/api.md "Reports"): for random events over five days, some of them
 * arriving after their day was closed, through the real ingest, debit and nightly close:
 *   - the usage report's totals for every day, and per (country, tag) over the range, equal the sums
 *     of the events' own costs on their own day, closed days from aggregates and open ones from events;
 *   - the spend report's telecom for each closed day equals its telecom_daily line (late events in the
 *     later day that counted them), and for the open day the running total; over the range, all costs;
 *   - redoing the aggregation (a retry after a crash) changes nothing.
 */
import fc from 'fast-check';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getUsageReport } from '../../functions/api/get-usage-report';
import { handler as getSpendReport } from '../../functions/api/get-spend-report';
import { chargeThrough } from '../../shared/billing/charge-through';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { usageReportOf, type UsageReportSources } from '../../shared/billing/reports';
import { aggregateClosedDays } from '../../shared/billing/usage-aggregates';
import { addDays, billingDayOf } from '../../shared/domain/billing-days';
import { startOfDay } from '../../shared/domain/day-bounds';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import { tagValue, type UsageEvent } from '../../shared/domain/usage';
import { countryOf } from '../../shared/domain/country';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { readAggregates, readAggregatesMark } from '../../shared/store/usage-aggregates';
import { usageItemOf } from '../../shared/store/usage';
import { billingEnv, linesOf, newProject } from '../support/billing';
import { faultyDoc } from '../support/faulty-doc';
import type { HttpEvent } from '../../shared/http/route';
import { apiEvent, call, projectAuth } from '../support/http';
import type { Context } from 'aws-lambda';

/** The handler's raw answer (a CSV body is not JSON). */
const raw = (handler: (e: HttpEvent, c: Context) => Promise<{ statusCode?: number; headers?: Record<string, unknown>; body?: string }>, key: string, opts: Parameters<typeof apiEvent>[1]) =>
  handler(apiEvent(key, opts), { getRemainingTimeInMillis: () => 600_000 } as unknown as Context);

const ZONE = 'Europe/Kyiv';
const START = '2026-03-01';
const DAYS = 5;
let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-01T10:00:00Z'); });

const DESTINATIONS = ['+380441234567', '+380671234567', '+12125551234', '+14165551234', '+447700900123', '+48221234567', '+4930123456'];
const EMPLOYEES = ['olena', 'taras', 'constructor', '=SUM(A1)'];

interface Planned { day: number; arrives: number; minute: number; kind: UsageEvent['kind']; dest: number; amount: number; employee: number | null; campaign: boolean }

const planned = fc.record({
  day: fc.integer({ min: 0, max: DAYS - 1 }),
  lateBy: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })),
  minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  kind: fc.constantFrom<UsageEvent['kind']>('outgoing_call', 'forwarded_call', 'sms'),
  dest: fc.integer({ min: 0, max: DESTINATIONS.length - 1 }),
  amount: fc.integer({ min: 0, max: 400 }),
  employee: fc.option(fc.integer({ min: 0, max: EMPLOYEES.length - 1 }), { nil: null }),
  campaign: fc.boolean(),
}).map(({ lateBy, ...p }): Planned => ({ ...p, arrives: Math.min(DAYS - 1, p.day + lateBy) }));

const dayAt = (i: number) => addDays(START, i);
let run = 0;

async function post(projectId: string, events: UsageEvent[]): Promise<void> {
  const ctx = storeContext();
  const rater = raterFor(DEFAULT_PLAN.tariff);
  const rated = events.map((e) => ({ ...e, ...rater.rated(e), country: countryOf(e.destination) }));
  await storeUsage(ctx, rated);
  await debitProject(ctx, projectId, rated.map((e) => usageItemOf(ZONE, e, new Date(ctx.now()).toISOString())));
}

function eventOf(projectId: string, p: Planned, i: number): UsageEvent {
  const occurredAt = new Date(startOfDay(dayAt(p.day), ZONE) + p.minute * 60_000).toISOString();
  const tags = { ...(p.employee !== null ? { employee: EMPLOYEES[p.employee]! } : {}), ...(p.campaign ? { campaign: 'google-ads' } : {}) };
  return {
    eventId: `rep-${projectId}-${i}`, projectId, kind: p.kind, destination: DESTINATIONS[p.dest]!, occurredAt,
    ...(p.kind === 'sms' ? { segments: 1 + (p.amount % 3) } : { durationSec: p.amount }),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
}

describe('reports tie out with the events and the ledger', () => {
  it('closed days from aggregates, the open day from events, late events on their own day and counted in a later one', async () => {
    await fc.assert(fc.asyncProperty(fc.array(planned, { minLength: 1, maxLength: 40 }), async (plan) => {
      const ctx = storeContext();
      const p = await newProject({ billingStartDate: START, name: `reports-${++run}` });
      const rater = raterFor(DEFAULT_PLAN.tariff);
      const events = plan.map((x, i) => eventOf(p, x, i));
      // Day by day: that day's arrivals (its own events and late ones of closed days), then the close.
      for (let s = 0; s < DAYS; s++) {
        env.at(new Date(startOfDay(dayAt(s), ZONE) + 23.5 * 3_600_000).toISOString());
        const arriving = events.filter((_, i) => plan[i]!.arrives === s);
        if (arriving.length > 0) await post(p, arriving);
        env.at(new Date(startOfDay(dayAt(s + 1), ZONE) + 10 * 60_000).toISOString());
        if (s < DAYS - 1) await chargeThrough(ctx, p, dayAt(s));
      }
      const cost = (e: UsageEvent) => rater.rate(e);
      const own = (e: UsageEvent) => billingDayOf(e.occurredAt, ZONE);
      const range = { from: START, to: dayAt(DAYS - 1) };

      const sources: UsageReportSources = { aggregated: 0, fromEvents: 0 };
      const byDay = await usageReportOf(ctx, p, { ...range, groupBy: 'day' }, sources);
      for (let d = 0; d < DAYS; d++) {
        const mine = events.filter((e) => own(e) === dayAt(d));
        const row = byDay.rows.find((r) => r.group.day === dayAt(d));
        expect(row?.amount ?? 0).toBe(mine.reduce((a, e) => a + cost(e), 0));
        expect(row?.count ?? 0).toBe(mine.length);
      }
      expect(byDay.total.amount).toBe(events.reduce((a, e) => a + cost(e), 0));
      // Closed days come from their aggregates, except those with late events counted in the open day
      // (their aggregates miss them until it closes); the open day is read.
      const stale = new Set(plan.filter((x) => x.arrives === DAYS - 1 && x.day < DAYS - 1).map((x) => x.day)).size;
      expect(sources).toEqual({ aggregated: DAYS - 1 - stale, fromEvents: 1 + stale });

      const byCountryTag = await usageReportOf(ctx, p, { ...range, groupBy: 'country,tag:employee' });
      for (const row of byCountryTag.rows) {
        const mine = events.filter((e) => countryOf(e.destination) === row.group.country && (tagValue(e.tags, 'employee') ?? null) === row.group['tag:employee']);
        expect([row.count, row.amount]).toEqual([mine.length, mine.reduce((a, e) => a + cost(e), 0)]);
      }
      expect(byCountryTag.total).toEqual(byDay.total);

      // Spend: each closed day's telecom is its telecom_daily line; the open day's, the running total.
      const spend = (await call(getSpendReport, 'GET /projects/{projectId}/reports/spend', { auth: projectAuth(p), params: { projectId: p }, query: { ...range, groupBy: 'day' } })).body;
      for (let d = 0; d < DAYS - 1; d++) {
        const line = (await linesOf(p, dayAt(d))).find((l) => l.type === 'telecom_daily')!;
        expect(spend.rows[d].telecom).toBe(0 - line.amount);
      }
      expect(spend.total.telecom).toBe(byDay.total.amount);
      expect(spend.total.total).toBe(spend.total.products + spend.total.numbers - spend.total.discount + spend.total.telecom - spend.total.adjustments - spend.total.refunds);

      // A retry after a crash (the mark lost): the same aggregates, the same report.
      await env.doc.send(new DeleteCommand({ TableName: env.tables.PROJECTS_TABLE, Key: keys.usageAggregatesMark(p) }));
      await aggregateClosedDays(ctx, { projectId: p, chargedThrough: dayAt(DAYS - 2) });
      expect(await readAggregatesMark(ctx, p)).toBe(dayAt(DAYS - 2));
      expect(await usageReportOf(ctx, p, { ...range, groupBy: 'day' })).toEqual(byDay);
    }), { numRuns: 6 });
  }, 240_000);

  it('answers a late event of an aggregated day from the events until the day that counted it is closed', async () => {
    const ctx = storeContext();
    const p = await newProject({ billingStartDate: START, name: `reports-late-${++run}` });
    const base = { projectId: p, kind: 'outgoing_call' as const, destination: '+380441234567', durationSec: 100 };
    env.at('2026-03-01T12:00:00Z');
    await post(p, [{ ...base, eventId: `a-${p}`, occurredAt: '2026-03-01T10:00:00Z' }]);
    env.at('2026-03-02T12:00:00Z');
    await chargeThrough(ctx, p, START);
    await post(p, [{ ...base, eventId: `b-${p}`, occurredAt: '2026-03-01T11:00:00Z' }]);
    const sources: UsageReportSources = { aggregated: 0, fromEvents: 0 };
    const r = await usageReportOf(ctx, p, { from: START, to: START, groupBy: 'day' }, sources);
    expect([r.total.count, r.total.amount, sources.fromEvents]).toEqual([2, 200, 1]);
    env.at('2026-03-03T00:10:00Z');
    await chargeThrough(ctx, p, '2026-03-02');
    const after: UsageReportSources = { aggregated: 0, fromEvents: 0 };
    const r2 = await usageReportOf(ctx, p, { from: START, to: START, groupBy: 'day' }, after);
    expect([r2.total.count, r2.total.amount, after.aggregated]).toEqual([2, 200, 1]);
    // The late event's money is in the day that counted it.
    expect((await linesOf(p, '2026-03-02')).find((l) => l.type === 'telecom_daily')!.amount).toBe(-100);
  });
});

describe('the aggregate step under crashes', () => {
  it('a crash after the close leaves the day to the events, and the next run (a retry) writes its aggregate', async () => {
    const ctx = storeContext();
    const p = await newProject({ billingStartDate: START, name: `reports-crash-${++run}` });
    env.at('2026-03-01T12:00:00Z');
    await post(p, [{ eventId: `x1-${p}`, projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-01T10:00:00Z', segments: 3, tags: { employee: 'olena' } }]);
    env.at('2026-03-02T00:10:00Z');
    // The money transaction commits; the aggregate's write is "lost" (written, the answer an error) then refused outright.
    let puts = 0;
    const crashing = storeContext({ doc: faultyDoc(ctx.doc, (cmd) => {
      if (cmd.name !== 'PutCommand' || !String(cmd.input.Item?.sk).startsWith(keys.usageAggregatePrefix)) return undefined;
      return ++puts === 1 ? { after: new Error('lost answer') } : { before: new Error('crash') };
    }) });
    await expect(chargeThrough(crashing, p, START)).rejects.toThrow();
    expect((await linesOf(p, START)).find((l) => l.type === 'telecom_daily')!.amount).toBe(-360);
    expect(await readAggregatesMark(ctx, p)).toBeNull();
    const sources: UsageReportSources = { aggregated: 0, fromEvents: 0 };
    expect((await usageReportOf(ctx, p, { from: START, to: START, groupBy: 'tag:employee' }, sources)).total.amount).toBe(360);
    expect(sources.fromEvents).toBe(1);
    // The queue's retry: nothing left to charge, the aggregate written, the same answer from it.
    expect((await chargeThrough(ctx, p, START)).days).toEqual([]);
    const after: UsageReportSources = { aggregated: 0, fromEvents: 0 };
    const r = await usageReportOf(ctx, p, { from: START, to: START, groupBy: 'tag:employee' }, after);
    expect([r.rows, after.aggregated]).toEqual([[{ group: { 'tag:employee': 'olena' }, count: 1, durationSec: 0, amount: 360 }], 1]);
  });
});

describe('an index that does not show what the day counted', () => {
  it('leaves the aggregate unwritten and the day to its events, and the night goes on', async () => {
    const ctx = storeContext();
    const p = await newProject({ billingStartDate: START, name: `reports-behind-${++run}` });
    // A running total that counts 5 events none of which the index shows (as if it lagged).
    await env.doc.send(new PutCommand({ TableName: env.tables.PROJECTS_TABLE, Item: { ...keys.telecom(p, START), total: 0, events: 5 } }));
    env.at('2026-03-02T00:10:00Z');
    expect((await chargeThrough(ctx, p, START)).days).toHaveLength(1);
    expect(await readAggregatesMark(ctx, p)).toBe(START);
    expect((await readAggregates(ctx, p, START, START)).get(START)).toBeUndefined();
    const sources: UsageReportSources = { aggregated: 0, fromEvents: 0 };
    await usageReportOf(ctx, p, { from: START, to: START, groupBy: 'day' }, sources);
    expect(sources).toEqual({ aggregated: 0, fromEvents: 1 });
  });
});

describe('GET /projects/{projectId}/reports/*', () => {
  const usage = (p: string, query: Record<string, string>) =>
    call(getUsageReport, 'GET /projects/{projectId}/reports/usage', { auth: projectAuth(p), params: { projectId: p }, query });

  it('refuses bad groupBy, ranges and other projects with 4xx', async () => {
    const p = await newProject({ billingStartDate: START, name: `reports-bad-${++run}` });
    const cases: Record<string, string>[] = [
      { from: START, to: START, groupBy: '' },
      { from: START, to: START, groupBy: 'day,kind,country' },
      { from: START, to: START, groupBy: 'day,day' },
      { from: START, to: START, groupBy: 'weekday' },
      { from: START, to: START, groupBy: 'tag:Employee' },
      { from: START, to: START, groupBy: 'tag:' },
      { from: START, to: '2026-02-28', groupBy: 'day' },
      { from: '2026-01-01', to: '2027-01-02', groupBy: 'day' },
      { from: '2026-13-01', to: START, groupBy: 'day' },
      { from: START, to: START },
    ];
    for (const q of cases) expect((await usage(p, q)).status, JSON.stringify(q)).toBe(400);
    const other = await call(getUsageReport, 'GET /projects/{projectId}/reports/usage', { auth: projectAuth('prj_other'), params: { projectId: p }, query: { from: START, to: START, groupBy: 'day' } });
    expect(other.status).toBe(403);
    const spend = await call(getSpendReport, 'GET /projects/{projectId}/reports/spend', { auth: projectAuth(p), params: { projectId: p }, query: { from: START, to: START, groupBy: 'week' } });
    expect(spend.status).toBe(400);
  });

  it('answers CSV with one column per dimension, folded and missing tags told apart', async () => {
    const p = await newProject({ billingStartDate: START, name: `reports-csv-${++run}` });
    env.at('2026-03-01T12:00:00Z');
    const base = { projectId: p, kind: 'sms' as const, destination: '+380671234567', segments: 1, occurredAt: '2026-03-01T10:00:00Z' };
    await post(p, [
      { ...base, eventId: `c1-${p}`, tags: { employee: '=olena' } },
      { ...base, eventId: `c2-${p}` },
    ]);
    const res = await raw(getUsageReport, 'GET /projects/{projectId}/reports/usage', { auth: projectAuth(p), params: { projectId: p }, query: { from: START, to: START, groupBy: 'tag:employee,country' }, headers: { accept: 'text/csv' } });
    expect(res.body!.split('\r\n')).toEqual([
      'tag:employee,country,count,durationSec,amount',
      ',UA,1,0,120',
      "'=olena,UA,1,0,120",
      '',
    ]);
  });
});
