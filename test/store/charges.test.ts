import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { daysFromTo } from '../../shared/domain/billing-days';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { dayShare } from '../../shared/domain/proration';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { readTimeline } from '../../shared/store/timeline';
import { MAX_TRANSACTION_ITEMS } from '../../shared/store/transactions';
import { billingEnv, change, ledgerOf, linesOf, net, newProject, number, product, project, useCalls } from '../support/billing';
import { faultyDoc } from '../support/faulty-doc';
import { chargeThrough, dayLineRoom } from '../../shared/billing/charge-through';
import { NO_ALERTS } from '../../shared/domain/events';
import { projectEvents } from '../support/events';
import { appendChange } from '../../shared/billing/timeline-changes';
import { utcIso } from '../../shared/domain/timeline-snapshot';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });

const ctx = () => storeContext();

describe('the nightly charge', () => {
  it('charges a day once: the same night again, or two runs at once, write one set of lines', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 1_000_000 });
    await change(id, '2026-03-01T00:00:00+02:00', product('telephony', true));

    const first = await chargeThrough(ctx(), id, '2026-03-01');
    expect(first.days.map((d) => d.date)).toEqual(['2026-03-01']);
    // Telephony 499.00/month, day 1 of 31: floor(49900*1/31) - 0 = 1609.
    expect(first.days[0]!.amount).toBe(1609);
    const again = await chargeThrough(ctx(), id, '2026-03-01');
    expect(again.days).toEqual([]);
    expect((await project(id)).balance).toBe(1_000_000 - 1609);

    const both = await Promise.all([chargeThrough(ctx(), id, '2026-03-02'), chargeThrough(ctx(), id, '2026-03-02')]);
    expect(both.flatMap((r) => r.days).map((d) => d.date)).toEqual(['2026-03-02']);
    const ledger = await ledgerOf(id);
    const day2 = ledger.filter((e) => e.date === '2026-03-02');
    expect(day2.map((e) => e.entryId).sort()).toEqual(['charge#2026-03-02#product#telephony', 'telecom#2026-03-02']);
    // Day 2: floor(49900*2/31) - floor(49900/31) = 3219 - 1609 = 1610.
    const p = await project(id);
    expect(p.balance).toBe(1_000_000 - 1609 - 1610);
    expect(p.chargedThrough).toBe('2026-03-02');
  });

  it('a run that loses the race to another moves nothing and finds the day charged', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 100_000 });
    await change(id, '2026-03-01T09:00:00+02:00', product('callback', true));
    let raced = false;
    const doc = faultyDoc(env.doc, (cmd) => {
      if (raced || cmd.name !== 'TransactWriteCommand') return undefined;
      raced = true;
      // The other run commits the same day between this run's reads and its transaction.
      return { interleave: () => chargeThrough(storeContext({ doc: env.doc }), id, '2026-03-01') };
    });
    const loser = await chargeThrough(storeContext({ doc }), id, '2026-03-01');
    expect(raced).toBe(true);
    expect(loser.days).toEqual([]);
    expect((await ledgerOf(id)).filter((e) => e.type !== 'payment')).toHaveLength(2);
    // Callback 299.00/month, day 1 of 31: floor(29900/31) = 964.
    expect((await project(id)).balance).toBe(100_000 - 964);
  });

  it('catches up three skipped nights in order, one day.charged event each', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-04', balance: 500_000 });
    await change(id, '2026-03-04T08:00:00Z', product('calltracking', true));
    const result = await chargeThrough(ctx(), id, '2026-03-06');
    expect(result.days.map((d) => d.date)).toEqual(['2026-03-04', '2026-03-05', '2026-03-06']);
    const charged = (await projectEvents(id)).flatMap((e) => (e.type === 'day.charged' ? [e.data.date] : []));
    expect(charged).toEqual(['2026-03-04', '2026-03-05', '2026-03-06']);
    // A second run charges nothing and so writes no event.
    await chargeThrough(ctx(), id, '2026-03-06');
    expect((await projectEvents(id)).filter((e) => e.type === 'day.charged')).toHaveLength(3);
    // Call tracking 799.00/month: days 4, 5, 6 of 31 = floor(79900*6/31) - floor(79900*3/31) = 15464 - 7732 = 7732.
    expect(net((await ledgerOf(id)).filter((e) => e.type !== 'payment'))).toBe(-7732);
    expect((await project(id)).chargedThrough).toBe('2026-03-06');
  });

  it('never charges today or a later day', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-08', balance: 100_000 });
    const result = await chargeThrough(ctx(), id, '2026-03-12');
    expect(result.days.map((d) => d.date)).toEqual(['2026-03-08', '2026-03-09']);
    expect(result.chargedThrough).toBe('2026-03-09');
  });

  it('a month of a product sums to its monthly price (a 30-day catch-up)', async () => {
    env.at('2026-05-02T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-04-01', balance: 1_000_000 });
    await change(id, '2026-04-01T00:00:00+03:00', product('calltracking', true));
    await change(id, '2026-04-01T00:00:00+03:00', product('telephony', true, 5));
    const result = await chargeThrough(ctx(), id, '2026-04-30');
    expect(result.days).toHaveLength(30);
    const ledger = await ledgerOf(id);
    const of = (productId: string) => ledger.filter((e) => e.productId === productId).reduce((s, e) => s + e.amount, 0);
    expect(of('calltracking')).toBe(-79_900);
    // Telephony with 5 seats: 499.00 + 2 extra seats * 99.00 = 697.00 a month.
    expect(of('telephony')).toBe(-69_700);
    // The discount (2 products, 5%) is rounded per day: each day's line is round_half_up(subtotal * 5 / 100).
    for (const day of daysFromTo('2026-04-01', '2026-04-30')) {
      const lines = ledger.filter((e) => e.date === day);
      const subtotal = -lines.filter((e) => e.type === 'product_daily').reduce((s, e) => s + e.amount, 0);
      expect(lines.find((e) => e.type === 'discount')!.amount).toBe(Math.floor((subtotal * 5 * 2 + 100) / 200));
    }
    expect((await project(id)).balance).toBe(1_000_000 + net(ledger.filter((e) => e.type !== 'payment')));
  });

  it('a seat removed at noon: the day is charged at the most seats in force, the next day at the new count', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-02', balance: 500_000 });
    await change(id, '2026-03-01T12:00:00+02:00', product('telephony', true, 5));
    await change(id, '2026-03-02T12:00:00+02:00', product('telephony', true, 3));
    await chargeThrough(ctx(), id, '2026-03-03');
    const tel = (day: string) => linesOf(id, day).then((l) => l.find((e) => e.productId === 'telephony')!.amount);
    // 5 seats until noon of the 2nd: 697.00/month, day 2 of 31: floor(69700*2/31) - floor(69700/31) = 4496 - 2248 = 2248.
    expect(await tel('2026-03-02')).toBe(-2248);
    // 3 seats on the 3rd: 499.00/month: floor(49900*3/31) - floor(49900*2/31) = 4829 - 3219 = 1610.
    expect(await tel('2026-03-03')).toBe(-1610);
  });

  it('a number held from noon to noon costs two days', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 500_000 });
    await change(id, '2026-03-01T12:00:00+02:00', number('+380441234567', true));
    await change(id, '2026-03-02T12:00:00+02:00', number('+380441234567', false));
    await chargeThrough(ctx(), id, '2026-03-03');
    const numberLines = (await ledgerOf(id)).filter((e) => e.type === 'number_daily');
    // Local 150.00/month: day 1 floor(15000/31) = 483, day 2 floor(30000/31) - 483 = 967 - 483 = 484.
    expect(numberLines.map((e) => [e.date, e.number, e.amount])).toEqual([
      ['2026-03-01', '+380441234567', -483],
      ['2026-03-02', '+380441234567', -484],
    ]);
  });

  it('cuts the 23-hour and 25-hour days in the billing zone (Europe/Kyiv)', async () => {
    env.at('2026-04-05T10:00:00Z');
    const spring = await newProject({ billingStartDate: '2026-03-28', balance: 500_000 });
    // 2026-03-29 runs from 00:00+02:00 (03-28T22:00Z) to 00:00+03:00 (03-29T21:00Z): 23 hours.
    await change(spring, '2026-03-28T22:00:00Z', number('+380440000001', true)); //  first instant of 03-29
    await change(spring, '2026-03-29T21:00:00Z', number('+380440000001', false)); // first instant of 03-30: not held on 03-30
    await change(spring, '2026-03-29T20:59:59Z', number('+380440000002', true)); //  last second of 03-29
    await change(spring, '2026-03-29T21:00:00Z', number('+380440000003', true)); //  03-30 only
    const springCost = await useCalls(spring, [
      { occurredAt: '2026-03-29T20:59:00Z', durationSec: 60 }, // 23:59 on 03-29
      { occurredAt: '2026-03-29T21:00:30Z', durationSec: 60 }, // 00:00:30 on 03-30
    ]);
    await chargeThrough(ctx(), spring, '2026-03-30');
    const held = async (id: string, day: string) => (await linesOf(id, day)).filter((e) => e.type === 'number_daily').map((e) => e.number);
    expect(await held(spring, '2026-03-28')).toEqual([]);
    expect(await held(spring, '2026-03-29')).toEqual(['+380440000001', '+380440000002']);
    // +...2 came at the last second of 03-29 and stays.
    expect(await held(spring, '2026-03-30')).toEqual(['+380440000002', '+380440000003']);
    // Kyiv landline, per second, 0.60/min: 60 s = 60 kopecks each; one on each side of midnight.
    const telecom = async (id: string, day: string) => (await linesOf(id, day)).find((e) => e.type === 'telecom_daily')!.amount;
    expect(springCost).toBe(120);
    expect(await telecom(spring, '2026-03-29')).toBe(-60);
    expect(await telecom(spring, '2026-03-30')).toBe(-60);

    env.at('2026-11-01T10:00:00Z');
    const autumn = await newProject({ billingStartDate: '2026-10-24', balance: 500_000 });
    // 2026-10-25 runs from 00:00+03:00 (10-24T21:00Z) to 00:00+02:00 (10-25T22:00Z): 25 hours.
    await change(autumn, '2026-10-24T21:00:00Z', number('+380440000004', true)); //  first instant of 10-25
    await change(autumn, '2026-10-25T21:59:59Z', number('+380440000004', false)); // 23:59:59+02:00, still 10-25
    await change(autumn, '2026-10-25T21:30:00Z', number('+380440000005', true)); //  23:30+02:00 on 10-25 (22:30Z would be 10-26)
    await change(autumn, '2026-10-25T22:00:00Z', number('+380440000006', true)); //  first instant of 10-26
    await chargeThrough(ctx(), autumn, '2026-10-26');
    expect(await held(autumn, '2026-10-24')).toEqual([]);
    expect(await held(autumn, '2026-10-25')).toEqual(['+380440000004', '+380440000005']);
    expect(await held(autumn, '2026-10-26')).toEqual(['+380440000005', '+380440000006']);
    // Local 150.00/month, 10-25 is day 25 of 31: floor(15000*25/31) - floor(15000*24/31) = 12096 - 11612 = 484.
    expect((await linesOf(autumn, '2026-10-25')).filter((e) => e.type === 'number_daily').map((e) => e.amount)).toEqual([-484, -484]);
  });

  it('writes the telecom line every day, 0 included, and closes it against late debits', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-05', balance: 500_000 });
    const cost = await useCalls(id, [{ occurredAt: '2026-03-05T10:00:00Z', durationSec: 120 }]);
    await chargeThrough(ctx(), id, '2026-03-06');
    expect((await linesOf(id, '2026-03-05')).find((e) => e.type === 'telecom_daily')).toMatchObject({ amount: -cost, balanceEffect: false });
    expect((await linesOf(id, '2026-03-06')).find((e) => e.type === 'telecom_daily')).toMatchObject({ amount: 0, balanceEffect: false });
    // A late event of the closed 03-05 is counted in the first open day, 03-07.
    const late = await useCalls(id, [{ occurredAt: '2026-03-05T11:00:00Z', durationSec: 60 }]);
    await chargeThrough(ctx(), id, '2026-03-07');
    expect((await linesOf(id, '2026-03-05')).find((e) => e.type === 'telecom_daily')!.amount).toBe(-cost);
    expect((await linesOf(id, '2026-03-07')).find((e) => e.type === 'telecom_daily')!.amount).toBe(-late);
  });

  it('a debit landing while the day is being charged is counted in that day, not lost', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-08', balance: 500_000 });
    const before = await useCalls(id, [{ occurredAt: '2026-03-08T10:00:00Z', durationSec: 60 }]);
    let late = 0;
    let fired = false;
    const doc = faultyDoc(env.doc, (cmd) => {
      if (fired || cmd.name !== 'TransactWriteCommand') return undefined;
      fired = true;
      return { interleave: async () => { late = await useCallsWith(id, '2026-03-08T11:00:00Z'); } };
    });
    await chargeThrough(storeContext({ doc }), id, '2026-03-08');
    expect(fired).toBe(true);
    expect(late).toBeGreaterThan(0);
    expect((await linesOf(id, '2026-03-08')).find((e) => e.type === 'telecom_daily')!.amount).toBe(-(before + late));
    expect((await project(id)).balance).toBe(500_000 - before - late);
  });

  it('a change written while the day is being charged is charged with it', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-08', balance: 500_000 });
    let fired = false;
    const doc = faultyDoc(env.doc, (cmd) => {
      if (fired || cmd.name !== 'TransactWriteCommand') return undefined;
      fired = true;
      return { interleave: () => appendChange(storeContext({ doc: env.doc }), id, { effectiveAt: '2026-03-08T12:00:00+02:00' }, () => number('+380449999999', true)) };
    });
    await chargeThrough(storeContext({ doc }), id, '2026-03-08');
    expect(fired).toBe(true);
    expect((await linesOf(id, '2026-03-08')).filter((e) => e.type === 'number_daily').map((e) => e.number)).toEqual(['+380449999999']);
  });

  it('writes project.blocked with the charge that takes the balance below the credit limit', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 2_000, creditLimit: 1_000 });
    await change(id, '2026-03-01T00:00:00+02:00', product('calltracking', true));
    await chargeThrough(ctx(), id, '2026-03-02');
    // 2000 - 2577 = -577 (not below -1000), then - 2577 = -3154: blocked on the 2nd.
    const events = await projectEvents(id);
    const blocked = events.filter((e) => e.type === 'project.blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ projectId: id, data: { balance: -3154, creditLimit: 1_000 } });
    // In the day's own transaction: right after that day's day.charged.
    const day2 = events.find((e) => e.type === 'day.charged' && e.data.date === '2026-03-02')!;
    expect(blocked[0]!.sequence).toBe(day2.sequence + 1);
    expect((await project(id)).status).toBe('blocked');
  });

  it('reads only the changes since the last charged day (the snapshot), not the whole history', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await newProject({ billingStartDate: '2026-03-01', balance: 1_000_000 });
    for (const day of daysFromTo('2026-03-01', '2026-03-07')) {
      await change(id, `${day}T09:00:00+02:00`, product('telephony', true, 3 + (Number(day.slice(8)) % 3)));
      await change(id, `${day}T10:00:00+02:00`, number(`+38044000${day.slice(8)}00`, true));
    }
    await chargeThrough(ctx(), id, '2026-03-07');
    await change(id, '2026-03-08T09:00:00+02:00', product('callback', true));
    const read = await readTimeline(ctx(), id, { sessionsFrom: '2026-03-01', sessionsTo: '2026-03-08' });
    expect(read.base?.asOf).toBe('2026-03-07');
    expect(read.changes).toHaveLength(1);
    // And the snapshot carries the state: the 8th is charged for 7 numbers, callback and telephony.
    await chargeThrough(ctx(), id, '2026-03-08');
    const day8 = await linesOf(id, '2026-03-08');
    expect(day8.filter((e) => e.type === 'number_daily')).toHaveLength(7);
    expect(day8.filter((e) => e.type === 'product_daily').map((e) => e.productId).sort()).toEqual(['callback', 'telephony']);
  });
});

/** Number lines that fit beside 4 products and the discount, for a project without alert rules. */
const MAX_NUMBER_LINES = dayLineRoom(NO_ALERTS) - 5;

describe('a day with more numbers than a transaction holds', () => {
  async function withNumbers(count: number, mobile: number): Promise<string> {
    const id = await newProject({ billingStartDate: '2026-03-09', balance: 10_000_000 });
    const items = Array.from({ length: count }, (_, i) => {
      const n = `+38044${String(1_000_000 + i)}`;
      const at = utcIso(Date.parse('2026-03-09T08:00:00Z') + i);
      return { ...keys.change(id, at, `t${i}`), kind: 'number', at, seq: 0, number: n, numberType: i < mobile ? 'mobile' : 'local', held: true };
    });
    for (let i = 0; i < items.length; i += 25) {
      await env.doc.send(new BatchWriteCommand({ RequestItems: { [env.tables.PROJECTS_TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    await change(id, '2026-03-09T07:00:00Z', product('telephony', true));
    await change(id, '2026-03-09T07:00:00Z', product('callback', true));
    await change(id, '2026-03-09T07:00:00Z', product('calltracking', true));
    await change(id, '2026-03-09T07:00:00Z', product('analytics', true));
    return id;
  }

  it(`charges up to ${MAX_NUMBER_LINES} numbers one line each (the transaction is then full but for a status event)`, async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await withNumbers(MAX_NUMBER_LINES, 0);
    await chargeThrough(ctx(), id, '2026-03-09');
    const lines = await linesOf(id, '2026-03-09');
    expect(lines.filter((e) => e.type === 'number_daily')).toHaveLength(MAX_NUMBER_LINES);
    // 4 products + discount + numbers + telecom line = lines; + telecom check, project, snapshot, the
    // month's sums, day.charged = 98, and room for project.blocked, the credit grants' draws item and an
    // auto top-up's event makes 100.
    expect((await projectEvents(id)).filter((e) => e.type === 'day.charged')).toHaveLength(1);
    expect(lines.length + 4 + 1 + 1 + 2).toBe(MAX_TRANSACTION_ITEMS);
  });

  it('charges more numbers as one line per type, same total', async () => {
    env.at('2026-03-10T10:00:00Z');
    const id = await withNumbers(100, 35);
    await chargeThrough(ctx(), id, '2026-03-09');
    const numbers = (await linesOf(id, '2026-03-09')).filter((e) => e.type === 'number_daily');
    // 65 local at 150.00 and 35 mobile at 200.00 (100 numbers), day 9 of 31: shares 484 (= 4354 - 3870) and 645 (= 5806 - 5161).
    expect(dayShare(DEFAULT_PLAN.numbers.local!, '2026-03-09')).toBe(484);
    expect(dayShare(DEFAULT_PLAN.numbers.mobile!, '2026-03-09')).toBe(645);
    expect(numbers.map((e) => [e.entryId, e.amount])).toEqual([
      ['charge#2026-03-09#numbers#local', -65 * 484],
      ['charge#2026-03-09#numbers#mobile', -35 * 645],
    ]);
    expect((await project(id)).chargedThrough).toBe('2026-03-09');
  });
});

/** One 60-second call to a Kyiv landline on the raw client (the interleaved writer). */
function useCallsWith(projectId: string, occurredAt: string): Promise<number> {
  return useCalls(projectId, [{ occurredAt, durationSec: 60 }], storeContext({ doc: env.doc }));
}
