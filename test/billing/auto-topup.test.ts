/**
 * Auto top-up (docs/api.md "Auto top-up") on DynamoDB Local through the handlers and the real debit:
 * requested by the move that crosses `below`, one outstanding at most, settled by the payment whose
 * paymentId is the topupId or by a failure report, the month's limit with topup.limit_reached once,
 * three failures in a row disabling the rule; under lost answers and concurrent debits.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createAdjustment } from '../../functions/api/create-adjustment';
import { handler as createPayment } from '../../functions/api/create-payment';
import { handler as failTopup } from '../../functions/api/fail-topup';
import { handler as getAutoTopup } from '../../functions/api/get-auto-topup';
import { handler as putAutoTopup } from '../../functions/api/put-auto-topup';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import type { UsageEvent } from '../../shared/domain/usage';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { usageItemOf } from '../../shared/store/usage';
import { billingEnv, newProject, project } from '../support/billing';
import { projectEvents } from '../support/events';
import { faultyDoc, timeout, touchesProject, type Injection, type SentCommand } from '../support/faulty-doc';
import { ADMIN, call, projectAuth } from '../support/http';

let env: Awaited<ReturnType<typeof billingEnv>>;
let armed: { match: (cmd: SentCommand) => boolean; fault: Injection; fired: number; times: number } | undefined;
beforeAll(async () => {
  env = await billingEnv('2026-03-10T10:00:00Z');
  setRuntime({
    doc: faultyDoc(env.doc, (cmd) => {
      if (!armed || armed.fired >= armed.times || !armed.match(cmd)) return undefined;
      armed.fired++;
      return armed.fault;
    }),
  });
});
beforeEach(() => { armed = undefined; env.at('2026-03-10T10:00:00Z'); });

const ctx = () => storeContext();
const rater = raterFor(DEFAULT_PLAN.tariff);
let seq = 0;

/** Debits `n` SMS of `segments` each now; returns their cost. */
async function spend(projectId: string, n: number, segments = 10): Promise<number> {
  const events = Array.from({ length: n }, () => {
    const e: UsageEvent = { eventId: `tu-${projectId}-${++seq}`, projectId, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T09:00:00+02:00', segments };
    return { ...e, cost: rater.rate(e) };
  });
  await storeUsage(ctx(), events);
  const c = ctx();
  await debitProject(c, projectId, events.map((e) => usageItemOf(c.zone, e, new Date(c.now()).toISOString())));
  return events.reduce((s, e) => s + e.cost, 0);
}
const put = (p: string, body: unknown) => call(putAutoTopup, 'PUT /projects/{projectId}/auto-topup', { auth: projectAuth(p), params: { projectId: p }, body });
const get = async (p: string) => (await call(getAutoTopup, 'GET /projects/{projectId}/auto-topup', { auth: projectAuth(p), params: { projectId: p } })).body;
const pay = (p: string, paymentId: string, amount: number) => call(createPayment, 'POST /projects/{projectId}/payments', { auth: ADMIN, params: { projectId: p }, body: { paymentId, amount } });
const fail = (p: string, topupId: string, reason = 'card declined') => call(failTopup, 'POST /projects/{projectId}/topups/{topupId}/failed', { auth: ADMIN, params: { projectId: p, topupId }, body: { reason } });
const adjust = (p: string, id: string, amount: number) => call(createAdjustment, 'POST /projects/{projectId}/adjustments', { auth: ADMIN, params: { projectId: p }, body: { adjustmentId: id, amount, description: 'test' } });
const ofType = async (p: string, type: string) => (await projectEvents(p)).filter((e) => e.type === type);

describe('auto top-up', () => {
  it('is requested once by the move that crosses below, settled by the payment with its id, then requested again on the next crossing', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 2000 });
    expect(await get(p)).toBeNull();
    const rule = await put(p, { below: 1000, amount: 5000, monthlyLimit: 20_000 });
    expect(rule.status).toBe(200);
    expect(rule.body).toEqual({ below: 1000, amount: 5000, monthlyLimit: 20_000, status: 'active', outstanding: null, requestedThisMonth: 0 });
    await adjust(p, 'a1', -500); // 1500: not below
    expect(await ofType(p, 'topup.requested')).toHaveLength(0);
    await adjust(p, 'a2', -600); // 900: crosses
    await adjust(p, 'a3', -100); // 800: still below, one outstanding
    const [requested] = await ofType(p, 'topup.requested');
    expect(await ofType(p, 'topup.requested')).toHaveLength(1);
    expect(requested!.data).toMatchObject({ amount: 5000, balance: 900, below: 1000 });
    const topupId = (requested!.data as { topupId: string }).topupId;
    expect((await get(p)).outstanding).toMatchObject({ topupId, amount: 5000 });
    expect((await get(p)).requestedThisMonth).toBe(5000);

    expect((await pay(p, topupId, 5000)).status).toBe(201);
    expect((await pay(p, topupId, 5000)).status).toBe(200);
    const received = (await ofType(p, 'payment.received')).find((e) => (e.data as { paymentId: string }).paymentId === topupId)!;
    expect(received.data).toMatchObject({ topupId, amount: 5000, balance: 5800 });
    expect((await get(p)).outstanding).toBeNull();
    expect((await fail(p, topupId)).body.error.code).toBe('topup_settled');

    await spend(p, 1, 1); // a small debit, still above
    await adjust(p, 'a4', -5000); // 800 minus the SMS: crosses again
    expect(await ofType(p, 'topup.requested')).toHaveLength(2);
  });

  it('requests the next at once when a settled one leaves the balance below; the month limit refuses with topup.limit_reached once', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 1000 });
    await put(p, { below: 1000, amount: 3000, monthlyLimit: 7000 });
    await adjust(p, 'big', -10_000); // -9000: request 1 (3000)
    const first = (await ofType(p, 'topup.requested'))[0]!.data as { topupId: string };
    await pay(p, first.topupId, 3000); // -6000: still below, request 2 (6000 this month)
    const requested = await ofType(p, 'topup.requested');
    expect(requested).toHaveLength(2);
    const second = requested[1]!.data as { topupId: string; balance: number };
    expect(second.balance).toBe(-6000);
    await pay(p, second.topupId, 3000); // -3000: still below; 9000 > 7000: refused
    expect(await ofType(p, 'topup.requested')).toHaveLength(2);
    expect((await ofType(p, 'topup.limit_reached')).map((e) => e.data)).toEqual([{ month: '2026-03', monthlyLimit: 7000 }]);
    await adjust(p, 'up', 10_000);
    await adjust(p, 'down', -10_000);
    expect(await ofType(p, 'topup.limit_reached')).toHaveLength(1);
    expect((await get(p)).requestedThisMonth).toBe(6000);
    // A new month: the limit starts again.
    env.at('2026-04-02T10:00:00Z');
    await adjust(p, 'up2', 10_000);
    await adjust(p, 'down2', -10_000);
    expect(await ofType(p, 'topup.requested')).toHaveLength(3);
    expect((await get(p)).requestedThisMonth).toBe(3000);
  });

  it('three failures in a row disable the rule; a repeated report answers the first; a PUT enables it again', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 0 });
    await put(p, { below: 1000, amount: 2000, monthlyLimit: 100_000 });
    await adjust(p, 'first', 500); // 500: not from >= below, nothing
    expect(await ofType(p, 'topup.requested')).toHaveLength(0);
    await adjust(p, 'up', 1000);
    await adjust(p, 'down', -1000); // crosses
    for (let i = 1; i <= 3; i++) {
      const reqs = await ofType(p, 'topup.requested');
      expect(reqs).toHaveLength(i); // each failure leaves the balance below: the next is requested at once, until disabled
      const topupId = (reqs[i - 1]!.data as { topupId: string }).topupId;
      const r = await fail(p, topupId);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ topupId, status: 'failed' });
      expect((await fail(p, topupId)).status).toBe(200);
      expect((await fail(p, topupId, 'another reason')).body.error.code).toBe('idempotency_conflict');
    }
    expect(await ofType(p, 'topup.requested')).toHaveLength(3);
    expect(await ofType(p, 'topup.failed')).toHaveLength(3);
    expect((await ofType(p, 'topup.disabled')).map((e) => e.data)).toEqual([{ failures: 3 }]);
    expect((await get(p)).status).toBe('disabled');
    expect((await fail(p, 'tu_unknown')).status).toBe(404);
    await adjust(p, 'up2', 5000);
    await adjust(p, 'down2', -5000);
    expect(await ofType(p, 'topup.requested')).toHaveLength(3);
    expect((await put(p, { below: 1000, amount: 2000, monthlyLimit: 100_000 })).body.status).toBe('active');
    await adjust(p, 'up3', 5000);
    await adjust(p, 'down3', -5000);
    expect(await ofType(p, 'topup.requested')).toHaveLength(4);
    expect((await put(p, null)).body).toBeNull();
    expect(await get(p)).toBeNull();
    expect((await put(p, { below: 1000, amount: 2000, monthlyLimit: 1999 })).status).toBe(400);
  });

  it('the stream debit that crosses requests once under a lost answer and concurrent duplicates', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 30_000 });
    await put(p, { below: 20_000, amount: 5000, monthlyLimit: 50_000 });
    const events = Array.from({ length: 150 }, () => {
      const e: UsageEvent = { eventId: `tu-${p}-${++seq}`, projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T09:00:00+02:00', segments: 1 };
      return { ...e, cost: rater.rate(e) };
    });
    await storeUsage(ctx(), events);
    const c = ctx();
    const items = events.map((e) => usageItemOf(c.zone, e, new Date(c.now()).toISOString()));
    armed = { match: (cmd) => touchesProject(cmd, p), fault: { after: timeout() }, fired: 0, times: 3 };
    await Promise.all([debitProject(c, p, items), debitProject(c, p, items.slice(40)), debitProject(c, p, items.slice(0, 90))]);
    const total = events.reduce((s, e) => s + e.cost, 0);
    expect((await project(p)).balance).toBe(30_000 - total);
    expect(30_000 - total).toBeLessThan(20_000);
    expect(await ofType(p, 'topup.requested')).toHaveLength(1);
  });
});
