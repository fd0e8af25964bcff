/**
 * Real-time debit of one busy project: 20,000 usage events of one project, read from the usage
 * table's real stream on DynamoDB Local and handed to the debit handler (`debitStream`, the Lambda's
 * code) in batches of 1,000 records, as the event source mapping does with batchSize 1000. The handler
 * groups a batch per project and debits it in transactions of up to 100 items (98 marks, the balance
 * update, the day's telecom total).
 *
 * The baseline is the design the issue rules out, one transaction per event: the same debit code
 * (`debitProject`) handed one event at a time, so each event costs what an ungrouped consumer pays
 * (read the project item for its version, one TransactWrite of mark + balance + telecom total). It
 * runs on a 2,000-event sample of a second project and is compared per event.
 * A second, more generous baseline (verbose note only) reads the project once and tracks its version
 * in memory, so it pays the per-event transactions alone.
 *
 * Events (issue 11) ride in the debit's transactions only when a chunk crosses something. The second
 * line compares the same 20,000 events on a project whose alert rules fire (three balance thresholds
 * crossed, the day's spend cap reached, so the debit also reads the day's running total per chunk)
 * with the busy project, which has no rules and writes no events: the cost of events, same run.
 *
 * DynamoDB Local charges per item written (~0.6 ms an item inside a transaction, a few ms per
 * request), where DynamoDB charges a request's latency and the balance item's write rate; so the
 * emulator understates the gain (see the README's performance section).
 *
 * The machine is shared: the paths run interleaved in rounds after an untimed warm-up (DynamoDB Local's
 * JVM is ~2x slower before its JIT warms), so load drift hits both alike. Writing the usage items and
 * reading the stream are setup (not timed). `npx tsx bench/debit.ts` prints the line alone.
 */
import './quiet';
import { DEBIT_BATCH_SIZE } from '../shared/workers';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { debitRecordsOf, debitStream } from '../functions/usage/debit-usage';
import { streamEventOf } from '../local/stream-poller';
import { telecomAdd } from '../shared/store/telecom';
import { billingDayOf } from '../shared/domain/billing-days';
import { DEFAULT_PLAN } from '../shared/domain/default-plan';
import { raterFor } from '../shared/domain/rating';
import type { StoreContext } from '../shared/store/context';
import { keys } from '../shared/store/keys';
import { transact, withRetries } from '../shared/store/transactions';
import { usageItemOf, type UsageItem } from '../shared/store/usage';
import { debitMarkPut } from '../shared/store/debit-marks';
import { StreamReader, deliver, inserts, type StreamRecord } from '../test/support/stream';
import { note, putAll, runAlone, timeMs, whole, withDynamo } from './harness';
import { type RatedUsageEvent, countedDay } from '../shared/domain/usage';
import { debitProject } from '../shared/billing/debit-usage';
import { recordPayment } from '../shared/billing/payments';
import { balanceUpdate, getProjectItem } from '../shared/store/projects';
import { createProject } from '../shared/billing/projects';
import { putAlertRules } from '../shared/billing/alerts';
import { listEvents } from '../shared/store/events';

const EVENTS = 20_000;
const BASELINE_EVENTS = 2_000;
const TRANSACTION_ONLY_EVENTS = 1_000;
/** The stream mapping's batchSize. */
const BATCH_SIZE = DEBIT_BATCH_SIZE;
const ROUNDS = 4;
const WARM_BATCHED = 2_000;
const WARM_PER_EVENT = 200;
const NOW = Date.parse('2026-03-10T10:00:00Z');
const PAID = 1_000_000_000;

/** Deterministic, varied calls and messages of one project over the hour before the bench's clock. */
function events(projectId: string, count: number): RatedUsageEvent[] {
  const rater = raterFor(DEFAULT_PLAN.tariff);
  const out: RatedUsageEvent[] = [];
  for (let i = 0; i < count; i++) {
    const base = {
      eventId: `${projectId}-ev-${i}`,
      projectId,
      destination: `+38044${String(1_000_000 + ((i * 7919) % 9_000_000)).padStart(7, '0')}`,
      occurredAt: new Date(NOW - 3_600_000 + (i % 3_600) * 1_000).toISOString(),
    };
    const e = i % 5 === 0
      ? { ...base, kind: 'sms' as const, segments: 1 + (i % 3) }
      : { ...base, kind: 'outgoing_call' as const, durationSec: (i * 37) % 600 };
    out.push({ ...e, cost: rater.rate(e) });
  }
  return out;
}

async function paidProject(ctx: StoreContext, name: string): Promise<string> {
  const { project } = await createProject(ctx, { name, currency: 'UAH', creditLimit: 0, billingStartDate: billingDayOf(NOW, ctx.zone) });
  // Enough that no event crosses a threshold: the bench measures writes, not notifications.
  await recordPayment(ctx, project.projectId, `pay-${name}`, PAID);
  return project.projectId;
}

/** The baseline: the real debit, one event per call (one project read and one transaction each). */
async function debitEachEvent(ctx: StoreContext, projectId: string, items: readonly UsageItem[]): Promise<void> {
  for (const item of items) {
    const out = await debitProject(ctx, projectId, [item]);
    if (out.debited !== 1) throw new Error(`per-event debit of ${item.eventId} debited ${out.debited}`);
  }
}

/** The generous baseline: one transaction per event (mark, balance, telecom total), the project read once. */
async function transactEachEvent(ctx: StoreContext, projectId: string, items: readonly UsageItem[]): Promise<void> {
  let project = await getProjectItem(ctx, projectId);
  for (const e of items) {
    const day = countedDay(e.day, project.chargedThrough);
    const out = await withRetries(() => transact(ctx.doc, [
      debitMarkPut(ctx, { eventId: e.eventId, projectId, debitedAt: new Date(ctx.now()).toISOString(), countedOn: day }),
      balanceUpdate(ctx.tables.projects, project, -e.cost),
      telecomAdd(ctx, projectId, day, e.cost, 1),
    ]));
    if (!out.committed) throw new Error(`per-event transaction of ${e.eventId} cancelled: ${out.reasons.join(', ')}`);
    project = { ...project, balance: project.balance - e.cost, version: project.version + 1 };
  }
}

/** Every path must have moved exactly its events' costs, or the figures mean nothing. */
async function check(ctx: StoreContext, projectId: string, sent: readonly RatedUsageEvent[]): Promise<void> {
  const cost = sent.reduce((s, e) => s + e.cost, 0);
  const project = await getProjectItem(ctx, projectId);
  if (project.balance !== PAID - cost) throw new Error(`${projectId}: balance ${project.balance}, expected ${PAID - cost}`);
  const telecom = await ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.telecom(projectId, billingDayOf(NOW, ctx.zone)), ConsistentRead: true }));
  if (telecom.Item?.total !== cost || telecom.Item?.events !== sent.length) {
    throw new Error(`${projectId}: telecom total ${String(telecom.Item?.total)} over ${String(telecom.Item?.events)} events, expected ${cost} over ${sent.length}`);
  }
}

/** `items` cut into `n` consecutive slices. */
function slices<T>(items: readonly T[], n: number): T[][] {
  const size = Math.ceil(items.length / n);
  return Array.from({ length: n }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/**
 * Alert rules that all fire during `sent`: thresholds at a quarter, half and three quarters of its
 * cost below the paid balance, a spend cap at 90% of its cost (all on one day), runway days set.
 */
async function rulesThatFire(ctx: StoreContext, projectId: string, sent: readonly RatedUsageEvent[]): Promise<void> {
  const cost = sent.reduce((s, e) => s + e.cost, 0);
  await putAlertRules(ctx, projectId, {
    balanceBelow: [1, 2, 3].map((q) => PAID - Math.floor((cost * q) / 4)),
    dailySpendCap: Math.floor((cost * 9) / 10),
    runwayDays: 7,
  });
}

/** The events the alerting project's debit wrote: exactly its three crossings and the cap. */
async function checkAlertEvents(ctx: StoreContext, projectId: string): Promise<number> {
  const { events: written } = await listEvents(ctx, projectId, { limit: 100 });
  const types = written.map((e) => e.type).sort();
  const want = ['balance.low', 'balance.low', 'balance.low', 'payment.received', 'spend_cap.reached'];
  if (types.join() !== want.join()) throw new Error(`${projectId}: events ${types.join()}, expected ${want.join()}`);
  return written.length - 1;
}

/**
 * Returns two lines: `bench debit: <N> events/s; <R>x vs per-event-transaction` and
 * `bench debit-events: <N> events/s with alert rules that fire; <R>x vs no rules`.
 */
export async function benchDebit(): Promise<string> {
  return withDynamo(() => NOW, async (d) => {
    const ctx = d.ctx(() => NOW);
    const names = ['busy', 'alerting', 'per-event', 'transaction-only', 'warm-busy', 'warm-per-event'] as const;
    const ids = {} as Record<(typeof names)[number], string>;
    for (const n of names) ids[n] = await paidProject(ctx, n);
    const sent = {
      busy: events(ids.busy, EVENTS),
      alerting: events(ids.alerting, EVENTS),
      perEvent: events(ids['per-event'], BASELINE_EVENTS),
      transactionOnly: events(ids['transaction-only'], TRANSACTION_ONLY_EVENTS),
    };
    await rulesThatFire(ctx, ids.alerting, sent.alerting);
    const all = [...sent.busy, ...sent.alerting, ...sent.perEvent, ...sent.transactionOnly, ...events(ids['warm-busy'], WARM_BATCHED), ...events(ids['warm-per-event'], WARM_PER_EVENT)];
    const receivedAt = new Date(NOW).toISOString();
    await putAll(d.doc, d.tables.USAGE_TABLE, all.map((e) => usageItemOf(ctx.zone, e, receivedAt)) as unknown as Record<string, unknown>[]);

    // The real stream, as Lambda's poller would read it (setup: not timed).
    const reader = new StreamReader(d.endpoint, d.tables.USAGE_TABLE);
    let records: StreamRecord[];
    try {
      records = inserts(await reader.readUntil((read) => inserts(read).length >= all.length, 120_000));
    } finally {
      reader.close();
    }
    const recordsOf = (projectId: string) => records.filter((r) => r.dynamodb?.NewImage?.projectId?.S === projectId);
    const itemsOf = (projectId: string) => debitRecordsOf(streamEventOf(recordsOf(projectId)).Records).records.map((r) => r.item);
    const busyRecords = recordsOf(ids.busy);
    const alertingRecords = recordsOf(ids.alerting);
    if (busyRecords.length !== EVENTS || alertingRecords.length !== EVENTS) throw new Error(`the stream gave ${busyRecords.length} and ${alertingRecords.length} of ${EVENTS} records`);

    const handler = (event: Parameters<typeof debitStream>[0]) => debitStream(event, ctx);
    await deliver(handler, recordsOf(ids['warm-busy']), { batchSize: BATCH_SIZE });
    await debitEachEvent(ctx, ids['warm-per-event'], itemsOf(ids['warm-per-event']));

    const batchedSlices = slices(busyRecords, ROUNDS);
    const alertingSlices = slices(alertingRecords, ROUNDS);
    const perEventSlices = slices(itemsOf(ids['per-event']), ROUNDS);
    const transactionSlices = slices(itemsOf(ids['transaction-only']), ROUNDS);
    const ms = { batched: 0, alerting: 0, perEvent: 0, transactionOnly: 0 };
    let retries = 0;
    for (let r = 0; r < ROUNDS; r++) {
      ms.batched += await timeMs(async () => { retries += (await deliver(handler, batchedSlices[r]!, { batchSize: BATCH_SIZE })).failures.length; });
      ms.alerting += await timeMs(async () => { retries += (await deliver(handler, alertingSlices[r]!, { batchSize: BATCH_SIZE })).failures.length; });
      ms.perEvent += await timeMs(() => debitEachEvent(ctx, ids['per-event'], perEventSlices[r]!));
      ms.transactionOnly += await timeMs(() => transactEachEvent(ctx, ids['transaction-only'], transactionSlices[r]!));
    }
    await check(ctx, ids.busy, sent.busy);
    await check(ctx, ids.alerting, sent.alerting);
    const alertEvents = await checkAlertEvents(ctx, ids.alerting);
    await check(ctx, ids['per-event'], sent.perEvent);
    await check(ctx, ids['transaction-only'], sent.transactionOnly);

    const rate = (events: number, elapsed: number) => (events * 1000) / elapsed;
    const batched = rate(EVENTS, ms.batched);
    const alerting = rate(EVENTS, ms.alerting);
    const perEvent = rate(BASELINE_EVENTS, ms.perEvent);
    const transactionOnly = rate(TRANSACTION_ONLY_EVENTS, ms.transactionOnly);
    note(`debit: ${EVENTS} events in ${EVENTS / BATCH_SIZE} stream batches of ${BATCH_SIZE}: ${(ms.batched / 1000).toFixed(1)} s${retries ? ` (${retries} batch retries)` : ''}`);
    note(`debit: per-event debit ${whole(perEvent)} events/s (${BASELINE_EVENTS} events, ${(ms.perEvent / 1000).toFixed(1)} s); `
      + `per-event transaction alone ${whole(transactionOnly)} events/s (${TRANSACTION_ONLY_EVENTS} events): ${(batched / transactionOnly).toFixed(1)}x`);
    note(`debit: with alert rules: ${EVENTS} events, ${alertEvents} events written, ${(ms.alerting / 1000).toFixed(1)} s`);
    return `bench debit: ${whole(batched)} events/s; ${(batched / perEvent).toFixed(1)}x vs per-event-transaction\n`
      + `bench debit-events: ${whole(alerting)} events/s with alert rules that fire; ${(alerting / batched).toFixed(2)}x vs no rules`;
  });
}

runAlone(module, benchDebit);
