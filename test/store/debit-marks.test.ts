import { beforeAll, describe, expect, it } from 'vitest';
import { storeContext } from '../../shared/store/context';
import { debitMarkPut, debitMarkRef, readDebitMarks } from '../../shared/store/debit-marks';
import { receiptIsOurs } from '../../shared/store/commit';
import { transact } from '../../shared/store/transactions';
import { billingEnv } from '../support/billing';

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
});

const mark = (eventId: string, debitedAt: string) => ({ eventId, projectId: 'prj_marks', debitedAt, countedOn: '2026-03-10' });

describe('debit marks', () => {
  it('marks an event debited once: a second mark is refused and leaves the first as it was', async () => {
    const ctx = storeContext();
    expect((await transact(ctx.doc, [debitMarkPut(ctx, mark('m-once', '2026-03-10T10:00:01.000Z'), 'round-1')])).committed).toBe(true);
    expect(await transact(ctx.doc, [debitMarkPut(ctx, mark('m-once', '2026-03-10T10:00:02.000Z'), 'round-2')])).toMatchObject({ committed: false, reasons: ['ConditionalCheckFailed'] });
    expect((await readDebitMarks(ctx, ['m-once'])).get('m-once')).toEqual(mark('m-once', '2026-03-10T10:00:01.000Z'));
    // The receipt tells the round that wrote it from any other (a lost answer: shared/store/commit.ts).
    expect(await receiptIsOurs(ctx.doc, debitMarkRef(ctx, 'm-once'), 'round-1')).toBe(true);
    expect(await receiptIsOurs(ctx.doc, debitMarkRef(ctx, 'm-once'), 'round-2')).toBe(false);
  });

  it('reads only the marks that exist, over more ids than one BatchGetItem takes', async () => {
    const ctx = storeContext();
    const ids = Array.from({ length: 130 }, (_, i) => `m-many-${i}`);
    for (let i = 0; i < ids.length; i += 2) expect((await transact(ctx.doc, [debitMarkPut(ctx, mark(ids[i]!, '2026-03-10T10:00:03.000Z'))])).committed).toBe(true);
    const got = await readDebitMarks(ctx, ids);
    expect([...got.keys()].sort()).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
    expect(got.get('m-many-128')).toEqual(mark('m-many-128', '2026-03-10T10:00:03.000Z'));
  });
});
