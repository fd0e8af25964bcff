/**
 * Monthly statements on DynamoDB Local (docs/api.md "Statements"): made by the nightly run once the
 * month's last day is charged, exactly once under repeated and concurrent nights, with
 * `statement.ready` in the same transaction; every figure ties out with the ledger; telecom by kind
 * comes from the days' counters; late events land in the month they are counted in.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createCredit } from '../../functions/api/create-credit';
import { handler as chargeDay } from '../../functions/billing/charge-day';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { recordPayment } from '../../shared/billing/payments';
import { closeMonths, getStatement, listStatements, statementOf } from '../../shared/billing/statements';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import { vatIncluded } from '../../shared/domain/statement';
import type { UsageEvent } from '../../shared/domain/usage';
import { storeContext } from '../../shared/store/context';
import { usageItemOf } from '../../shared/store/usage';
import { setRuntime } from '../../shared/runtime';
import { billingEnv, change, ledgerOf, newProject, number, product, project, sqsEvent } from '../support/billing';
import { projectEvents } from '../support/events';
import { faultyDoc, hardFailure, timeout, type Injection, type SentCommand } from '../support/faulty-doc';
import { ADMIN, call } from '../support/http';

let env: Awaited<ReturnType<typeof billingEnv>>;
/** One armed fault: the first command that matches gets it, then the rule disarms. */
let armed: { match: (cmd: SentCommand) => boolean; fault: Injection; fired: SentCommand[] } | undefined;
beforeAll(async () => {
  env = await billingEnv('2026-03-10T10:00:00Z');
  setRuntime({
    doc: faultyDoc(env.doc, (cmd) => {
      if (!armed || armed.fired.length > 0 || !armed.match(cmd)) return undefined;
      armed.fired.push(cmd);
      return armed.fault;
    }),
  });
});
beforeEach(() => { armed = undefined; });
function arm(match: (cmd: SentCommand) => boolean, fault: Injection) {
  armed = { match, fault, fired: [] };
  return armed;
}
const ctx = () => storeContext();
/** The keys a TransactWrite writes or checks. */
const txKeys = (cmd: SentCommand): string[] => ((cmd.input.TransactItems ?? []) as Record<string, { Key?: { sk?: string }; Item?: { sk?: string } }>[])
  .flatMap((i) => Object.values(i).map((op) => String(op.Key?.sk ?? op.Item?.sk)));
const writes = (cmd: SentCommand, sk: string) => cmd.name === 'TransactWriteCommand' && txKeys(cmd).includes(sk);

let seq = 0;
/** Events of every kind through the real ingest and debit; returns them with their costs. */
async function use(projectId: string, events: Omit<UsageEvent, 'eventId' | 'projectId'>[]): Promise<{ kind: string; cost: number; occurredAt: string }[]> {
  const rater = raterFor(DEFAULT_PLAN.tariff);
  const rated = events.map((e) => {
    const ev = { ...e, eventId: `st-${projectId}-${++seq}`, projectId } as UsageEvent;
    return { ...ev, cost: rater.rate(ev) };
  });
  await storeUsage(ctx(), rated);
  const receivedAt = new Date(ctx().now()).toISOString();
  await debitProject(ctx(), projectId, rated.map((e) => usageItemOf(ctx().zone, e, receivedAt)));
  return rated;
}

async function night(projectId: string, date: string): Promise<void> {
  const out = await chargeDay(sqsEvent([{ projectId, date }]));
  expect(out).toEqual({ batchItemFailures: [] });
}

describe('the month close', () => {
  it('makes February once its last day is charged, every figure a sum of its ledger, once under repeated nights', async () => {
    env.at('2026-02-20T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-02-10', name: 'ТОВ «Ромашка» Kyiv' });
    await recordPayment(ctx(), id, `pay-${id}`, 500_000);
    await change(id, '2026-02-10T06:00:00Z', product('telephony', true, 5));
    await change(id, '2026-02-10T06:00:00Z', product('calltracking', true));
    await change(id, '2026-02-10T06:00:00Z', number(`+38044${String(Date.now() % 1e7).padStart(7, '0')}`, true, 'local'));
    const feb = await use(id, [
      { kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-02-15T09:00:00Z', durationSec: 125 },
      { kind: 'outgoing_call', destination: '+380501234567', occurredAt: '2026-02-16T09:00:00Z', durationSec: 61 },
      { kind: 'forwarded_call', destination: '+380671234567', occurredAt: '2026-02-17T09:00:00Z', durationSec: 300 },
      { kind: 'sms', destination: '+380931234567', occurredAt: '2026-02-18T09:00:00Z', segments: 3 },
    ]);
    await night(id, '2026-02-19');
    // Not yet: February's last day is open.
    expect((await listStatements(ctx(), id)).statements).toEqual([]);

    env.at('2026-03-01T22:10:00Z'); // 00:10 on 2 March in Kyiv
    // An SMS of 28 February sent before that day is charged: it is counted on the 28th.
    await use(id, [{ kind: 'sms', destination: '+380931234567', occurredAt: '2026-02-28T09:00:00Z', segments: 1 }]);
    await night(id, '2026-03-01');
    await night(id, '2026-03-01'); // the same night again
    await Promise.all([closeMonths(ctx(), id), closeMonths(ctx(), id)]); // and two at once

    const s = await getStatement(ctx(), id, '2026-02');
    const ledger = (await ledgerOf(id)).filter((e) => e.date >= '2026-02-10' && e.date <= '2026-02-28');
    const sumOf = (type: string) => ledger.filter((e) => e.type === type).reduce((a, e) => a + e.amount, 0);
    expect(s).toMatchObject({ projectId: id, projectName: 'ТОВ «Ромашка» Kyiv', month: '2026-02', currency: 'UAH', from: '2026-02-10', to: '2026-02-28', openingBalance: 0, openingCreditBalance: 0 });
    expect(s.payments).toBe(500_000);
    expect(s.charges.products.map((p) => [p.productId, p.days, p.amount])).toEqual([
      ['calltracking', 19, -ledger.filter((e) => e.productId === 'calltracking').reduce((a, e) => a + e.amount, 0)],
      ['telephony', 19, -ledger.filter((e) => e.productId === 'telephony').reduce((a, e) => a + e.amount, 0)],
    ]);
    expect(s.charges.products.map((p) => p.name)).toEqual(['Call tracking', 'Business telephony']);
    expect(s.charges.numbers).toEqual([{ type: 'local', count: 19, amount: -sumOf('number_daily') }]);
    expect(s.charges.discount).toBe(sumOf('discount'));
    // Telecom by kind: from the days' counters, tying out with the telecom_daily lines.
    const cost = (k: string) => feb.filter((e) => e.kind === k).reduce((a, e) => a + e.cost, 0);
    const sms = s.charges.telecom.find((t) => t.kind === 'sms')!;
    expect(s.charges.telecom.find((t) => t.kind === 'outgoing_call')).toEqual({ kind: 'outgoing_call', count: 2, amount: cost('outgoing_call') });
    expect(s.charges.telecom.find((t) => t.kind === 'forwarded_call')).toEqual({ kind: 'forwarded_call', count: 1, amount: cost('forwarded_call') });
    expect(sms.count).toBe(2);
    expect(s.charges.telecom.reduce((a, t) => a + t.amount, 0)).toBe(-sumOf('telecom_daily'));
    // Closing = opening + every entry of the month; the VAT of the standard plan (20%).
    expect(s.closingBalance).toBe(ledger.reduce((a, e) => a + e.amount, 0));
    expect(s.vat).toEqual([{ percent: 20, gross: s.charges.total, included: vatIncluded(s.charges.total, 20) }]);
    // Once: one statement, one statement.ready in the project's events.
    expect((await listStatements(ctx(), id)).statements).toEqual([{ month: '2026-02', openingBalance: 0, closingBalance: s.closingBalance }]);
    const ready = (await projectEvents(id)).filter((e) => e.type === 'statement.ready');
    expect(ready.map((e) => e.data)).toEqual([{ month: '2026-02', closingBalance: s.closingBalance }]);
    expect((await project(id)).statementsThrough).toBe('2026-02');

    // A February event arriving now is counted in the first open day (2 March): February stays as made.
    const afterClose = await use(id, [{ kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-02-27T09:00:00Z', durationSec: 60 }]);
    expect(afterClose[0]!.cost).toBeGreaterThan(0);
    expect(await getStatement(ctx(), id, '2026-02')).toEqual(s);

    // March opens with February's closing and counts the late event.
    env.at('2026-04-01T22:10:00Z');
    await night(id, '2026-04-01');
    const mar = await getStatement(ctx(), id, '2026-03');
    expect(mar.openingBalance).toBe(s.closingBalance);
    expect(mar.from).toBe('2026-03-01');
    expect(mar.charges.telecom).toEqual([{ kind: 'outgoing_call', count: 1, amount: afterClose[0]!.cost }]);
    const marLedger = (await ledgerOf(id)).filter((e) => e.date >= '2026-03-01' && e.date <= '2026-03-31');
    expect(mar.closingBalance - mar.openingBalance).toBe(marLedger.reduce((a, e) => a + e.amount, 0));
    expect((await listStatements(ctx(), id)).statements.map((x) => x.month)).toEqual(['2026-03', '2026-02']);
  });

  it('puts a payment made before billingStartDate in the first statement, which starts at billingStartDate', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-20' });
    await recordPayment(ctx(), id, `early-${id}`, 70_000); // dated 10 March, before the start
    env.at('2026-03-31T22:10:00Z'); // 00:10 on 1 April in Kyiv
    await night(id, '2026-03-31');
    const s = await getStatement(ctx(), id, '2026-03');
    expect(s).toMatchObject({ from: '2026-03-20', to: '2026-03-31', payments: 70_000, closingBalance: 70_000 });
    expect(s.closingBalance).toBe((await ledgerOf(id)).reduce((a, e) => a + e.amount, 0));
  });

  it("is made in the transaction of the month's last day: a lost answer of it, the same night again and a later close make it once, as the close would", async () => {
    env.at('2026-03-20T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-20' });
    await recordPayment(ctx(), id, `pay-${id}`, 90_000);
    await change(id, '2026-03-20T06:00:00Z', product('telephony', true, 2));
    await use(id, [{ kind: 'sms', destination: '+380931234567', occurredAt: '2026-03-31T09:00:00Z', segments: 2 }]);
    env.at('2026-03-31T22:10:00Z'); // 00:10 on 1 April in Kyiv
    // The transaction of 31 March commits, then its answer is lost: the resend is cancelled by its own first send.
    const lastDay = arm((c) => writes(c, 'telecom#2026-03-31'), { after: timeout() });
    await night(id, '2026-03-31');
    expect(lastDay.fired).toHaveLength(1);
    expect(txKeys(lastDay.fired[0]!)).toEqual(expect.arrayContaining(['project', 'telecom#2026-03-31', 'statement#2026-03']));
    await night(id, '2026-03-31');
    expect(await closeMonths(ctx(), id)).toEqual([]);

    const s = await getStatement(ctx(), id, '2026-03');
    const ledger = await ledgerOf(id);
    expect(s).toMatchObject({ from: '2026-03-20', to: '2026-03-31', payments: 90_000, closingBalance: ledger.reduce((a, e) => a + e.amount, 0) });
    expect(s.charges.telecom).toEqual([{ kind: 'sms', count: 1, amount: expect.any(Number) }]);
    // What the month's own close reads from the committed ledger gives the same statement.
    const before = { ...(await project(id)), statementsThrough: undefined, statementClosing: undefined };
    expect(await statementOf(ctx(), before, '2026-03', null)).toEqual(s);
    expect((await projectEvents(id)).filter((e) => e.type === 'statement.ready').map((e) => e.data)).toEqual([{ month: '2026-03', closingBalance: s.closingBalance }]);
    expect(await project(id)).toMatchObject({ statementsThrough: '2026-03', statementClosing: { balance: s.closingBalance, credit: 0 } });
  });

  it("waits for a grant that expires with the month's last day: a crash before the expiry leaves the month to the next run, which states it with the expiry", async () => {
    env.at('2026-03-20T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-20' });
    await recordPayment(ctx(), id, `pay-${id}`, 90_000);
    await change(id, '2026-03-20T06:00:00Z', product('telephony', true, 1));
    const granted = await call(createCredit, 'POST /projects/{projectId}/credits', { auth: ADMIN, params: { projectId: id }, body: { grantId: 'march', amount: 200_000, expiresOn: '2026-03-31', description: 'March credit' } });
    expect(granted.status).toBe(201);
    env.at('2026-03-31T22:10:00Z');
    const expiry = arm((c) => c.name === 'TransactWriteCommand' && JSON.stringify(c.input).includes('credit_expired#march'), { before: hardFailure() });
    expect((await chargeDay(sqsEvent([{ projectId: id, date: '2026-03-31' }]))).batchItemFailures).toHaveLength(1);
    expect(expiry.fired).toHaveLength(1);
    expect((await project(id)).chargedThrough).toBe('2026-03-31');
    expect((await listStatements(ctx(), id)).statements).toEqual([]);

    await night(id, '2026-03-31'); // the redelivery: the expiry, then the statement
    const s = await getStatement(ctx(), id, '2026-03');
    const ledger = await ledgerOf(id);
    const expired = ledger.filter((e) => e.type === 'credit_expired');
    expect(expired).toEqual([expect.objectContaining({ date: '2026-03-31' })]);
    expect(s.creditsExpired).toBe(-expired[0]!.amount);
    expect(s.creditsExpired).toBeGreaterThan(0);
    expect(s).toMatchObject({ closingBalance: ledger.reduce((a, e) => a + e.amount, 0), closingCreditBalance: 0 });
    await night(id, '2026-03-31');
    expect((await projectEvents(id)).filter((e) => e.type === 'statement.ready')).toHaveLength(1);
  });

  it('answers 404 for a month not yet made', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01' });
    await expect(getStatement(ctx(), id, '2026-03')).rejects.toMatchObject({ status: 404 });
    await expect(getStatement(ctx(), 'no-such-project', '2026-03')).rejects.toMatchObject({ status: 404 });
  });
});
