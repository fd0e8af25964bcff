import { beforeAll, describe, expect, it } from 'vitest';
import { storeContext } from '../../shared/store/context';
import { decodeCursor, encodeCursor, InvalidCursor, listLedger, telecomHistory } from '../../shared/store/ledger';
import { billingEnv, change, ledgerOf, newProject, number, product, useCalls } from '../support/billing';
import { type LedgerEntry } from '../../shared/domain/ledger';
import { chargeThrough } from '../../shared/billing/charge-through';
import { toCsv } from '../../shared/http/csv';
import { recordPayment } from '../../shared/billing/payments';

let id: string;

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
  id = await newProject({ billingStartDate: '2026-03-01', balance: 1_000_000 });
  await change(id, '2026-03-01T08:00:00Z', product('telephony', true));
  await change(id, '2026-03-01T08:00:00Z', product('analytics', true));
  await change(id, '2026-03-02T08:00:00Z', number('+380441112233', true));
  await useCalls(id, [{ occurredAt: '2026-03-03T08:00:00Z', durationSec: 90 }]);
  await chargeThrough(storeContext(), id, '2026-03-06');
  await recordPayment(storeContext(), id, 'pay-ledger-2', 5_000);
});

describe('listing the ledger', () => {
  it('pages through every entry exactly once, oldest first, whatever the page size', async () => {
    const all = await ledgerOf(id);
    expect(all.length).toBeGreaterThan(20);
    for (const limit of [1, 3, 7, all.length, 1000]) {
      const seen: LedgerEntry[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listLedger(storeContext(), id, { limit, cursor });
        expect(page.entries.length).toBeLessThanOrEqual(limit);
        seen.push(...page.entries);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen).toEqual(all);
      // One more read than asked tells the last page apart: no empty page at the end.
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    const dates = all.map((e) => e.date);
    expect(dates).toEqual([...dates].sort());
  });

  it('keeps to the from/to range, inclusive, and strips the storage attributes', async () => {
    const page = await listLedger(storeContext(), id, { from: '2026-03-02', to: '2026-03-03' });
    expect(new Set(page.entries.map((e) => e.date))).toEqual(new Set(['2026-03-02', '2026-03-03']));
    expect(page.entries.every((e) => !('pk' in e) && !('sk' in e) && !('createdAt' in e) && !('projectId' in e))).toBe(true);
    expect(page.entries.find((e) => e.type === 'number_daily')).toMatchObject({ number: '+380441112233', amount: -484 });
    expect(page.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not make, or one outside the range', async () => {
    await expect(listLedger(storeContext(), id, { cursor: 'not a cursor!' })).rejects.toBeInstanceOf(InvalidCursor);
    await expect(listLedger(storeContext(), id, { cursor: encodeCursor('payment#x') })).rejects.toBeInstanceOf(InvalidCursor);
    const first = await listLedger(storeContext(), id, { limit: 2 });
    await expect(listLedger(storeContext(), id, { from: '2026-03-05', cursor: first.nextCursor! })).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
    expect(decodeCursor(encodeCursor('2026-03-02#charge#x'), '2026-03-01', '2026-03-31')).toBe('2026-03-02#charge#x');
  });

  it('judges a cursor by what it decodes to: a well-formed <date>#<entryId> of at most 1,024 bytes', async () => {
    const range = ['2026-03-01', '2026-03-31'] as const;
    // 1,024 bytes is DynamoDB's limit on a sort key: a longer ExclusiveStartKey is a 500 on AWS.
    const longest = `2026-03-02#payment#${'a'.repeat(1024 - '2026-03-02#payment#'.length)}`;
    expect(decodeCursor(encodeCursor(longest), ...range)).toBe(longest);
    const forged = [
      `${longest}a`, // 1,025 bytes: a 1,368-character cursor, under the query's 2,048
      `2026-03-02#${'é'.repeat(600)}`, // 600 characters but 1,211 bytes
      '2026-03-02#', // no entry id
      '2026-03-02#charge#x y', // a space no entry id has
      '2026-03-02#charge#x\u0000', // nor a NUL
      '2026-03-02##', // an id starts with a letter
      '0000-03-02#payment#x', // no billing day
      '2026-03-02payment#x',
    ];
    for (const sk of forged) expect(() => decodeCursor(encodeCursor(sk), ...range), sk.slice(0, 40)).toThrow(InvalidCursor);
    const page = listLedger(storeContext(), id, { cursor: encodeCursor(`${longest}a`) });
    await expect(page).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
  });

  it('gives the telecom history of closed days from their telecom_daily lines', async () => {
    const history = await telecomHistory(storeContext(), id, '2026-03-01', '2026-03-09');
    expect(history.map((h) => h.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    // 90 s to a Kyiv landline, per second at 0.60/min: round_half_up(60 * 90 / 60) = 90 kopecks.
    expect(history.find((h) => h.date === '2026-03-03')!.telecom).toBe(90);
    expect(history.filter((h) => h.date !== '2026-03-03').every((h) => h.telecom === 0)).toBe(true);
  });
});

describe('CSV', () => {
  it('has the header and one row per entry, quoting what needs quoting', () => {
    const csv = toCsv([
      { entryId: 'charge#2026-03-01#product#telephony', date: '2026-03-01', type: 'product_daily', description: 'Business telephony (3 seats), day 1 of 31: 1/31 of 499.00 UAH per month', amount: -1609, balanceEffect: true, productId: 'telephony' },
      { entryId: 'x', date: '2026-03-01', type: 'adjustment', description: 'said "sorry"\nthen fixed', amount: 5, balanceEffect: true },
      { entryId: 'charge#2026-03-01#number#+380441112233', date: '2026-03-01', type: 'number_daily', description: 'n', amount: -483, balanceEffect: true, number: '+380441112233' },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'entryId,date,type,description,amount,balanceEffect,productId,number',
      'charge#2026-03-01#product#telephony,2026-03-01,product_daily,"Business telephony (3 seats), day 1 of 31: 1/31 of 499.00 UAH per month",-1609,true,telephony,',
      'x,2026-03-01,adjustment,"said ""sorry""\nthen fixed",5,true,,',
      "charge#2026-03-01#number#+380441112233,2026-03-01,number_daily,n,-483,true,,'+380441112233",
      '',
    ]);
  });

  it('neutralises a text cell starting with = + - @ tab or CR (OWASP), and writes numbers plain', () => {
    const entry = (description: string, amount = -1234) => ({ entryId: 'x', date: '2026-03-01', type: 'adjustment' as const, description, amount, balanceEffect: true });
    const row = (description: string, amount?: number) => toCsv([entry(description, amount)]).split('\r\n')[1];
    expect(row('=HYPERLINK("http://x","y")')).toBe(`x,2026-03-01,adjustment,"'=HYPERLINK(""http://x"",""y"")",-1234,true,,`);
    expect(row('+380441230001')).toBe("x,2026-03-01,adjustment,'+380441230001,-1234,true,,");
    expect(row('-2+3')).toBe("x,2026-03-01,adjustment,'-2+3,-1234,true,,");
    expect(row('@SUM(A1)')).toBe("x,2026-03-01,adjustment,'@SUM(A1),-1234,true,,");
    expect(row('\t=1')).toBe("x,2026-03-01,adjustment,'\t=1,-1234,true,,");
    expect(row('\r=1')).toBe(`x,2026-03-01,adjustment,"'\r=1",-1234,true,,`);
    // Inside a cell, or a number in the amount column: left as it is.
    expect(row('Refund -5.00 = goodwill', -500)).toBe('x,2026-03-01,adjustment,Refund -5.00 = goodwill,-500,true,,');
  });
});

