/**
 * The byChargedThrough index (shared/store/charge-index.ts): the projects not yet charged for a day,
 * page by page from a resumable cursor, and every project id; only project items, never a timeline
 * change, a total or a key, even though they share the table.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chargeThrough } from '../../shared/billing/charge-through';
import { storeContext } from '../../shared/store/context';
import { isFanOutCursor, listProjectIds, projectsToChargePage, type FanOutCursor } from '../../shared/store/charge-index';
import { CHARGE_SHARDS } from '../../shared/tables';
import { billingEnv, change, newProject, product } from '../support/billing';

const ids: string[] = [];
let charged: string;

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
  for (let i = 0; i < 9; i++) ids.push(await newProject({ billingStartDate: '2026-03-05', balance: 100_000 }));
  // Timeline items in the same partitions must never show up as projects.
  await change(ids[0]!, '2026-03-05T08:00:00Z', product('callback', true));
  charged = await newProject({ billingStartDate: '2026-03-05', balance: 100_000 });
  await chargeThrough(storeContext(), charged, '2026-03-09');
});

async function allPages(date: string, pageSize: number): Promise<{ ids: string[]; pages: number }> {
  const out: string[] = [];
  let cursor: FanOutCursor | null = { shard: 0 };
  let pages = 0;
  while (cursor) {
    const page = await projectsToChargePage(storeContext(), date, cursor, pageSize);
    expect(page.projectIds.length).toBeLessThanOrEqual(pageSize);
    out.push(...page.projectIds);
    cursor = page.next;
    pages++;
  }
  return { ids: out, pages };
}

describe('the charge index', () => {
  it('lists each project not charged for the day once, whatever the page size, and not the one already charged', async () => {
    for (const size of [1, 2, 1000]) {
      const { ids: seen } = await allPages('2026-03-09', size);
      expect([...seen].sort()).toEqual([...ids].sort());
    }
  });

  it('lists a project charged through the day for the next day only', async () => {
    expect((await allPages('2026-03-10', 1000)).ids).toContain(charged);
  });

  it('lists every project, and project items only', async () => {
    expect(await listProjectIds(storeContext())).toEqual([...ids, charged].sort());
  });

  it('accepts only cursors it could have made', () => {
    expect(isFanOutCursor({ shard: 0 })).toBe(true);
    expect(isFanOutCursor({ shard: CHARGE_SHARDS - 1, lastKey: { pk: 'project#x', sk: 'project', chargeShard: 'shard#1', chargedThrough: '2026-03-01' } })).toBe(true);
    expect(isFanOutCursor({ shard: CHARGE_SHARDS })).toBe(false);
    expect(isFanOutCursor({ shard: -1 })).toBe(false);
    expect(isFanOutCursor({ shard: 1.5 })).toBe(false);
    expect(isFanOutCursor({ shard: 0, lastKey: { pk: 1 } })).toBe(false);
    expect(isFanOutCursor('shard 0')).toBe(false);
  });
});
