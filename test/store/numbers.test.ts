/**
 * Number holdings (shared/store/numbers.ts): a number never held reads as version null; each write is
 * conditioned on the version it read, so of two writes decided on the same read only one commits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeContext } from '../../shared/store/context';
import { numberHoldingPut, readNumberHolding } from '../../shared/store/numbers';
import { transact } from '../../shared/store/transactions';
import { billingEnv } from '../support/billing';

beforeAll(async () => { await billingEnv('2026-03-10T10:00:00Z'); });

const period = (projectId: string) => ({ projectId, from: '2026-03-10T10:00:00.000Z', until: null });

describe('number holdings', () => {
  it('reads a number never held as empty, version null', async () => {
    expect(await readNumberHolding(storeContext(), '+380449990000')).toEqual({ number: '+380449990000', periods: [], version: null });
  });

  it('writes on the version read: of two writes from one read, the second is refused', async () => {
    const ctx = storeContext();
    const n = '+380449990001';
    const empty = await readNumberHolding(ctx, n);
    expect((await transact(ctx.doc, [numberHoldingPut(ctx, empty, [period('prj_a')], '2026-03-10T10:00:00.000Z')])).committed).toBe(true);
    expect(await transact(ctx.doc, [numberHoldingPut(ctx, empty, [period('prj_b')], '2026-03-10T10:00:00.000Z')])).toMatchObject({ committed: false, reasons: ['ConditionalCheckFailed'] });
    const first = await readNumberHolding(ctx, n);
    expect(first).toEqual({ number: n, periods: [period('prj_a')], version: 1 });
    expect((await transact(ctx.doc, [numberHoldingPut(ctx, first, [], '2026-03-10T11:00:00.000Z')])).committed).toBe(true);
    expect(await transact(ctx.doc, [numberHoldingPut(ctx, first, [period('prj_b')], '2026-03-10T11:00:00.000Z')])).toMatchObject({ committed: false });
    expect(await readNumberHolding(ctx, n)).toEqual({ number: n, periods: [], version: 2 });
  });
});
