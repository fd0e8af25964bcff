/**
 * The nightly charge's cost against history: one night (day D) charged for 2,000 projects whose
 * timelines hold 30 days of history, against 2,000 whose timelines hold only that day, on DynamoDB
 * Local, through the charge-day handler (SQS batches of 10 as the event source mapping sends them,
 * a few invocations in flight, each charging 4 projects at once: 12 projects in flight).
 *
 * Both kinds are charged through D-1 and have the same lines on D (telephony, call tracking, the
 * discount, two numbers, telecom), from a few changes on D itself:
 *   - 30-day: billing started on D-29; every day the seats change and a new number replaces the
 *     day before's (3 changes a day, 90 in all); charged through D-1 with the timeline snapshot as of
 *     D-1 that the charge of D-1 writes, so charging D reads the snapshot and D's 3 changes;
 *   - 1-day: billing starts on D; D holds its 5 changes (both products on, two numbers added, one
 *     removed) and no snapshot yet.
 * Items are written directly in the stored formats (shared/store/keys.ts, timeline.ts): 90 changes a
 * project through the API would make the setup longer than the bench. Setup is not timed.
 *
 * R = time per project with 30 days of history / time with 1 day; the design says O(changes of the
 * day), so R should stay near 1. The kinds run interleaved in rounds (alternating which goes first)
 * so the shared machine's load drift hits both alike. `npx tsx bench/nightly.ts` prints the line alone
 * (BENCH_NIGHTLY_PROJECTS=200 for a quick look; the figure of record uses 2,000).
 */
import './quiet';
import type { SQSEvent } from 'aws-lambda';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { handler as chargeDay } from '../functions/billing/charge-day';
import { addDays, type BillingDay } from '../shared/domain/billing-days';
import { startOfDay } from '../shared/domain/day-bounds';
import { emptySnapshot, foldChanges } from '../shared/domain/timeline-snapshot';
import type { TimelineChange } from '../shared/domain/types';
import type { StoreContext } from '../shared/store/context';
import { chargeShardOf, keys } from '../shared/store/keys';
import { note, putAll, runAlone, timeMs, whole, withDynamo } from './harness';
import { projectsToChargePage } from '../shared/store/charge-index';
import { utcIso } from '../shared/domain/timeline-snapshot';
import { mapLimit } from '../shared/concurrency';
import { usageItemOf } from '../shared/store/usage';
import { book, firstDayOf, monthOf, type SumsByMonth } from '../shared/domain/statement';
import { toLedgerEntry } from '../shared/store/ledger';
import { telecomItemOf } from '../shared/store/telecom';
import { monthSumsItem } from '../shared/store/month-sums';

const PROJECTS = Number(process.env.BENCH_NIGHTLY_PROJECTS ?? 2_000);
const HISTORY_DAYS = 30;
const NIGHT: BillingDay = '2026-03-10';
const ZONE = 'Europe/Kyiv';
/** The charge queue's batch size (lib/constructs/nightly-billing.ts). */
const SQS_BATCH = 10;
/** Invocations in flight; the handler charges 4 projects at once each. */
const INVOCATIONS = 3;
const ROUNDS = 4;
const PAID = 100_000_000;

type Kind = 'history30' | 'history1';

/** `hh:mm` local time on `day` in the billing zone, as a UTC instant. */
function at(day: BillingDay, hour: number, minute = 0): string {
  return utcIso(startOfDay(day, ZONE) + (hour * 60 + minute) * 60_000);
}

const num = (project: number, k: number) => `+38044${String(project % 1000).padStart(3, '0')}${String(k).padStart(4, '0')}`;

/** A project's changes, oldest first, with `seq` in write order (as appendChange numbers them). */
function changesOf(kind: Kind, p: number, night: BillingDay = NIGHT): TimelineChange[] {
  const out: TimelineChange[] = [];
  if (kind === 'history1') {
    out.push(
      { kind: 'product', at: at(night, 9), productId: 'telephony', enabled: true, seats: 4 },
      { kind: 'product', at: at(night, 9, 1), productId: 'calltracking', enabled: true },
      { kind: 'number', at: at(night, 9, 2), number: num(p, 0), numberType: 'local', held: true },
      { kind: 'number', at: at(night, 12), number: num(p, 1), numberType: 'local', held: true },
      { kind: 'number', at: at(night, 15), number: num(p, 0), numberType: 'local', held: false },
    );
  } else {
    const first = addDays(night, -(HISTORY_DAYS - 1));
    out.push(
      { kind: 'product', at: at(first, 9), productId: 'telephony', enabled: true, seats: 3 },
      { kind: 'product', at: at(first, 9, 1), productId: 'calltracking', enabled: true },
      { kind: 'number', at: at(first, 9, 2), number: num(p, 0), numberType: 'local', held: true },
    );
    for (let k = 1; k < HISTORY_DAYS; k++) {
      const day = addDays(first, k);
      out.push(
        { kind: 'product', at: at(day, 9), productId: 'telephony', enabled: true, seats: 3 + (k % 3) },
        { kind: 'number', at: at(day, 12), number: num(p, k), numberType: 'local', held: true },
        { kind: 'number', at: at(day, 15), number: num(p, k - 1), numberType: 'local', held: false },
      );
    }
  }
  return out.map((c, i) => ({ ...c, seq: i + 1 }) as TimelineChange);
}

/** Every item of one project, as the store would have left it after charging through D-1. */
function projectItems(kind: Kind, p: number, night: BillingDay = NIGHT, prefix = 'prj_bench'): { projectId: string; items: Record<string, unknown>[]; usage: Record<string, unknown>[] } {
  const projectId = `${prefix}_${kind}_${p}`;
  const changes = changesOf(kind, p, night);
  const billingStartDate = kind === 'history1' ? night : addDays(night, -(HISTORY_DAYS - 1));
  const createdAt = utcIso(startOfDay(billingStartDate, ZONE));
  const items: Record<string, unknown>[] = changes.map((c, i) => ({ ...keys.change(projectId, c.at, `u${i}`), ...c, projectId, createdAt }));
  if (kind === 'history30') {
    // The state after every change before D's first instant: what the charge of D-1 stored.
    const before = changes.filter((c) => Date.parse(c.at) < startOfDay(night, ZONE));
    items.push({ ...keys.snapshot(projectId), projectId, asOf: addDays(night, -1), state: foldChanges(emptySnapshot(), before) });
  }
  items.push({
    ...keys.project(projectId),
    projectId,
    name: `${kind} ${p}`,
    currency: 'UAH',
    balance: PAID,
    creditLimit: 0,
    status: 'active',
    billingStartDate,
    chargedThrough: addDays(night, -1),
    chargeShard: chargeShardOf(projectId),
    // Each change and each charged day bumped it once.
    version: changes.length + (kind === 'history30' ? HISTORY_DAYS - 1 : 0),
    timelineRev: changes.length,
    createdAt,
    // A project made now keeps month sums (its statements are made of them); with 30 days of history
    // its previous month is stated, by the charge of that month's last day.
    sumsKept: true,
    ...(kind === 'history30' ? { statementsThrough: monthOf(addDays(firstDayOf(monthOf(night)), -1)), statementClosing: { balance: PAID, credit: 0 } } : {}),
  });
  // Some usage was debited on D: its 17 events (the close aggregates them for the usage report) and their open telecom total.
  const usage = Array.from({ length: 17 }, (_, i) => usageItemOf(ZONE, {
    eventId: `${projectId}-ev${i}`, projectId, kind: 'outgoing_call', destination: '+380441234567', occurredAt: at(night, 10, i),
    durationSec: 250, cost: i === 16 ? 200 + p : 250, prefix: '38044', country: 'UA',
  }, createdAt) as unknown as Record<string, unknown>);
  items.push({ ...keys.telecom(projectId, night), total: 4_200 + p, events: 17 });
  return { projectId, items, usage };
}

function sqsEvent(projectIds: readonly string[], date: BillingDay): SQSEvent {
  return {
    Records: projectIds.map((projectId, i) => ({
      messageId: `${projectId}-${i}`,
      receiptHandle: `r-${projectId}`,
      body: JSON.stringify({ projectId, date }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'bench', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:charge',
      awsRegion: 'eu-central-1',
    })),
  };
}

/** Charges `projectIds` for NIGHT through the handler, SQS_BATCH a message batch, INVOCATIONS at once. */
async function chargeNight(projectIds: readonly string[], night: BillingDay = NIGHT): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < projectIds.length; i += SQS_BATCH) batches.push(projectIds.slice(i, i + SQS_BATCH));
  await mapLimit(batches, INVOCATIONS, async (batch) => {
    const out = await chargeDay(sqsEvent(batch, night));
    if (out.batchItemFailures.length > 0) throw new Error(`charge-day failed ${out.batchItemFailures.length} messages`);
  });
}

async function ledgerLines(ctx: StoreContext, projectId: string, day: BillingDay): Promise<number> {
  const out = await ctx.doc.send(new QueryCommand({
    TableName: ctx.tables.ledger,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :day)',
    ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId), ':day': `${day}#` },
    ConsistentRead: true,
  }));
  return out.Items?.length ?? 0;
}

/** Returns `bench nightly: <N> projects/s; <R>x cost 30-day-history vs 1-day-history`. */
/** Projects of each kind in the month-close detail (fewer than the main figure: each has a month of ledger). */
const MONTH_PROJECTS = Number(process.env.BENCH_NIGHTLY_MONTH_PROJECTS ?? Math.min(PROJECTS, 500));
/** The month-close detail: February's last day is charged (the statement made) vs its 27th (an ordinary night). */
const MONTH_END: BillingDay = '2026-02-28';
const MONTH_ORDINARY: BillingDay = '2026-02-27';

/**
 * The month's ledger before `night` as the nightly charge would have left it: 6 lines a day (two
 * products, the discount, two numbers, telecom) and each day's telecom total with its per-kind
 * counters, from the 1st to the day before `night`, and the month's sums item those charges booked.
 */
function monthHistory(projectId: string, night: BillingDay): { ledger: Record<string, unknown>[]; projects: Record<string, unknown>[] } {
  const ledger: Record<string, unknown>[] = [];
  const projects: Record<string, unknown>[] = [];
  let monthSums: SumsByMonth = {};
  for (let day = `${night.slice(0, 7)}-01`; day < night; day = addDays(day, 1)) {
    const line = (entryId: string, type: string, amount: number, extra: Record<string, unknown> = {}) =>
      ledger.push({ ...keys.ledger(projectId, day, entryId), projectId, createdAt: at(day, 23), entryId, date: day, type, description: type, amount, balanceEffect: type !== 'telecom_daily', ...extra });
    line(`charge#${day}#product#calltracking`, 'product_daily', -2_854, { productId: 'calltracking' });
    line(`charge#${day}#product#telephony`, 'product_daily', -1_782, { productId: 'telephony' });
    line(`charge#${day}#discount`, 'discount', 232);
    line(`charge#${day}#number#${num(1, 1)}`, 'number_daily', -536, { number: num(1, 1), description: `Number ${num(1, 1)} (local), day` });
    line(`charge#${day}#number#${num(1, 2)}`, 'number_daily', -536, { number: num(1, 2), description: `Number ${num(1, 2)} (local), day` });
    line(`telecom#${day}`, 'telecom_daily', -4_200);
    const telecom = { ...keys.telecom(projectId, day), total: 4_200, events: 17, amount_outgoing_call: 3_000, count_outgoing_call: 10, amount_sms: 1_200, count_sms: 7 };
    projects.push(telecom);
    // The sums each day's charge booked.
    monthSums = book(monthSums, { entries: ledger.filter((l) => l.date === day).map(toLedgerEntry), closedDay: { day, kinds: telecomItemOf(telecom).kinds! } });
  }
  const month = monthOf(night);
  if (monthSums[month]) projects.push(monthSumsItem(projectId, month, monthSums[month]));
  return { ledger, projects };
}

/**
 * The first night of a month against an ordinary one, on projects alike but for the day: both have
 * 30 days of timeline and the month's ledger so far; the first also makes February's statement in
 * the day's transaction (from the month's sums item, which both kinds' charges add to; the ledger's
 * 162 lines and 27 telecom items are there, as they would be, but not read).
 */
async function monthCloseRatio(d: Parameters<Parameters<typeof withDynamo>[1]>[0]): Promise<{ ratio: number; closeMs: number; ordinaryMs: number }> {
  const ids: Record<'close' | 'ordinary', string[]> = { close: [], ordinary: [] };
  for (const [which, night] of [['close', MONTH_END], ['ordinary', MONTH_ORDINARY]] as const) {
    const projects: Record<string, unknown>[] = [];
    const ledger: Record<string, unknown>[] = [];
    const usage: Record<string, unknown>[] = [];
    for (let p = 0; p < MONTH_PROJECTS; p++) {
      const { projectId, items, usage: events } = projectItems('history30', p, night, `prj_month_${which}`);
      usage.push(...events);
      ids[which].push(projectId);
      const h = monthHistory(projectId, night);
      // Its January is stated already: February is the month this night may close, from its sums.
      projects.push(...items.map((i) => (i.sk === 'project' ? { ...i, statementsThrough: '2026-01' } : i)));
      projects.push(...h.projects);
      ledger.push(...h.ledger);
    }
    await putAll(d.doc, d.tables.PROJECTS_TABLE, projects);
    await putAll(d.doc, d.tables.LEDGER_TABLE, ledger);
    // The night's telecom total counts these events: the close aggregates them (reports) as on a real night.
    await putAll(d.doc, d.tables.USAGE_TABLE, usage, 8);
  }
  const warm = 20;
  await chargeNight(ids.close.slice(0, warm), MONTH_END);
  await chargeNight(ids.ordinary.slice(0, warm), MONTH_ORDINARY);
  const per = Math.ceil((MONTH_PROJECTS - warm) / ROUNDS);
  let close = 0;
  let ordinary = 0;
  // The emulator's CPU in each kind's rounds: what the wall-clock ratio is made of, without its queueing.
  const cpu = { close: 0, ordinary: 0 };
  const timed = async (which: 'close' | 'ordinary', run: () => Promise<void>) => {
    const before = d.emulatorCpuMs();
    const ms = await timeMs(run);
    cpu[which] += d.emulatorCpuMs() - before;
    return ms;
  };
  for (let r = 0; r < ROUNDS; r++) {
    const c = () => timed('close', () => chargeNight(ids.close.slice(warm + r * per, warm + (r + 1) * per), MONTH_END));
    const o = () => timed('ordinary', () => chargeNight(ids.ordinary.slice(warm + r * per, warm + (r + 1) * per), MONTH_ORDINARY));
    if (r % 2 === 0) { close += await c(); ordinary += await o(); } else { ordinary += await o(); close += await c(); }
  }
  // Every closing project has its statement; no ordinary one has.
  const stated = async (projectId: string) => (await d.doc.send(new QueryCommand({
    TableName: d.tables.PROJECTS_TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
    ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':s': keys.statementPrefix }, ConsistentRead: true,
  }))).Items?.length ?? 0;
  if ((await stated(ids.close[MONTH_PROJECTS - 1]!)) !== 1) throw new Error('the first night of March made no statement of February');
  if ((await stated(ids.ordinary[MONTH_PROJECTS - 1]!)) !== 0) throw new Error('an ordinary night made a statement');
  const count = MONTH_PROJECTS - warm;
  note(`nightly: month close ${(close / 1000).toFixed(1)} s, ordinary ${(ordinary / 1000).toFixed(1)} s for ${count} projects each; `
    + `DynamoDB Local's CPU ${(cpu.close / count).toFixed(1)} vs ${(cpu.ordinary / count).toFixed(1)} ms a project (${(cpu.close / cpu.ordinary).toFixed(2)}x)`);
  return { ratio: close / ordinary, closeMs: close / count, ordinaryMs: ordinary / count };
}

export async function benchNightly(): Promise<string> {
  process.env.BILLING_TIME_ZONE = ZONE;
  // 00:05 on D+1 in the billing zone: the schedule's time, when D is "yesterday".
  const now = startOfDay(addDays(NIGHT, 1), ZONE) + 5 * 60_000;
  return withDynamo(() => now, async (d) => {
    const ctx = d.ctx(() => now);
    const ids: Record<Kind, string[]> = { history30: [], history1: [] };
    const setupMs = await timeMs(async () => {
      for (const kind of ['history30', 'history1'] as const) {
        const all: Record<string, unknown>[] = [];
        const usage: Record<string, unknown>[] = [];
        for (let p = 0; p < PROJECTS; p++) {
          const made = projectItems(kind, p);
          ids[kind].push(made.projectId);
          all.push(...made.items);
          usage.push(...made.usage);
        }
        await putAll(d.doc, d.tables.PROJECTS_TABLE, all);
        await putAll(d.doc, d.tables.USAGE_TABLE, usage, 8);
      }
    });
    note(`nightly: setup ${(setupMs / 1000).toFixed(0)} s (${PROJECTS} projects of each kind written directly)`);

    // Warm-up: a few batches of each kind, untimed (the JVM's JIT, the SDK's first requests).
    const warm = 40;
    await chargeNight(ids.history30.slice(0, warm));
    await chargeNight(ids.history1.slice(0, warm));
    const rest = { history30: ids.history30.slice(warm), history1: ids.history1.slice(warm) };
    const per = Math.ceil(rest.history30.length / ROUNDS);
    const ms: Record<Kind, number> = { history30: 0, history1: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const order: Kind[] = r % 2 === 0 ? ['history30', 'history1'] : ['history1', 'history30'];
      for (const kind of order) ms[kind] += await timeMs(() => chargeNight(rest[kind].slice(r * per, (r + 1) * per)));
    }

    // Every project charged for D, with the lines expected (2 products, discount, 2 numbers, telecom).
    const left = await projectsToChargePage(ctx, NIGHT);
    if (left.projectIds.length > 0) throw new Error(`${left.projectIds.length} projects were not charged for ${NIGHT}`);
    for (const kind of ['history30', 'history1'] as const) {
      const lines = await ledgerLines(ctx, ids[kind][PROJECTS - 1]!, NIGHT);
      if (lines !== 6) throw new Error(`${kind}: ${lines} ledger lines for ${NIGHT}, expected 6`);
    }

    const timed = PROJECTS - warm;
    const rate = (kind: Kind) => (timed * 1000) / ms[kind];
    note(`nightly: 30-day history ${whole(rate('history30'))} projects/s (${(ms.history30 / 1000).toFixed(1)} s), 1-day history ${whole(rate('history1'))} projects/s (${(ms.history1 / 1000).toFixed(1)} s), ${timed} timed of each`);
    const month = await monthCloseRatio(d);
    return `bench nightly: ${whole(rate('history30'))} projects/s; ${(ms.history30 / ms.history1).toFixed(2)}x cost 30-day-history vs 1-day-history\n`
      + `bench nightly month-close: ${month.ratio.toFixed(2)}x cost first-night-of-a-month vs ordinary-night (${month.closeMs.toFixed(1)} vs ${month.ordinaryMs.toFixed(1)} ms a project, statement made)`;
  });
}

runAlone(module, benchNightly);
