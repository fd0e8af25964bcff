/**
 * A month of a project's life on DynamoDB Local: payments, product toggles, seats, numbers, sessions,
 * real-time usage (late events included), nights run through the real fan-out and SQS handlers,
 * nights skipped, a night repeated. Then docs/api.md's ledger invariants, and the forecast's promise for
 * each night checked against what the night charged.
 */
import { withDebitMarks, type MarkedUsage } from '../support/marks';
import { projectEvents } from '../support/events';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { handler as chargeDay } from '../../functions/billing/charge-day';
import { handler as fanOutDays } from '../../functions/billing/fan-out-days';
import { addDays, daysFromTo } from '../../shared/domain/billing-days';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { forecast } from '../../shared/domain/forecast';
import { storeContext } from '../../shared/store/context';
import { telecomHistory } from '../../shared/store/ledger';
import { readCurrentTimeline } from '../../shared/store/timeline';
import { recordSessions } from '../../shared/billing/timeline-changes';
import type { UsageItem } from '../../shared/store/usage';
import { billingEnv, ledgerOf, newProject, number, product, project, sqsEvent, useCalls } from '../support/billing';
import { recordPayment } from '../../shared/billing/payments';
import { type ChangeInput, appendChange } from '../../shared/billing/timeline-changes';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-04-01T07:00:00Z'); });

/** A small deterministic generator, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

async function usageOf(projectId: string): Promise<MarkedUsage[]> {
  const out: UsageItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await env.doc.send(new ScanCommand({ TableName: env.tables.USAGE_TABLE, FilterExpression: 'projectId = :p', ExpressionAttributeValues: { ':p': projectId }, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
    out.push(...((page.Items ?? []) as UsageItem[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return withDebitMarks(env.doc, env.tables.LEDGER_TABLE, out);
}

/** 10:00 in Kyiv on `day` plus `minutes` (April: UTC+3). */
const kyiv = (day: string, hh: number, mm = 0) => new Date(Date.parse(`${day}T00:00:00+03:00`) + (hh * 60 + mm) * 60_000).toISOString();

it('a month of payments, toggles and usage keeps the ledger invariants, and each forecast is what the night charged', async () => {
  const random = rng(20260401);
  const id = await newProject({ billingStartDate: '2026-04-01', balance: 200_000, creditLimit: 50_000 });
  const ctx = () => storeContext();
  const now = (input: ChangeInput) => appendChange(ctx(), id, {}, () => input);
  const held = new Set<string>();
  const skipped = new Set(['2026-04-10', '2026-04-11']);
  const promised = new Map<string, number>();
  const nightCharged = new Map<string, number>();

  for (const day of daysFromTo('2026-04-01', '2026-04-30')) {
    env.at(kyiv(day, 9));
    if (day.endsWith('1') || day.endsWith('5')) await recordPayment(ctx(), id, `pay-${day}`, 40_000 + Math.floor(random() * 20_000));
    // Toggles and seats, at random moments of the morning.
    const r = random();
    if (r < 0.25) await now(product('telephony', true, 1 + Math.floor(random() * 7)));
    else if (r < 0.35) await now(product('telephony', false));
    else if (r < 0.55) await now(product(random() < 0.5 ? 'calltracking' : 'callback', random() < 0.6));
    else if (r < 0.65) await now(product('analytics', random() < 0.7));
    env.at(kyiv(day, 12));
    if (random() < 0.3) {
      const n = `+38044${String(1_000_000 + Math.floor(random() * 5))}`;
      if (held.has(n)) { await now(number(n, false)); held.delete(n); } else { await now(number(n, true, random() < 0.5 ? 'local' : 'mobile')); held.add(n); }
    }
    // Today's sessions so far: yesterday's is charged by now (00:05), and a charged day's count is final.
    await recordSessions(ctx(), id, day, Math.floor(random() * 600));
    // Usage: a few calls today, and one late event of yesterday (counted in the first open day).
    env.at(kyiv(day, 18));
    const calls = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => ({ occurredAt: kyiv(day, 13, i * 7), durationSec: Math.floor(random() * 400), destination: random() < 0.5 ? '+380671234567' : '+380441234567' }));
    if (day !== '2026-04-01') calls.push({ occurredAt: kyiv(addDays(day, -1), 23, 50), durationSec: 61, destination: '+380441234567' });
    await useCalls(id, calls);

    // 23:00: what the forecast says tonight's charge will be (nothing changes after this).
    env.at(kyiv(day, 23));
    const read = await readCurrentTimeline(ctx(), id, day);
    const p = await project(id);
    const history = await telecomHistory(ctx(), id, addDays(day, -28), addDays(day, -1));
    promised.set(day, forecast({ currency: 'UAH', balance: p.balance, timeline: read.timeline, pricesOn: () => DEFAULT_PLAN, history, today: day, nowMs: env.nowMs() }).nextCharge.amount);

    // 00:05 the next day: the schedule's fan-out, then the queue's consumer (twice on the 20th).
    env.at(kyiv(addDays(day, 1), 0, 5));
    if (skipped.has(day)) continue;
    env.sent.length = 0;
    await fanOutDays({});
    const messages = env.sent.filter((m) => m.projectId === id);
    const runs = day === '2026-04-20' ? 2 : 1;
    for (let i = 0; i < runs; i++) {
      const out = await chargeDay(sqsEvent(messages));
      expect(out.batchItemFailures).toEqual([]);
    }
    for (const e of await projectEvents(id)) if (e.type === 'day.charged') nightCharged.set(e.data.date, e.data.amount);
  }

  const ledger = await ledgerOf(id);
  const usage = await usageOf(id);
  const p = await project(id);
  expect(p.chargedThrough).toBe('2026-04-30');
  // Skipped nights were caught up, in order, once each.
  expect([...nightCharged.keys()].sort()).toEqual(daysFromTo('2026-04-01', '2026-04-30'));
  expect(ledger.filter((e) => e.type === 'telecom_daily')).toHaveLength(30);
  expect(new Set(ledger.map((e) => e.entryId)).size).toBe(ledger.length);
  // The month exercised every kind of line.
  expect(new Set(ledger.map((e) => e.type))).toEqual(new Set(['payment', 'product_daily', 'number_daily', 'discount', 'telecom_daily']));

  // Invariant 1: balance = sum(balanceEffect amounts) - sum(costs of debited events).
  expect(usage.every((u) => u.debitedAt)).toBe(true);
  const costs = usage.reduce((s, u) => s + u.cost, 0);
  expect(costs).toBeGreaterThan(0);
  const effects = ledger.filter((e) => e.balanceEffect).reduce((s, e) => s + e.amount, 0);
  expect(p.balance).toBe(effects - costs);

  // Invariant 2: each closed day's telecom line is minus the costs of the events counted in it.
  for (const day of daysFromTo('2026-04-01', '2026-04-30')) {
    const counted = usage.filter((u) => u.countedOn === day).reduce((s, u) => s + u.cost, 0);
    expect(ledger.find((e) => e.entryId === `telecom#${day}`)!.amount).toBe(counted === 0 ? 0 : -counted);
  }
  // A late event (23:50, posted the next evening) counts on the first open day: the next day after a
  // night that ran, its own day after a skipped night (the 10th and 11th were still open).
  const late = usage.filter((u) => u.occurredAt.endsWith('T20:50:00.000Z'));
  expect(late).toHaveLength(29);
  for (const u of late) expect([u.day, u.countedOn]).toEqual([u.day, skipped.has(u.day) ? u.day : addDays(u.day, 1)]);

  // The forecast's nextCharge is exactly what the night charged, every night.
  for (const [day, amount] of promised) expect([day, nightCharged.get(day)]).toEqual([day, amount]);
});
