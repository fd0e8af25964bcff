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
import { addDays, startOfDay, type BillingDay } from '../shared/domain/billing-days';
import { emptySnapshot, foldChanges } from '../shared/domain/timeline-snapshot';
import type { TimelineChange } from '../shared/domain/types';
import type { StoreContext } from '../shared/store/context';
import { chargeShardOf, keys } from '../shared/store/keys';
import { note, putAll, runAlone, timeMs, whole, withDynamo } from './harness';
import { projectsToChargePage } from '../shared/store/charge-index';
import { utcIso } from '../shared/domain/timeline-snapshot';
import { mapLimit } from '../shared/concurrency';
import { usageItemOf } from '../shared/store/usage';

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
function changesOf(kind: Kind, p: number): TimelineChange[] {
  const out: TimelineChange[] = [];
  if (kind === 'history1') {
    out.push(
      { kind: 'product', at: at(NIGHT, 9), productId: 'telephony', enabled: true, seats: 4 },
      { kind: 'product', at: at(NIGHT, 9, 1), productId: 'calltracking', enabled: true },
      { kind: 'number', at: at(NIGHT, 9, 2), number: num(p, 0), numberType: 'local', held: true },
      { kind: 'number', at: at(NIGHT, 12), number: num(p, 1), numberType: 'local', held: true },
      { kind: 'number', at: at(NIGHT, 15), number: num(p, 0), numberType: 'local', held: false },
    );
  } else {
    const first = addDays(NIGHT, -(HISTORY_DAYS - 1));
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
function projectItems(kind: Kind, p: number): { projectId: string; items: Record<string, unknown>[]; usage: Record<string, unknown>[] } {
  const projectId = `prj_bench_${kind}_${p}`;
  const changes = changesOf(kind, p);
  const billingStartDate = kind === 'history1' ? NIGHT : addDays(NIGHT, -(HISTORY_DAYS - 1));
  const createdAt = utcIso(startOfDay(billingStartDate, ZONE));
  const items: Record<string, unknown>[] = changes.map((c, i) => ({ ...keys.change(projectId, c.at, `u${i}`), ...c, projectId, createdAt }));
  if (kind === 'history30') {
    // The state after every change before D's first instant: what the charge of D-1 stored.
    const before = changes.filter((c) => Date.parse(c.at) < startOfDay(NIGHT, ZONE));
    items.push({ ...keys.snapshot(projectId), projectId, asOf: addDays(NIGHT, -1), state: foldChanges(emptySnapshot(), before) });
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
    chargedThrough: addDays(NIGHT, -1),
    chargeShard: chargeShardOf(projectId),
    // Each change and each charged day bumped it once.
    version: changes.length + (kind === 'history30' ? HISTORY_DAYS - 1 : 0),
    timelineRev: changes.length,
    createdAt,
  });
  // Some usage was debited on D: its 17 events (the close aggregates them for the usage report) and their open telecom total.
  const usage = Array.from({ length: 17 }, (_, i) => usageItemOf(ZONE, {
    eventId: `${projectId}-ev${i}`, projectId, kind: 'outgoing_call', destination: '+380441234567', occurredAt: at(NIGHT, 10, i),
    durationSec: 250, cost: i === 16 ? 200 + p : 250, prefix: '38044', country: 'UA',
  }, createdAt) as unknown as Record<string, unknown>);
  items.push({ ...keys.telecom(projectId, NIGHT), total: 4_200 + p, events: 17 });
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
async function chargeNight(projectIds: readonly string[]): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < projectIds.length; i += SQS_BATCH) batches.push(projectIds.slice(i, i + SQS_BATCH));
  await mapLimit(batches, INVOCATIONS, async (batch) => {
    const out = await chargeDay(sqsEvent(batch, NIGHT));
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
    return `bench nightly: ${whole(rate('history30'))} projects/s; ${(ms.history30 / ms.history1).toFixed(2)}x cost 30-day-history vs 1-day-history`;
  });
}

runAlone(module, benchNightly);
