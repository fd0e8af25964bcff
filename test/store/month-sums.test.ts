import { GetCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { book, type MonthSums } from '../../shared/domain/statement';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { monthSumsItem, readMonthSums, sumsAdds } from '../../shared/store/month-sums';
import { transact } from '../../shared/store/transactions';
import { billingEnv } from '../support/billing';
import type { LedgerEntry } from '../../shared/domain/ledger';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });
const ctx = () => storeContext();

const line = (date: string, type: LedgerEntry['type'], amount: number, extra: Partial<LedgerEntry> = {}): LedgerEntry =>
  ({ entryId: `${type}#${date}#${amount}`, date, type, description: type, amount, balanceEffect: true, ...extra });

describe('a month\'s sums item', () => {
  it('holds what the ADDs booked, month by month, and reads back as the domain sums them', async () => {
    const id = `prj_sums_${Date.now()}`;
    const bookings = [
      { entries: [line('2026-02-27', 'product_daily', -1_782, { productId: 'telephony' }), line('2026-02-27', 'discount', 232)] },
      { entries: [line('2026-02-28', 'payment', 50_000), line('2026-03-01', 'payment', 7)] },
      { entries: [line('2026-02-28', 'number_daily', -536, { number: '+380441234567', description: 'Number +380441234567 (local), day 28 of 28' })],
        closedDay: { day: '2026-02-28', kinds: new Map([['sms', { count: 7, amount: 1_200 }]] as const) } },
    ];
    // A project made before sums were kept books none.
    expect(sumsAdds(ctx(), { projectId: id }, bookings[0]!)).toEqual([]);
    for (const b of bookings) expect((await transact(env.doc, sumsAdds(ctx(), { projectId: id, sumsKept: true }, b))).committed).toBe(true);
    let expected = {};
    for (const b of bookings) expected = book(expected, b);
    const feb = await readMonthSums(ctx(), id, '2026-02', '2026-02');
    expect(feb).toEqual((expected as Record<string, MonthSums>)['2026-02']);
    // March's payment is its own month's; a range of months merges them.
    expect((await readMonthSums(ctx(), id, '2026-03', '2026-03')).byType).toEqual({ payment: 7 });
    expect((await readMonthSums(ctx(), id, '0001-01', '2026-03')).byType.payment).toBe(50_007);
    // The fixture writer leaves the item the ADDs leave.
    const item = monthSumsItem(id, '2026-02', feb);
    const stored = await env.doc.send(new GetCommand({ TableName: env.tables.PROJECTS_TABLE, Key: keys.monthSums(id, '2026-02'), ConsistentRead: true }));
    expect(stored.Item).toEqual(item);
  });

  it('a sum DynamoDB holds past 2^53 reads as inexact (its statement then comes from the ledger), not as a failed read', async () => {
    const id = `prj_sums_big_${Date.now()}`;
    await env.doc.send(new PutCommand({ TableName: env.tables.PROJECTS_TABLE, Item: { ...keys.monthSums(id, '2026-02'), 't#telecom_daily': NumberValue.from('-18014398509481982') } }));
    const s = await readMonthSums(ctx(), id, '2026-02', '2026-02');
    expect(s.inexact).toBe(true);
  });
});
