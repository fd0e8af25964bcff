/**
 * The outbox on DynamoDB Local: every committed change has exactly one event, in its own transaction
 * (a failed or cancelled change has none), numbered in order per project, with an id derived from its
 * cause; alerts fire once per crossing under concurrency and retries; the spend cap limits authorize.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { putAlertRules } from '../../shared/billing/alerts';
import { authorizeCall } from '../../shared/billing/authorize-call';
import { chargeThrough } from '../../shared/billing/charge-through';
import { recordPayment } from '../../shared/billing/payments';
import { eventsOf } from '../../shared/billing/project-views';
import { addNumber, changeProduct, movePlan, removeNumber } from '../../shared/billing/timeline-changes';
import { storeContext } from '../../shared/store/context';
import { eventIdOf } from '../../shared/store/events';
import { billingEnv, newProject, project, useCalls } from '../support/billing';
import { projectEvents } from '../support/events';
import { faultyDoc, hardFailure } from '../support/faulty-doc';
import { createPlan } from '../../shared/billing/plans';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });
const ctx = () => storeContext();
/** A Lviv landline: 1.80 per started minute in the default plan. */
const LVIV = '+380321234567';

/** Sequences must be 1..n with no repeats, ids unique. */
function expectWellFormed(events: { sequence: number; eventId: string }[]): void {
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
}

describe('one event per committed change', () => {
  it('writes each change its event, in order, with its data', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01' });
    await recordPayment(ctx(), id, `e1-${id}`, 50_000);
    await recordPayment(ctx(), id, `e1-${id}`, 50_000); // a repeat: no second event
    await changeProduct(ctx(), id, { productId: 'telephony', enabled: true, seats: 5 }, {});
    await addNumber(ctx(), id, `+38044${id.slice(-7).replace(/\D/g, '1').padStart(7, '1')}`, 'local', {});
    const number = (await projectEvents(id)).at(-1)!;
    await removeNumber(ctx(), id, (number.data as { number: string }).number, {});
    await chargeThrough(ctx(), id, '2026-03-09');
    const events = await projectEvents(id);
    expectWellFormed(events);
    expect(events.slice(0, 4).map((e) => e.type)).toEqual(['payment.received', 'product.changed', 'number.added', 'number.removed']);
    expect(events[0]).toMatchObject({ projectId: id, data: { paymentId: `e1-${id}`, amount: 50_000, balance: 50_000 }, eventId: eventIdOf(id, `payment#e1-${id}`) });
    expect(events[1]!.data).toMatchObject({ productId: 'telephony', enabled: true, seats: 5, effectiveAt: '2026-03-10T10:00:00.000Z' });
    // Nine days charged (03-01..03-09), one day.charged each, amounts as the ledger says.
    const days = events.filter((e) => e.type === 'day.charged');
    expect(days.map((e) => (e.data as { date: string }).date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
    expect(days.at(-1)!.data).toMatchObject({ balance: (await project(id)).balance, telecomTotal: 0 });
  });

  it('writes nothing for a change that fails, and the event for one whose answer was lost', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01' });
    const failing = faultyDoc(env.doc, (cmd) => (cmd.name === 'TransactWriteCommand' ? { before: hardFailure() } : undefined));
    await expect(recordPayment(storeContext({ doc: failing }), id, `lost-${id}`, 1_000)).rejects.toThrow();
    expect(await projectEvents(id)).toEqual([]);
    // Committed, then the answer lost: the commit finds its receipt, and the client's retry replays.
    let once = true;
    const losing = faultyDoc(env.doc, (cmd) => (cmd.name === 'TransactWriteCommand' && once ? ((once = false), { after: hardFailure() }) : undefined));
    expect((await recordPayment(storeContext({ doc: losing }), id, `late-${id}`, 1_000)).status).toBe(201);
    expect((await recordPayment(ctx(), id, `late-${id}`, 1_000)).status).toBe(200);
    expect((await projectEvents(id)).map((e) => e.type)).toEqual(['payment.received']);
  });

  it('numbers events uniquely when payments, debits and changes race on one project', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01' });
    await putAlertRules(ctx(), id, { balanceBelow: [90_000, 50_000, 10_000] });
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => recordPayment(ctx(), id, `race-${id}-${i}`, 10_000)),
      ...Array.from({ length: 6 }, (_, i) => changeProduct(ctx(), id, { productId: 'callback', enabled: i % 2 === 0 }, {})),
      useCalls(id, Array.from({ length: 30 }, (_, i) => ({ occurredAt: `2026-03-10T0${i % 9}:00:00Z`, durationSec: 600 }))),
    ]);
    const events = await projectEvents(id);
    expectWellFormed(events);
    expect(events.filter((e) => e.type === 'payment.received')).toHaveLength(12);
    expect(events.filter((e) => e.type === 'product.changed')).toHaveLength(6);
    expect((await project(id)).eventSeq).toBe(events.length);
  });

  it('writes plan.changed with the move', async () => {
    env.at('2026-03-10T10:00:00Z');
    const planId = `ev-plan-${Date.now()}`;
    await createPlan(ctx(), { planId, name: 'Events plan', currency: 'UAH', products: DEFAULT_PLAN.products, numbers: DEFAULT_PLAN.numbers, multiProductDiscounts: DEFAULT_PLAN.multiProductDiscounts, tariff: DEFAULT_PLAN.tariff });
    const id = await newProject({ billingStartDate: '2026-03-01' });
    await movePlan(ctx(), id, planId);
    expect((await projectEvents(id)).map((e) => [e.type, e.data])).toEqual([['plan.changed', { planId, effectiveFrom: '2026-03-11' }]]);
  });
});

describe('alerts', () => {
  it('fires balance.low once per crossing across debits and re-arms after a payment', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 10_000 });
    await putAlertRules(ctx(), id, { balanceBelow: [5_000] });
    // 10-minute calls to Lviv at 1.80/min: 1,800 each.
    for (let i = 0; i < 5; i++) await useCalls(id, [{ occurredAt: `2026-03-10T0${i}:00:00Z`, durationSec: 600, destination: LVIV }]);
    await recordPayment(ctx(), id, `rearm-${id}`, 20_000);
    for (let i = 5; i < 9; i++) await useCalls(id, [{ occurredAt: `2026-03-10T0${i}:00:00Z`, durationSec: 600, destination: LVIV }]);
    const low = (await projectEvents(id)).filter((e) => e.type === 'balance.low').map((e) => e.data);
    // 10,000 → 8,200 → 6,400 → 4,600 (fires) → 2,800 → 1,000; +20,000 = 21,000 → 19,200 → … → 13,800: no second crossing.
    expect(low).toEqual([{ balance: 4_600, threshold: 5_000 }]);
  });

  it('stops calls at the daily spend cap, writes spend_cap.reached once, and never authorizes past it', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 1_000_000 });
    await putAlertRules(ctx(), id, { dailySpendCap: 5_000 });
    // 1.80/min to Lviv, 60 s blocks: 5,000 allows 27 minutes (4,860).
    expect(await authorizeCall(ctx(), id, 'outgoing_call', LVIV)).toEqual({ allowed: true, maxDurationSec: 27 * 60 });
    await useCalls(id, [{ occurredAt: '2026-03-10T08:00:00Z', durationSec: 20 * 60, destination: LVIV }]); // 3,600
    expect((await authorizeCall(ctx(), id, 'outgoing_call', LVIV)).maxDurationSec).toBe(7 * 60);
    await useCalls(id, [{ occurredAt: '2026-03-10T08:30:00Z', durationSec: 10 * 60, destination: LVIV }]); // 5,400 ≥ 5,000
    expect(await authorizeCall(ctx(), id, 'outgoing_call', LVIV)).toEqual({ allowed: false, maxDurationSec: 0, reason: 'daily_spend_cap' });
    expect(await authorizeCall(ctx(), id, 'sms', '+380501234567')).toEqual({ allowed: false, maxDurationSec: 0, reason: 'daily_spend_cap' });
    // Usage that still arrives is debited; the cap fires once.
    await useCalls(id, [{ occurredAt: '2026-03-10T09:00:00Z', durationSec: 60, destination: LVIV }]);
    const cap = (await projectEvents(id)).filter((e) => e.type === 'spend_cap.reached');
    expect(cap.map((e) => e.data)).toEqual([{ date: '2026-03-10', telecomTotal: 5_400, cap: 5_000 }]);
    // The next billing day starts afresh.
    env.at('2026-03-11T10:00:00Z');
    expect((await authorizeCall(ctx(), id, 'outgoing_call', LVIV)).allowed).toBe(true);
  });

  it('fires runway.low after a night once, and again only after the runway was long', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 20_000 });
    await putAlertRules(ctx(), id, { runwayDays: 10 });
    await changeProduct(ctx(), id, { productId: 'calltracking', enabled: true }, { effectiveAt: '2026-03-01T00:00:00+02:00' });
    // Call tracking 799.00/month = about 25.77 a day: 20,000 last about 7 days.
    await chargeThrough(ctx(), id, '2026-03-09');
    await chargeThrough(ctx(), id, '2026-03-09');
    const runway = (await projectEvents(id)).filter((e) => e.type === 'runway.low');
    expect(runway).toHaveLength(1);
    expect(runway[0]!.data).toMatchObject({ days: expect.any(Number) });
    expect((runway[0]!.data as { days: number }).days).toBeLessThanOrEqual(10);
    await recordPayment(ctx(), id, `long-${id}`, 1_000_000);
    env.at('2026-03-11T10:00:00Z');
    await chargeThrough(ctx(), id, '2026-03-10');
    expect((await project(id)).alertState?.runwayLow).toBe(false);
  });
});

describe('the feed', () => {
  it('pages in sequence order with an opaque cursor, filters by type, refuses forged cursors', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01' });
    for (let i = 0; i < 7; i++) await recordPayment(ctx(), id, `feed-${id}-${i}`, 100 + i);
    await changeProduct(ctx(), id, { productId: 'callback', enabled: true }, {});
    const first = await eventsOf(ctx(), id, { limit: 3 });
    expect(first.events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    const second = await eventsOf(ctx(), id, { limit: 3, after: first.nextCursor! });
    expect(second.events.map((e) => e.sequence)).toEqual([4, 5, 6]);
    const last = await eventsOf(ctx(), id, { limit: 3, after: second.nextCursor! });
    expect(last).toMatchObject({ nextCursor: null });
    expect(last.events.map((e) => e.sequence)).toEqual([7, 8]);
    expect((await eventsOf(ctx(), id, { type: 'product.changed' })).events.map((e) => e.sequence)).toEqual([8]);
    await expect(eventsOf(ctx(), id, { after: 'c2VxOi0x' })).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
    await expect(eventsOf(ctx(), 'no-such-project', {})).rejects.toMatchObject({ status: 404 });
  });
});
