/**
 * Every accepted event is paid (docs/api.md "What no input may do", issue 19 §5), through the real
 * ingest, the usage table's real stream and the stream debit: usage priced by a rate deck at 2^53 - 1
 * is accepted (202), and the debit takes it from the balance as far as exact integers go (down to
 * -(2^53 - 1)) instead of failing the batch into the failure destination. What was debited is what the
 * day's telecom total, its `telecom_daily` line and the reconciler count; the rest is reported
 * (`usage.underpaid`), and a refund gives back what was debited, never more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as chargeDay } from '../../functions/billing/charge-day';
import { debitStream } from '../../functions/usage/debit-usage';
import { streamEventOf } from '../../local/stream-poller';
import { recordPayment } from '../../shared/billing/payments';
import { createPlan } from '../../shared/billing/plans';
import { createProject } from '../../shared/billing/projects';
import { reconcileProject } from '../../shared/billing/reconcile';
import { refundUsage } from '../../shared/billing/refund-usage';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import { MIN_BALANCE, type UsageEvent } from '../../shared/domain/usage';
import { storeContext } from '../../shared/store/context';
import { findProjectItem } from '../../shared/store/projects';
import { readTelecom } from '../../shared/store/telecom';
import { ledgerOf, sqsEvent } from '../support/billing';
import { projectEvents } from '../support/events';
import { handler as postUsage } from '../../functions/api/post-usage';
import { call as request, TELEPHONY } from '../support/http';
import { post, setup, streamOf, type Env } from './fixtures';

let env: Env;
beforeAll(async () => { env = await setup(); });
afterAll(() => env.reader.close());

const MAX = Number.MAX_SAFE_INTEGER;
const ctx = () => storeContext();

/** POST /usage, then the debit of exactly those events' records from the real stream. */
async function postAndDebit(events: UsageEvent[]): Promise<Awaited<ReturnType<typeof debitStream>>> {
  expect(await post(events)).toEqual({ accepted: events.length, duplicates: 0 });
  return debitStream(streamEventOf(await streamOf(env, events.map((e) => e.eventId))));
}

describe('usage the balance cannot hold', () => {
  it('is debited down to the lowest exact balance, counted as debited, reported, and never set aside', async () => {
    // A rate deck pricing an SMS segment at 2^53 - 1 (calls at the default prices).
    await createPlan(ctx(), {
      planId: 'deck-max', name: 'Deck at the limit', currency: 'UAH', products: DEFAULT_PLAN.products, numbers: DEFAULT_PLAN.numbers,
      multiProductDiscounts: DEFAULT_PLAN.multiProductDiscounts, tariff: { calls: DEFAULT_PLAN.tariff.calls, sms: [{ prefix: '380', perSegment: MAX }] },
    });
    const { project } = await createProject(ctx(), { name: 'deck', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01', planId: 'deck-max' });
    const id = project.projectId;
    await recordPayment(ctx(), id, `pay-${id}`, 1_000);
    const sms = (n: number, occurredAt: string): UsageEvent => ({ eventId: `max-${id}-${n}`, projectId: id, kind: 'sms', destination: '+380671234567', occurredAt, segments: 1 });

    // An event whose cost alone is past exact integers (two segments at 2^53 - 1) is never accepted.
    const tooCostly = { ...sms(0, '2026-03-10T08:00:00+02:00'), segments: 2 };
    const refused = await request(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [tooCostly] } });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_amount']);

    // Yesterday's SMS fits (1,000 - MAX is still exact); today's can take only the 1,000 left above -MAX.
    const first = await postAndDebit([sms(1, '2026-03-09T09:00:00+02:00'), sms(2, '2026-03-10T09:00:00+02:00')]);
    // On the old code the debit was refused (balance_out_of_range) and the records failed for good.
    expect(first.batchItemFailures).toEqual([]);
    expect((await findProjectItem(ctx(), id))!.balance).toBe(MIN_BALANCE);
    expect(MIN_BALANCE).toBe(-MAX);

    // A call after that: accepted, debited 0, reported too.
    const call: UsageEvent = { eventId: `call-${id}`, projectId: id, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T10:00:00+02:00', durationSec: 65 };
    const callCost = raterFor(DEFAULT_PLAN.tariff).rate(call);
    expect(callCost).toBeGreaterThan(0);
    expect((await postAndDebit([call])).batchItemFailures).toEqual([]);
    expect((await findProjectItem(ctx(), id))!.balance).toBe(MIN_BALANCE);

    // The days' totals count what was debited, each event once.
    expect(await readTelecom(ctx(), id, '2026-03-09')).toMatchObject({ total: MAX, events: 1 });
    expect(await readTelecom(ctx(), id, '2026-03-10')).toMatchObject({ total: 1_000, events: 2 });

    // The rest is reported to the customer, in the debit's own transaction.
    const underpaid = (await projectEvents(id)).filter((e) => e.type === 'usage.underpaid').map((e) => e.data);
    expect(underpaid).toEqual([
      { events: [{ eventId: `max-${id}-2`, cost: MAX, debited: 1_000 }], unpaid: MAX - 1_000, balance: MIN_BALANCE },
      { events: [{ eventId: `call-${id}`, cost: callCost, debited: 0 }], unpaid: callCost, balance: MIN_BALANCE },
    ]);

    // The night closes yesterday with a line of what was debited; the reconciler finds it all consistent.
    expect(await chargeDay(sqsEvent([{ projectId: id, date: '2026-03-09' }]))).toEqual({ batchItemFailures: [] });
    const telecomLines = (await ledgerOf(id)).filter((e) => e.type === 'telecom_daily' && e.amount !== 0);
    expect(telecomLines.map((e) => [e.date, e.amount])).toEqual([['2026-03-09', -MAX]]);
    const report = await reconcileProject({ doc: env.doc, tables: ctx().tables }, id, { now: Date.parse('2026-03-10T10:00:00Z'), zone: 'Europe/Kyiv' });
    expect(report).toMatchObject({ ok: true, mismatches: [] });

    // A refund gives back what was debited: 1,000 of today's SMS, nothing of the call.
    expect((await refundUsage(ctx(), id, `max-${id}-2`, {})).body).toEqual({ eventId: `max-${id}-2`, amount: 1_000, balance: MIN_BALANCE + 1_000 });
    await expect(refundUsage(ctx(), id, `call-${id}`, {})).rejects.toMatchObject({ status: 409, code: 'nothing_to_refund' });
  });

  it("stops a day's telecom total at the end of exact integers, also when a write finds it there already", async () => {
    const { project } = await createProject(ctx(), { name: 'deck-day', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01', planId: 'deck-max' });
    const id = project.projectId;
    await recordPayment(ctx(), id, `pay-${id}`, MAX);
    const sms = (n: number): UsageEvent => ({ eventId: `day-${id}-${n}`, projectId: id, kind: 'sms', destination: '+380671234567', occurredAt: `2026-03-10T0${n}:00:00+02:00`, segments: 1 });
    expect((await postAndDebit([sms(1)])).batchItemFailures).toEqual([]);
    // The balance could pay another MAX (it is 0), the day's line could not: the write refuses, the debit reads the total and debits 0.
    expect((await postAndDebit([sms(2)])).batchItemFailures).toEqual([]);
    expect((await findProjectItem(ctx(), id))!.balance).toBe(0);
    expect(await readTelecom(ctx(), id, '2026-03-10')).toMatchObject({ total: MAX, events: 2 });
    expect((await projectEvents(id)).filter((e) => e.type === 'usage.underpaid').map((e) => e.data)).toEqual([
      { events: [{ eventId: `day-${id}-2`, cost: MAX, debited: 0 }], unpaid: MAX, balance: 0 },
    ]);
  });
});
