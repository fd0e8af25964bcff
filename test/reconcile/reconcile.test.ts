/**
 * The reconciler against DynamoDB Local: records written directly (fixtures.ts), each test breaks one
 * invariant and expects exactly that mismatch, and nothing else.
 */
import { QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/store/keys';
import type { StoreContext } from '../../shared/store/context';

type Tables = StoreContext['tables'];
import { useTables } from '../support/dynamo';
import { Fixture, iso, MIN, NOW, tablesOf } from './fixtures';
import { reconcileAll, reconcileProject } from '../../shared/billing/reconcile';

let fx: Fixture;
let doc: DynamoDBDocumentClient;
let tables: Tables;
// Events here are all within days of the start: a short lookback keeps the per-day index reads few.
const opts = { now: NOW, zone: 'Europe/Kyiv', lookbackDays: 2 };

beforeAll(async () => {
  const t = await useTables();
  doc = t.doc;
  tables = tablesOf(t.tables);
  fx = new Fixture(doc, tables);
});

const kinds = (r: { mismatches: { kind: string }[] }) => r.mismatches.map((m) => m.kind);

describe('reconcileProject', () => {
  it('finds nothing wrong with a consistent project', async () => {
    await fx.consistent('ok1');
    // The default lookback (31 days before the start) too.
    const r = await reconcileProject({ doc, tables }, 'ok1', { now: NOW, zone: 'Europe/Kyiv' });
    expect(r).toEqual({ projectId: 'ok1', ok: true, mismatches: [], settled: true });
  });

  it('reports a balance off by one', async () => {
    // 9728 is what the records give (fixtures.ts); the item says 9727.
    await fx.consistent('bal1', { balance: 9727 });
    const r = await reconcileProject({ doc, tables }, 'bal1', opts);
    expect(r.ok).toBe(false);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'balance', expected: 9728, actual: 9727 })]);
  });

  it('reports an event not debited long after it arrived, and only past the threshold', async () => {
    await fx.consistent('stuck1');
    // Received 16 minutes ago, never debited: the balance does not include it, so only "undebited".
    await fx.event('stuck1', { eventId: 'stuck1-old', cost: 3, day: '2025-03-04', receivedAt: iso(NOW - 16 * MIN) });
    const r = await reconcileProject({ doc, tables }, 'stuck1', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'undebited', expected: 0, actual: 1 })]);
    expect(r.mismatches[0]!.detail).toContain('stuck1-old');
    // The fresh e5 (1 minute) never counted; with a 20-minute threshold the old one is not stuck either.
    expect((await reconcileProject({ doc, tables }, 'stuck1', { ...opts, stuckAfterMs: 20 * MIN })).ok).toBe(true);
  });

  it('reports a telecom line that does not match the events counted on its day', async () => {
    await fx.consistent('tel1');
    // Same entry id and date, so the same item: the day's line is now -29 while its events cost 30.
    await fx.entry('tel1', { entryId: 'telecom#2025-03-01', date: '2025-03-01', type: 'telecom_daily', amount: -29, balanceEffect: false });
    const r = await reconcileProject({ doc, tables }, 'tel1', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'telecom', date: '2025-03-01', expected: -30, actual: -29 })]);
  });

  it('reports an event counted on a closed day that its line does not include', async () => {
    await fx.consistent('tel2');
    // An event counted on closed day 03-02 that the day's line (-20) does not include: -20 - 9 = -29 expected.
    await fx.event('tel2', { eventId: 'tel2-x', cost: 9, day: '2025-03-02', debitedAt: iso(NOW - 90 * MIN), countedOn: '2025-03-02' });
    await fx.project('tel2', { balance: 9728 - 9, chargedThrough: '2025-03-02', version: 10 });
    const r = await reconcileProject({ doc, tables }, 'tel2', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'telecom', date: '2025-03-02', expected: -29, actual: -20 })]);
  });

  it('reports a charge dated after the last charged day', async () => {
    // The extra -100 is in the balance too (9728 - 100), so only the date is wrong.
    await fx.consistent('open1', { balance: 9628 });
    await fx.entry('open1', { entryId: 'charge#2025-03-03#product#telephony', date: '2025-03-03', type: 'product_daily', amount: -100, balanceEffect: true, productId: 'telephony' });
    const r = await reconcileProject({ doc, tables }, 'open1', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'unclosed_day_charged', date: '2025-03-03', actual: -100 })]);
  });

  it('reports an entry id stored twice (a payment credited on two dates)', async () => {
    await fx.consistent('dup1', { balance: 19728 });
    await fx.entry('dup1', { entryId: 'payment#p1', date: '2025-03-02', type: 'payment', amount: 10000, balanceEffect: true });
    const r = await reconcileProject({ doc, tables }, 'dup1', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'duplicate_entry', expected: 1, actual: 2 })]);
  });

  it('reports a product charged twice on one day under different ids', async () => {
    await fx.consistent('dup2', { balance: 9628 });
    await fx.entry('dup2', { entryId: 'charge#2025-03-01#product#telephony#again', date: '2025-03-01', type: 'product_daily', amount: -100, balanceEffect: true, productId: 'telephony' });
    const r = await reconcileProject({ doc, tables }, 'dup2', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'duplicate_charge', date: '2025-03-01', expected: 1, actual: 2 })]);
  });

  it('accepts number lines grouped per type (no number field) as distinct charges', async () => {
    // charges.ts groups numbers per type on a day with too many: -300 local, -200 mobile; 9728 - 500.
    await fx.consistent('grp1', { balance: 9228 });
    await fx.entry('grp1', { entryId: 'charge#2025-03-02#numbers#local', date: '2025-03-02', type: 'number_daily', amount: -300, balanceEffect: true });
    await fx.entry('grp1', { entryId: 'charge#2025-03-02#numbers#mobile', date: '2025-03-02', type: 'number_daily', amount: -200, balanceEffect: true });
    expect((await reconcileProject({ doc, tables }, 'grp1', opts)).mismatches).toEqual([]);
  });

  it('reports an open day whose running total differs from its events', async () => {
    await fx.consistent('opentel1');
    await fx.telecom('opentel1', '2025-03-03', 13, 2); // events counted on 03-03: 5 + 7 = 12
    const r = await reconcileProject({ doc, tables }, 'opentel1', opts);
    expect(r.mismatches).toEqual([expect.objectContaining({ kind: 'open_telecom', date: '2025-03-03', expected: 12, actual: 13 })]);
  });

  it('reports a debited event without the day it was counted on', async () => {
    await fx.consistent('mark1', { balance: 9728 - 4 });
    await fx.event('mark1', { eventId: 'mark1-x', cost: 4, day: '2025-03-04', debitedAt: iso(NOW - 30 * MIN) });
    const r = await reconcileProject({ doc, tables }, 'mark1', opts);
    expect(kinds(r)).toEqual(['debit_mark']);
  });

  it('throws NotFound for a project that does not exist', async () => {
    await expect(reconcileProject({ doc, tables }, 'nobody', opts)).rejects.toThrow(/not found/);
  });

  it('does not compare the balance of a project that keeps changing, but still checks its closed days', async () => {
    await fx.consistent('busy1', { balance: 1 });
    await fx.entry('busy1', { entryId: 'telecom#2025-03-02', date: '2025-03-02', type: 'telecom_daily', amount: -21, balanceEffect: false });
    // Every ledger read is followed by a version bump, as if a debit committed meanwhile.
    const busy = withHook(doc, async (cmd) => {
      if (cmd instanceof QueryCommand && cmd.input.TableName === tables.ledger) {
        await doc.send(new UpdateCommand({ TableName: tables.projects, Key: keys.project('busy1'), UpdateExpression: 'ADD version :one', ExpressionAttributeValues: { ':one': 1 } }));
      }
    });
    const r = await reconcileProject({ doc: busy, tables: tables }, 'busy1', { ...opts, settleAttempts: 2 });
    expect(r.settled).toBe(false);
    expect(kinds(r)).toEqual(['telecom']);
  });
});

/** A client that runs `after` once each command has answered (to act between the reconciler's reads). */
function withHook(doc: DynamoDBDocumentClient, after: (cmd: unknown) => Promise<void>): DynamoDBDocumentClient {
  return new Proxy(doc, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (cmd: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        const out = await target.send(cmd);
        await after(cmd);
        return out;
      };
    },
  });
}

describe('reconcileAll', () => {
  let all: Fixture;
  let allTables: Tables;
  let allDoc: DynamoDBDocumentClient;

  beforeAll(async () => {
    // Tables of its own: reconcileAll sees every project of its tables.
    const t = await useTables();
    allDoc = t.doc;
    allTables = tablesOf(t.tables);
    all = new Fixture(allDoc, allTables);
    await all.consistent('good');
    await all.consistent('bad', { balance: 9729 });
  });

  it('reports only the project that is wrong', async () => {
    const s = await reconcileAll({ doc: allDoc, tables: allTables }, opts);
    expect(s.projects).toBe(2);
    expect(s.usageEvents).toBe(12);
    expect(s.reports).toEqual([{ projectId: 'bad', ok: false, settled: true, mismatches: [expect.objectContaining({ kind: 'balance', expected: 9728, actual: 9729 })] }]);
    expect(s.mismatches).toBe(1);
  });

  it('clears a project the scan saw mid-debit by checking it again alone', async () => {
    const t = await useTables();
    const tb = tablesOf(t.tables);
    const f = new Fixture(t.doc, tb);
    await f.consistent('live');
    let debitedAfterScan = false;
    let dayQueries = 0;
    const live = withHook(t.doc, async (cmd) => {
      if (cmd instanceof QueryCommand && cmd.input.IndexName) dayQueries++;
      if (!(cmd instanceof ScanCommand) || debitedAfterScan) return;
      debitedAfterScan = true;
      // e5 (11, day 03-04) is debited after the scan read it as pending: balance 9728 - 11, open 03-04 total 11.
      await f.mark('live', 'live-e5', iso(NOW), '2025-03-04');
      await f.project('live', { balance: 9717, chargedThrough: '2025-03-02', version: 10 });
      await f.telecom('live', '2025-03-04', 11, 1);
    });
    const s = await reconcileAll({ doc: live, tables: tb }, opts);
    expect(debitedAfterScan).toBe(true);
    expect(dayQueries).toBeGreaterThan(0); // the fast check failed and the project was read again by day
    expect(s.reports).toEqual([]);
  });

  it('reports usage of a project that does not exist', async () => {
    const t = await useTables();
    const tb = tablesOf(t.tables);
    const f = new Fixture(t.doc, tb);
    await f.consistent('real');
    await f.event('ghost', { eventId: 'ghost-1', cost: 5, day: '2025-03-03' });
    const s = await reconcileAll({ doc: t.doc, tables: tb }, opts);
    expect(s.projects).toBe(1);
    expect(s.reports).toEqual([{ projectId: 'ghost', ok: false, settled: true, mismatches: [expect.objectContaining({ kind: 'unknown_project', actual: 1 })] }]);
  });
});
