/**
 * The model test's commands for events, alerts and webhooks (docs/api.md "Events, webhooks and
 * alerts"): alert rules put on random projects, webhook endpoints made (with and without a `types`
 * filter) whose receivers succeed, fail with a 5xx, time out, or process and answer too late (so the
 * same event reaches them twice), the Events stream handed to the outbox relay like the usage stream
 * to the debit (whole, partial, raced, redelivered), and the delivery queue run with SQS's delays,
 * visibility timeouts and duplicates, the clock moved so retries come due. What the steps wrote is
 * checked by the step itself (event-checks.ts); what the webhooks got, at the end of the run.
 */
import { isDeepStrictEqual } from 'node:util';
import * as fc from 'fast-check';
import { handler as createWebhookHandler } from '../../functions/api/create-webhook';
import { handler as putAlerts } from '../../functions/api/put-alerts';
import { EVENT_TYPES, normalizeRules, type AlertRulesInput, type EventType } from '../../shared/domain/events';
import { storeContext } from '../../shared/store/context';
import { listWebhookItems, secretContext } from '../../shared/store/webhooks';
import { expectThat, ModelMismatch } from './checks';
import type { Scale, StreamMode } from './commands';
import { checkEventsEnd, markModel, observeEvents, type EventTally } from './event-checks';
import type { StepFaults } from './faults';
import type { Model } from './model';
import { RECEIVER_MODES, type ReceiverMode } from './receivers';
import { applyInterleaved, faultsArb, hasProject, MoneylessStep, statusIn, tick } from './step';
import type { DeliveryQueueMode, World } from './world';

const MIN = 60_000;

// --- alert rules

/**
 * Rules as generated: thresholds as distances below the balance when they are put (negative: above
 * it), and the cap as a distance above today's calls, so that crossings come soon. null: rule off.
 */
export interface AlertSpec {
  below: number[] | null;
  runwayDays: number | null;
  capAbove: number | null;
}

export class PutAlerts extends MoneylessStep {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly spec: AlertSpec) {
    super(faults, tickSec);
  }

  override check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  override get setsRules(): boolean {
    return true;
  }

  protected describe(): string {
    const s = this.spec;
    return `putAlerts(project #${this.projectIdx}, balanceBelow ${s.below ? `balance - [${s.below.join(', ')}]` : 'off'}, runwayDays ${s.runwayDays ?? 'off'}, dailySpendCap ${s.capAbove !== null ? `today + ${s.capAbove}` : 'off'})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const p = m.project(this.projectIdx);
    const balance = m.balance(p);
    const today = m.telecomByDay(p).get(w.today)?.total ?? 0;
    const body: AlertRulesInput = {
      balanceBelow: this.spec.below?.map((d) => balance - d) ?? null,
      runwayDays: this.spec.runwayDays,
      dailySpendCap: this.spec.capAbove === null ? null : Math.max(1, today + this.spec.capAbove),
    };
    const route = 'PUT /projects/{projectId}/alerts';
    const r = await w.http(putAlerts, route, { params: { projectId: p.projectId }, body });
    statusIn(r, [200], route);
    const rules = normalizeRules(body);
    expectThat(isDeepStrictEqual(r.answer.body, rules), () => `${route} answered ${JSON.stringify(r.answer.body)}, expected ${JSON.stringify(rules)}`);
    p.rules = rules;
  }
}

// --- webhooks

export class CreateWebhook extends MoneylessStep {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly types: EventType[] | null, readonly mode: ReceiverMode, private readonly maxPerProject: number) {
    super(faults, tickSec);
  }

  override check(m: Readonly<Model>): boolean {
    if (!hasProject(m)) return false;
    const p = m.projects[this.projectIdx % m.projects.length]!;
    return m.webhooks.filter((h) => h.projectIdx === p.idx).length < this.maxPerProject;
  }

  protected describe(): string {
    return `createWebhook(project #${this.projectIdx}, ${this.types ? this.types.join('|') : 'every type'}, receiver ${this.mode})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const p = m.project(this.projectIdx);
    const ctx = storeContext({ doc: w.raw });
    const before = new Set((await listWebhookItems(ctx, p.projectId)).map((i) => i.webhookId));
    const url = `https://hooks.example.com/p${p.idx}/h${m.webhooks.length}`;
    const route = 'POST /projects/{projectId}/webhooks';
    // A client that retries sends an Idempotency-Key: a retry after a lost answer then makes no second endpoint.
    const headers = { 'Idempotency-Key': `hook-${p.idx}-${m.webhooks.length}-${w.steps}` };
    const r = await w.http(createWebhookHandler, route, { params: { projectId: p.projectId }, headers, body: { url, ...(this.types ? { types: this.types } : {}) } });
    statusIn(r, [201], route);
    const answer = r.answer.body as { webhookId: string; url: string; types: EventType[]; secret: string };
    const types = this.types ? [...new Set(this.types)] : null;
    expectThat(answer.url === url && isDeepStrictEqual(answer.types, types ?? [...EVENT_TYPES]), () => `${route} answered ${JSON.stringify({ ...answer, secret: '…' })}`);
    const made = (await listWebhookItems(ctx, p.projectId)).filter((i) => !before.has(i.webhookId));
    expectThat(made.some((i) => i.webhookId === answer.webhookId), () => `${route} answered ${answer.webhookId}, which is not stored`);
    expectThat(made.length === 1, () => `${route} made ${made.length} endpoints in ${r.attempts} attempts${r.ambiguous ? ' (ambiguous)' : ''}`);
    for (const item of made.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))) {
      const secret = await w.secrets.open(item.sealedSecret, secretContext(item));
      if (item.webhookId === answer.webhookId) expectThat(secret === answer.secret, `${route}: the secret shown is not the one stored`);
      expectThat(item.url === url && isDeepStrictEqual(item.types, types) && item.status === 'enabled', () => `${route} stored ${JSON.stringify({ ...item, sealedSecret: '…' })}`);
      w.faults.aliasWebhook(item.webhookId);
      w.receivers.register(url, item.webhookId, secret, this.mode);
      m.webhooks.push({ projectIdx: p.idx, webhookId: item.webhookId, url, types, firstCursor: item.cursor, secret });
    }
  }
}

/** A receiver changes how it answers (it goes down, times out, comes back). */
export class SetReceiver extends MoneylessStep {
  constructor(faults: StepFaults, tickSec: number, readonly hook: number, readonly mode: ReceiverMode) {
    super(faults, tickSec);
  }

  override check(m: Readonly<Model>): boolean {
    return m.webhooks.length > 0;
  }

  protected describe(): string {
    return `setReceiver(webhook #${this.hook}, ${this.mode})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    w.receivers.setMode(m.webhooks[this.hook % m.webhooks.length]!.url, this.mode);
  }
}

// --- the Events stream and the delivery queue

/** The Events stream to the outbox relay, as DeliverStream does with the usage stream to the debit. */
export class RelayEvents extends MoneylessStep {
  constructor(faults: StepFaults, tickSec: number, readonly mode: StreamMode, readonly batchSize: number, readonly fraction: number, readonly from: number, readonly length: number) {
    super(faults, tickSec);
  }

  protected describe(): string {
    return `relayEvents(${this.mode}, batches of ${this.batchSize}${this.mode === 'prefix' ? `, ${this.fraction}%` : ''}${this.mode === 'redeliver' ? `, again from ${this.from} x${this.length}` : ''})`;
  }

  protected async act(_m: Model, w: World): Promise<void> {
    await w.outbox.read(w.book.ids());
    const records = w.outbox.take(Math.floor((w.outbox.pending.length * (this.mode === 'prefix' ? this.fraction : 100)) / 100));
    if (this.mode === 'race') {
      const half = Math.floor(records.length / 2);
      await Promise.all([
        w.deliver(records, { batchSize: this.batchSize, tag: 'a', consumer: 'relay' }),
        w.deliver([...records.slice(half), ...records.slice(0, half)], { batchSize: Math.max(1, 101 - this.batchSize), tag: 'b', consumer: 'relay' }),
      ]);
    } else {
      await w.deliver(records, { batchSize: this.batchSize, tag: 'a', consumer: 'relay' });
    }
    if (this.mode === 'redeliver' && w.outbox.delivered.length > 0) {
      // An old batch again (a retried shard): every consumer must take it as a duplicate.
      const start = this.from % w.outbox.delivered.length;
      await w.deliver(w.outbox.delivered.slice(start, start + this.length), { batchSize: this.batchSize, tag: 'again', consumer: 'relay' });
    }
  }
}

/** The delivery function on the messages due now, the clock moved up to `horizonMin` ahead as later ones come due. */
export class RunDeliveries extends MoneylessStep {
  constructor(faults: StepFaults, tickSec: number, readonly mode: DeliveryQueueMode, readonly horizonMin: number, private readonly maxInvocations: number) {
    super(faults, tickSec);
  }

  protected describe(): string {
    return `runDeliveries(${this.mode}${this.horizonMin > 0 ? `, up to ${this.horizonMin} min ahead` : ''})`;
  }

  protected async act(_m: Model, w: World): Promise<void> {
    await w.runDeliveries({ tag: 'd', mode: this.mode, horizonMs: this.horizonMin * MIN, maxInvocations: this.maxInvocations });
  }
}

// --- arbitraries

const eventTypes: fc.Arbitrary<EventType[] | null> = fc.option(fc.subarray([...EVENT_TYPES], { minLength: 1, maxLength: 8 }), { freq: 2 });
const receiverMode: fc.Arbitrary<ReceiverMode> = fc.constantFrom<ReceiverMode>('ok', 'ok', ...RECEIVER_MODES);
/** Mostly a few calls or a day's charge away (minor units), sometimes far, sometimes already crossed. */
const distance = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 4 }, { arbitrary: fc.integer({ min: 5_000, max: 100_000 }), weight: 1 }, { arbitrary: fc.integer({ min: -5_000, max: -1 }), weight: 1 });
const alertSpec: fc.Arbitrary<AlertSpec> = fc.record({
  below: fc.option(fc.array(distance, { minLength: 1, maxLength: 4 }), { freq: 5 }),
  runwayDays: fc.option(fc.integer({ min: 1, max: 60 }), { freq: 2 }),
  // A day's calls run to a few thousand: a cap is mostly reached within the day (and again on later ones).
  capAbove: fc.option(fc.oneof({ arbitrary: fc.integer({ min: 1, max: 1_500 }), weight: 4 }, { arbitrary: fc.integer({ min: 1_500, max: 20_000 }), weight: 1 }), { freq: 2 }),
});

/** PUT /projects/{id}/alerts for a random project. */
export function putAlertsArb(scale: Scale): fc.Arbitrary<PutAlerts> {
  return fc.tuple(faultsArb(scale), tick, fc.nat(), alertSpec).map(([faults, t, p, spec]) => new PutAlerts(faults, t, p, spec));
}

/** POST /projects/{id}/webhooks for a random project. */
export function createWebhookArb(scale: Scale): fc.Arbitrary<CreateWebhook> {
  return fc.tuple(faultsArb(scale), tick, fc.nat(), eventTypes, receiverMode).map(([faults, t, p, types, mode]) => new CreateWebhook(faults, t, p, types, mode, scale.maxWebhooks));
}

/** The event commands, weighted, for commandArbs. */
export function eventCommandArbs(scale: Scale): { arbitrary: fc.Arbitrary<fc.AsyncCommand<Model, World>>; weight: number }[] {
  const f = faultsArb(scale);
  const weighted = [
    { arbitrary: putAlertsArb(scale), weight: 2 },
    { arbitrary: createWebhookArb(scale), weight: 1 },
    { arbitrary: fc.tuple(f, tick, fc.nat(), receiverMode).map(([faults, t, hook, mode]) => new SetReceiver(faults, t, hook, mode)), weight: 1 },
    {
      arbitrary: fc.tuple(f, tick, fc.constantFrom<StreamMode>('all', 'all', 'prefix', 'race', 'redeliver'), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.nat(), fc.integer({ min: 1, max: 60 }))
        .map(([faults, t, mode, size, fraction, from, length]) => new RelayEvents(faults, t, mode, size, fraction, from, length)),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(f, tick, fc.constantFrom<DeliveryQueueMode>('plain', 'plain', 'dup-batch', 'dup-again', 'dup-concurrent', 'shuffled'), fc.constantFrom(0, 1, 10, 60, 6 * 60))
        .map(([faults, t, mode, horizon]) => new RunDeliveries(faults, t, mode, horizon, scale.deliveryInvocations)),
      weight: 2,
    },
  ];
  return weighted.map((x) => ({ ...x, weight: x.weight * scale.eventWeight }));
}

// --- the end of a run

/**
 * After the usage stream settled (its debits may have written alerts: `mark` is the model before it):
 * the events it wrote are observed, every event is relayed, the queue is run for 10 minutes with the
 * receivers as they are (the first attempts and retries meet them failing), then they are healthy
 * again, drain messages in the dead-letter queue are redriven (the operator's move when its alarm goes
 * off), and the queue is run until empty, the clock moving as retries come due; all under faults.
 * Then the end checks (event-checks.ts checkEventsEnd).
 */
export async function settleEvents(m: Model, w: World, mark: ReturnType<typeof markModel>, faults: StepFaults, scale: Scale): Promise<EventTally> {
  await observeEvents(m, w, mark, { what: 'settle', setsRules: false, runwaySwing: false });
  w.beginStep();
  w.faults.beginStep(faults);
  try {
    await w.outbox.read(w.book.ids());
    await w.deliver(w.outbox.take(w.outbox.pending.length), { batchSize: 100, tag: 'settle', consumer: 'relay' });
    await w.runDeliveries({ tag: 'settle', mode: 'plain', horizonMs: 10 * MIN, maxInvocations: scale.deliveryInvocations });
    w.receivers.healAll();
    for (let round = 0; w.queue.length > 0 || w.deadLetters.length > 0; round++) {
      if (round > 20) throw new ModelMismatch([`the delivery queue does not empty: ${w.queue.length} messages, ${w.deadLetters.length} dead-lettered, e.g. ${JSON.stringify((w.queue[0] ?? w.deadLetters[0])?.message)}`]);
      const redriven = w.deadLetters.splice(0).map((q) => ({ ...q, receives: 0, visibleAt: w.clock }));
      w.redriven += redriven.length;
      w.queue.push(...redriven);
      await w.runDeliveries({ tag: `settle${round}`, mode: 'plain', horizonMs: 40 * 24 * 60 * MIN, maxInvocations: 5_000 });
    }
  } finally {
    w.faults.endStep();
  }
  applyInterleaved(m, w);
  return checkEventsEnd(m, w);
}
