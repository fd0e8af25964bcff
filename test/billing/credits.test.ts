/**
 * Credits, corrections and top-ups (docs/api.md): adjustments, refunds of usage, credit grants drawn by
 * the debit, the night and negative adjustments, expiry and voiding, on DynamoDB Local through the
 * handlers and the real debit and charge code, under lost answers, duplicates, crashes and races.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createAdjustment } from '../../functions/api/create-adjustment';
import { handler as createCredit } from '../../functions/api/create-credit';
import { handler as getProject } from '../../functions/api/get-project';
import { handler as listCredits } from '../../functions/api/list-credits';
import { handler as listUsage } from '../../functions/api/list-usage';
import { handler as refundUsage } from '../../functions/api/refund-usage';
import { handler as voidCredit } from '../../functions/api/void-credit';
import { chargeThrough } from '../../shared/billing/charge-through';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import type { UsageEvent } from '../../shared/domain/usage';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { readCreditsDrawn } from '../../shared/store/credit-draws';
import { usageItemOf } from '../../shared/store/usage';
import { billingEnv, change, ledgerOf, net, newProject, product, project } from '../support/billing';
import { eventTypes, projectEvents } from '../support/events';
import { faultyDoc, hardFailure, timeout, touchesProject, type Injection, type SentCommand } from '../support/faulty-doc';
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

function arm(match: (cmd: SentCommand) => boolean, fault: Injection, times = 1) {
  armed = { match, fault, fired: 0, times };
  return armed;
}
const txOf = (projectId: string) => (c: SentCommand) => touchesProject(c, projectId);

const ctx = () => storeContext();
const rater = raterFor(DEFAULT_PLAN.tariff);
let evSeq = 0;

/** Stored usage events (SMS of `segments`, 1 segment = the tariff's perSegment), not yet debited. */
async function store(projectId: string, occurredAt: string, n: number, segments = 1): Promise<(UsageEvent & { cost: number })[]> {
  const events = Array.from({ length: n }, () => {
    const e: UsageEvent = { eventId: `cr-${projectId}-${++evSeq}`, projectId, kind: 'sms', destination: '+380671234567', occurredAt, segments };
    return { ...e, cost: rater.rate(e) };
  });
  await storeUsage(ctx(), events);
  return events;
}
async function debit(events: readonly (UsageEvent & { cost: number })[]) {
  const c = ctx();
  return debitProject(c, events[0]!.projectId, events.map((e) => usageItemOf(c.zone, e, new Date(c.now()).toISOString())));
}
const costs = (events: readonly { cost: number }[]) => events.reduce((s, e) => s + e.cost, 0);

const adjust = (p: string, body: unknown) => call(createAdjustment, 'POST /projects/{projectId}/adjustments', { auth: ADMIN, params: { projectId: p }, body });
const grant = (p: string, body: unknown) => call(createCredit, 'POST /projects/{projectId}/credits', { auth: ADMIN, params: { projectId: p }, body });
const refund = (p: string, eventId: string, body: unknown = {}) => call(refundUsage, 'POST /projects/{projectId}/usage/{eventId}/refund', { auth: ADMIN, params: { projectId: p, eventId }, body });
const voidIt = (p: string, grantId: string) => call(voidCredit, 'DELETE /projects/{projectId}/credits/{grantId}', { auth: ADMIN, params: { projectId: p, grantId } });
const grantsOfApi = async (p: string) => (await call(listCredits, 'GET /projects/{projectId}/credits', { auth: projectAuth(p), params: { projectId: p } })).body.grants as { grantId: string; remaining: number; status: string }[];
const creditBalance = async (p: string) => (await call(getProject, 'GET /projects/{projectId}', { auth: projectAuth(p), params: { projectId: p } })).body.creditBalance as number;

/** creditBalance = Σ granted − expired − voided − drawn, from the ledger and the draws items. */
async function expectCreditsBalanced(p: string): Promise<void> {
  const ledger = await ledgerOf(p);
  const of = (t: string) => ledger.filter((e) => e.type === t).reduce((s, e) => s + e.amount, 0);
  const drawn = await readCreditsDrawn(ctx(), p, '2000-01-01', '2999-12-31');
  expect(await creditBalance(p)).toBe(of('credit_granted') + of('credit_expired') + of('credit_voided') - drawn.total);
  for (const g of await grantsOfApi(p)) expect(g.remaining).toBeGreaterThanOrEqual(0);
}

/** balance = Σ balance-effect entries − Σ costs of debited events. */
async function expectBalanced(p: string, debitedCosts: number): Promise<void> {
  expect((await project(p)).balance).toBe(net(await ledgerOf(p)) - debitedCosts);
}

describe('adjustments', () => {
  it('moves the balance once by adjustmentId: 201, the same again 200 with the first answer, another body 409', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 1000 });
    const first = await adjust(p, { adjustmentId: 'goodwill-1', amount: 500, description: 'Goodwill for the outage' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ adjustmentId: 'goodwill-1', amount: 500, description: 'Goodwill for the outage', balance: 1500 });
    const again = await adjust(p, { adjustmentId: 'goodwill-1', amount: 500, description: 'Goodwill for the outage' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await adjust(p, { adjustmentId: 'goodwill-1', amount: 501, description: 'Goodwill for the outage' })).body.error.code).toBe('idempotency_conflict');
    expect((await project(p)).balance).toBe(1500);
    const entry = (await ledgerOf(p)).find((e) => e.entryId === 'adjustment#goodwill-1')!;
    expect(entry).toMatchObject({ type: 'adjustment', date: '2026-03-10', amount: 500, balanceEffect: true });
    expect((await eventTypes(p)).filter((t) => t === 'adjustment.made')).toHaveLength(1);
  });

  it('refuses 0, a closed day (409) and unknown fields, changing nothing; a charge blocks and a credit unblocks', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 100 });
    await chargeThrough(ctx(), p, '2026-03-05');
    expect((await adjust(p, { adjustmentId: 'a0', amount: 0, description: 'x' })).status).toBe(400);
    expect((await adjust(p, { adjustmentId: 'a1', amount: -5, description: 'x', date: '2026-03-05' })).body.error.code).toBe('day_already_charged');
    expect((await adjust(p, { adjustmentId: 'a1', amount: -5, description: 'x', extra: 1 })).status).toBe(400);
    expect((await project(p)).balance).toBe(100);
    const charge = await adjust(p, { adjustmentId: 'manual', amount: -300, description: 'Manual charge', date: '2026-03-06' });
    expect(charge.body.balance).toBe(-200);
    expect((await project(p)).status).toBe('blocked');
    await adjust(p, { adjustmentId: 'back', amount: 300, description: 'Reversal' });
    expect((await project(p)).status).toBe('active');
    expect(await eventTypes(p)).toEqual(expect.arrayContaining(['project.blocked', 'project.unblocked']));
    expect((await ledgerOf(p)).find((e) => e.entryId === 'adjustment#manual')!.date).toBe('2026-03-06');
  });

  it('a lost answer gets the first answer, and the retry moves nothing', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 1000 });
    const rule = arm(txOf(p), { after: timeout() });
    const first = await adjust(p, { adjustmentId: 'lost', amount: -250, description: 'Lost answer' });
    expect(rule.fired).toBe(1);
    expect(first.status).toBe(201);
    expect(first.body.balance).toBe(750);
    arm(txOf(p), { after: hardFailure() });
    expect((await adjust(p, { adjustmentId: 'lost2', amount: -250, description: 'Hard' })).status).toBe(201);
    expect((await adjust(p, { adjustmentId: 'lost2', amount: -250, description: 'Hard' })).status).toBe(200);
    expect((await project(p)).balance).toBe(500);
    await expectBalanced(p, 0);
  });
});

describe('refunds of usage', () => {
  it("gives an event's whole cost back once; the event keeps its cost and shows refunded", async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 10_000 });
    const [ev] = await store(p, '2026-03-10T09:00:00+02:00', 1, 3);
    await debit([ev!]);
    const first = await refund(p, ev!.eventId, { description: 'Charged by mistake' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ eventId: ev!.eventId, amount: ev!.cost, balance: 10_000 });
    const again = await refund(p, ev!.eventId, { description: 'Charged by mistake' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await refund(p, ev!.eventId, { description: 'Another reason' })).body.error.code).toBe('idempotency_conflict');
    const usage = await call(listUsage, 'GET /projects/{projectId}/usage', { auth: projectAuth(p), params: { projectId: p }, query: { date: '2026-03-10' } });
    expect(usage.body.events).toEqual([expect.objectContaining({ eventId: ev!.eventId, cost: ev!.cost, refunded: true })]);
    expect((await ledgerOf(p)).find((e) => e.type === 'usage_refund')).toMatchObject({ entryId: `refund#${ev!.eventId}`, amount: ev!.cost, balanceEffect: true });
    expect((await projectEvents(p)).find((e) => e.type === 'usage.refunded')!.data).toEqual({ eventId: ev!.eventId, amount: ev!.cost, balance: 10_000 });
    await expectBalanced(p, ev!.cost);
  });

  it('404 for an unknown or foreign event, 409 for a cost of 0, both changing nothing; a lost answer is answered once', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 10_000 });
    const other = await newProject({ billingStartDate: '2026-03-01', balance: 10_000 });
    const [ev] = await store(p, '2026-03-10T09:00:00+02:00', 1);
    await debit([ev!]);
    expect((await refund(p, 'no-such-event')).status).toBe(404);
    expect((await refund(other, ev!.eventId)).status).toBe(404);
    const zero: UsageEvent = { eventId: `zero-${p}`, projectId: p, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T09:00:00+02:00', durationSec: 0 };
    await storeUsage(ctx(), [{ ...zero, cost: 0 }]);
    await debit([{ ...zero, cost: 0 }]);
    expect((await refund(p, zero.eventId)).body.error.code).toBe('nothing_to_refund');
    const rule = arm(txOf(p), { after: timeout() });
    expect((await refund(p, ev!.eventId)).status).toBe(201);
    expect(rule.fired).toBe(1);
    expect((await refund(p, ev!.eventId)).status).toBe(200);
    expect((await project(p)).balance).toBe(10_000);
  });
});

describe('credit grants', () => {
  it('are drawn by the debit, the night and a negative adjustment in order, expire after the charge of expiresOn, and every draw is recorded per day', async () => {
    const p = await newProject({ billingStartDate: '2026-03-10', balance: 100_000 });
    await change(p, '2026-03-10T00:00:00+02:00', product('telephony', true));
    expect((await grant(p, { grantId: 'trial', amount: 5000, expiresOn: '2026-03-11', description: 'Trial credit' })).status).toBe(201);
    expect((await grant(p, { grantId: 'goodwill', amount: 10_000, description: 'Goodwill' })).status).toBe(201);
    expect((await grant(p, { grantId: 'goodwill', amount: 10_000, description: 'Goodwill' })).status).toBe(200);
    expect((await grant(p, { grantId: 'goodwill', amount: 600, description: 'Goodwill' })).body.error.code).toBe('idempotency_conflict');
    expect((await project(p)).balance).toBe(115_000);
    expect(await creditBalance(p)).toBe(15_000);

    // Usage of the 10th: the trial (expires first) pays, goodwill untouched.
    const sms = await store(p, '2026-03-10T09:00:00+02:00', 5);
    await debit(sms);
    await debit(sms); // a redelivery: moves and draws nothing
    let trial = 5000 - costs(sms);
    let grants = await grantsOfApi(p);
    expect(grants.map((g) => g.grantId)).toEqual(['goodwill', 'trial']); // newest first
    expect(grants.find((g) => g.grantId === 'trial')!.remaining).toBe(trial);
    expect(grants.find((g) => g.grantId === 'goodwill')!.remaining).toBe(10_000);

    // The night of the 10th: telephony's day share, paid from the trial.
    env.at('2026-03-11T10:00:00Z');
    const night = await chargeThrough(ctx(), p, '2026-03-10');
    const dayCost = night.days[0]!.amount;
    expect(dayCost).toBeGreaterThan(0);
    trial -= dayCost;
    expect(trial).toBeGreaterThan(200);
    expect((await grantsOfApi(p)).find((g) => g.grantId === 'trial')!.remaining).toBe(trial);
    expect((await readCreditsDrawn(ctx(), p, '2026-03-10', '2026-03-10')).total).toBe(costs(sms) + dayCost);

    // A manual charge dated the 11th, the trial's last day, is paid by it too.
    await adjust(p, { adjustmentId: 'm1', amount: -100, description: 'Manual', date: '2026-03-11' });
    trial -= 100;

    // The night of the 11th, then the trial expires: dated the 11th, after the day's charge.
    env.at('2026-03-12T10:00:00Z');
    const night11 = await chargeThrough(ctx(), p, '2026-03-11');
    trial -= night11.days[0]!.amount;
    expect(trial).toBeGreaterThan(0);
    expect((await ledgerOf(p)).filter((e) => e.type === 'credit_expired')).toEqual([
      expect.objectContaining({ entryId: 'credit_expired#trial', date: '2026-03-11', amount: -trial, balanceEffect: true }),
    ]);
    expect((await projectEvents(p)).find((e) => e.type === 'credit.expired')!.data).toMatchObject({ grantId: 'trial', amount: -trial });
    grants = await grantsOfApi(p);
    expect(grants.find((g) => g.grantId === 'trial')).toMatchObject({ remaining: 0, status: 'expired' });
    expect(await chargeThrough(ctx(), p, '2026-03-11')).toMatchObject({ days: [] });
    expect((await ledgerOf(p)).filter((e) => e.type === 'credit_expired')).toHaveLength(1);

    // Usage of the 12th: the trial no longer pays; goodwill does.
    const later = await store(p, '2026-03-12T09:00:00+02:00', 2);
    await debit(later);
    expect((await grantsOfApi(p)).find((g) => g.grantId === 'goodwill')!.remaining).toBe(10_000 - costs(later));
    const byGrant = (await readCreditsDrawn(ctx(), p, '2026-03-01', '2026-03-31')).byGrant;
    expect(byGrant.get('goodwill')).toBe(costs(later));
    expect(byGrant.get('trial')! + trial).toBe(5000);
    expect((await readCreditsDrawn(ctx(), p, '2026-03-11', '2026-03-11')).total).toBe(100 + night11.days[0]!.amount);
    await expectCreditsBalanced(p);
    await expectBalanced(p, costs(sms) + costs(later));
  });

  it('a grant whose last day is before the project\'s billing starts is refused (409) and stores nothing', async () => {
    const p = await newProject({ billingStartDate: '2026-03-12', balance: 1000 });
    const refused = await grant(p, { grantId: 'never', amount: 100, effectiveOn: '2026-03-10', expiresOn: '2026-03-11', description: 'x' });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'day_already_charged']);
    expect(await grantsOfApi(p)).toEqual([]);
    expect((await project(p)).balance).toBe(1000);
    const first = await grant(p, { grantId: 'first-day', amount: 100, effectiveOn: '2026-03-10', expiresOn: '2026-03-12', description: 'x' });
    expect(first.status).toBe(201);
    expect(await creditBalance(p)).toBe(100);
  });

  it('a grant pays only for its days: not before effectiveOn; dates are checked (400, 409) and 50 active at most', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 10_000 });
    await chargeThrough(ctx(), p, '2026-03-05');
    expect((await grant(p, { grantId: 'closed', amount: 100, effectiveOn: '2026-03-05', description: 'x' })).body.error.code).toBe('day_already_charged');
    expect((await grant(p, { grantId: 'back', amount: 100, effectiveOn: '2026-03-10', expiresOn: '2026-03-09', description: 'x' })).status).toBe(400);
    expect((await grant(p, { grantId: 'zero', amount: 0, description: 'x' })).status).toBe(400);
    await grant(p, { grantId: 'tomorrow', amount: 1000, effectiveOn: '2026-03-11', description: 'From tomorrow' });
    const today = await store(p, '2026-03-10T09:00:00+02:00', 3);
    await debit(today);
    expect(await creditBalance(p)).toBe(1000);
    for (let i = 0; i < 49; i++) await grant(p, { grantId: `many-${i}`, amount: 1, description: 'many' });
    expect((await grant(p, { grantId: 'one-too-many', amount: 1, description: 'many' })).body.error.code).toBe('too_many_grants');
    expect((await project(p)).balance).toBe(10_000 + 1000 + 49 - costs(today));
  });

  it('voiding takes what remains out of the balance at once, once', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 0 });
    await grant(p, { grantId: 'promo', amount: 1000, description: 'Promo' });
    const sms = await store(p, '2026-03-10T09:00:00+02:00', 2);
    await debit(sms);
    const rule = arm(txOf(p), { after: timeout() });
    const voided = await voidIt(p, 'promo');
    expect(rule.fired).toBe(1);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ grantId: 'promo', status: 'voided', remaining: 0 });
    expect((await voidIt(p, 'promo')).body.status).toBe('voided');
    expect((await voidIt(p, 'nope')).status).toBe(404);
    const entries = (await ledgerOf(p)).filter((e) => e.type === 'credit_voided');
    expect(entries).toEqual([expect.objectContaining({ entryId: 'credit_voided#promo', date: '2026-03-10', amount: -(1000 - costs(sms)) })]);
    expect((await project(p)).balance).toBe(0);
    expect(await creditBalance(p)).toBe(0);
    expect((await eventTypes(p)).filter((t) => t === 'credit.voided')).toHaveLength(1);
    await expectCreditsBalanced(p);
  });

  it('a debit with grants survives lost answers, a conflict and a concurrent duplicate: each event paid and drawn once', async () => {
    const p = await newProject({ billingStartDate: '2026-03-01', balance: 0 });
    await grant(p, { grantId: 'a', amount: 700, expiresOn: '2026-03-20', description: 'A' });
    await grant(p, { grantId: 'b', amount: 100_000, description: 'B' });
    const sms = await store(p, '2026-03-10T09:00:00+02:00', 120);
    arm(txOf(p), { after: timeout() }, 2);
    await Promise.all([debit(sms), debit(sms.slice(30)), debit(sms.slice(0, 60))]);
    const drawn = await readCreditsDrawn(ctx(), p, '2026-03-10', '2026-03-10');
    expect(drawn.total).toBe(costs(sms));
    expect(drawn.byGrant.get('a')).toBe(700);
    expect(drawn.byGrant.get('b')).toBe(costs(sms) - 700);
    expect(await creditBalance(p)).toBe(100_700 - costs(sms));
    await expectCreditsBalanced(p);
    await expectBalanced(p, costs(sms));
  });

  it('a night that crashes between its charge and the expiry is finished by the next run; two runs at once expire once', async () => {
    const p = await newProject({ billingStartDate: '2026-03-09', balance: 0 });
    await grant(p, { grantId: 'short', amount: 5000, expiresOn: '2026-03-10', description: 'Short' });
    const sms = await store(p, '2026-03-10T09:00:00+02:00', 2);
    await debit(sms);
    env.at('2026-03-11T10:00:00Z');
    await chargeThrough(ctx(), p, '2026-03-09');
    // The expiry's transaction is the one writing a credit_expired line: fail it before it is sent.
    const isExpiry = (c: SentCommand) => c.name === 'TransactWriteCommand' && JSON.stringify(c.input).includes('credit_expired#short');
    arm(isExpiry, { before: hardFailure() });
    await expect(chargeThrough(ctx(), p, '2026-03-10')).rejects.toThrow();
    expect((await project(p)).chargedThrough).toBe('2026-03-10');
    expect(await creditBalance(p)).toBe(5000 - costs(sms));
    await Promise.all([chargeThrough(ctx(), p, '2026-03-10'), chargeThrough(ctx(), p, '2026-03-10')]);
    expect((await ledgerOf(p)).filter((e) => e.type === 'credit_expired')).toEqual([expect.objectContaining({ date: '2026-03-10', amount: -(5000 - costs(sms)) })]);
    expect((await eventTypes(p)).filter((t) => t === 'credit.expired')).toHaveLength(1);
    expect((await project(p)).balance).toBe(0);
    await expectCreditsBalanced(p);
  });
});
