/**
 * Every usage event is debited exactly once, on DynamoDB Local's real stream, under the faults of
 * docs/reliability.md: duplicates at ingestion, redelivered batches, a batch failed in the middle and
 * re-sent from the lowest failed record, racing invocations, cancelled and ambiguous transactions.
 */
import { putAlertRules } from '../../shared/billing/alerts';
import { eventTypes, projectEvents } from '../support/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { debitStream } from '../../functions/usage/debit-usage';
import { streamEventOf } from '../../local/stream-poller';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { MAX_TRANSACTION_ITEMS } from '../../shared/store/transactions';
import { conflictCancellation, conflictException, faultyDoc, hardFailure, timeout, touchesProject } from '../support/faulty-doc';
import { moneyState } from '../support/money-check';
import { deliver, type StreamRecord } from '../support/stream';
import { costOf, expectSettled, paidProject, post, setup, streamOf, usageEvents, type Env } from './fixtures';
import { recordPayment } from '../../shared/billing/payments';
import { getProject } from '../../shared/billing/projects';

let env: Env;
beforeAll(async () => { env = await setup(); });
afterAll(() => env.reader.close());

const debit = (records: readonly StreamRecord[], doc = env.doc) => debitStream(streamEventOf(records), storeContext({ doc }));
const PAID = 1_000_000;

describe('the real-time debit', () => {
  it('refuses duplicate events at ingestion, within a request and across requests', async () => {
    const p = await paidProject(PAID);
    const first = usageEvents(p, 30, 'dup');
    expect(await post(first)).toEqual({ accepted: 30, duplicates: 0 });
    const more = usageEvents(p, 40, 'dup'); // the same 30 ids, then 10 new ones
    const again = await post([...more, more[35]!]); // and one id twice in the same request
    expect(again).toEqual({ accepted: 10, duplicates: 31 });
    const records = await streamOf(env, more.map((e) => e.eventId));
    expect(records).toHaveLength(40); // one INSERT per event: duplicates never reached the stream
    await deliver((e) => debitStream(e), records);
    await expectSettled(env, p, PAID, costOf(more));
  });

  it('moves nothing when the same batch is delivered twice', async () => {
    const p = await paidProject(PAID);
    const events = usageEvents(p, 110, 'twice');
    await post(events);
    const records = await streamOf(env, events.map((e) => e.eventId));
    expect((await debit(records)).batchItemFailures).toEqual([]);
    const once = await moneyState(env.doc, env.tables, p);
    expect((await debit(records)).batchItemFailures).toEqual([]);
    const twice = await moneyState(env.doc, env.tables, p);
    expect(twice.balance).toBe(once.balance);
    expect(twice.version).toBe(once.version); // the redelivery committed no transaction at all
    await expectSettled(env, p, PAID, costOf(events));
  });

  it('reports the lowest failed record and settles when the batch is re-sent from it', async () => {
    const a = await paidProject(PAID);
    const b = await paidProject(PAID);
    const ea = usageEvents(a, 25, 'mid');
    const eb = usageEvents(b, 25, 'mid');
    // Interleaved, so b's first record sits in the middle of the batch with a's records after it.
    await post(ea.slice(0, 10));
    await post(eb);
    await post(ea.slice(10));
    const records = await streamOf(env, [...ea, ...eb].map((e) => e.eventId));
    const lowestOfB = records.find((r) => r.dynamodb?.NewImage?.projectId?.S === b)!.dynamodb!.SequenceNumber!;
    let failuresLeft = 1;
    const doc = faultyDoc(env.doc, (cmd) => (touchesProject(cmd, b) && failuresLeft-- > 0 ? { before: hardFailure() } : undefined));
    const log = await deliver((e) => debitStream(e, storeContext({ doc })), records, { batchSize: 200 });
    expect(log.failures).toEqual([lowestOfB]);
    expect(log.invocations).toBe(2);
    await expectSettled(env, a, PAID, costOf(ea));
    await expectSettled(env, b, PAID, costOf(eb));
  });

  it('debits once when two invocations race on the same records and on split records', async () => {
    const p = await paidProject(PAID);
    const events = usageEvents(p, 150, 'race');
    await post(events);
    const records = await streamOf(env, events.map((e) => e.eventId));
    const same = await Promise.all([debit(records), debit(records)]);
    expect(same.flatMap((r) => r.batchItemFailures)).toEqual([]);
    await expectSettled(env, p, PAID, costOf(events));

    const q = await paidProject(PAID);
    const more = usageEvents(q, 150, 'split');
    await post(more);
    const rs = await streamOf(env, more.map((e) => e.eventId));
    const split = await Promise.all([debit(rs.slice(0, 80)), debit(rs.slice(60)), debit(rs), debit(rs.slice(30, 120))]);
    expect(split.flatMap((r) => r.batchItemFailures)).toEqual([]);
    await expectSettled(env, q, PAID, costOf(more));
  });

  it('retries transactions cancelled by conflicts and survives a commit whose answer was lost', async () => {
    const p = await paidProject(PAID);
    const events = usageEvents(p, 150, 'cancel');
    await post(events);
    const records = await streamOf(env, events.map((e) => e.eventId));
    let writes = 0;
    const doc = faultyDoc(env.doc, (cmd) => {
      if (cmd.name !== 'TransactWriteCommand') return undefined;
      const n = writes++;
      const items = cmd.input.TransactItems.length as number;
      if (n < 2) return { before: conflictCancellation(items, Math.floor(items / 2)) }; // cancelled half-way through the items
      if (n < 4) return { before: conflictException() };
      if (n === 4) return { after: timeout() }; // committed, but the caller never heard
      return undefined;
    });
    expect((await debit(records, doc)).batchItemFailures).toEqual([]);
    expect(writes).toBeGreaterThan(5);
    for (const c of doc.calls.filter((c) => c.name === 'TransactWriteCommand')) expect(c.input.TransactItems.length).toBeLessThanOrEqual(MAX_TRANSACTION_ITEMS);
    await expectSettled(env, p, PAID, costOf(events));
  });

  it('counts an event of a closed day on the first open day, also when the day closes mid-debit', async () => {
    const p = await paidProject(PAID);
    const ctx = storeContext();
    // As if the nightly charge had closed 2026-03-08: the version moves with chargedThrough.
    const close = (day: string) => env.doc.send(new UpdateCommand({
      TableName: env.tables.PROJECTS_TABLE, Key: keys.project(p),
      UpdateExpression: 'SET chargedThrough = :d, version = version + :one', ExpressionAttributeValues: { ':d': day, ':one': 1 },
    }));
    await close('2026-03-08');
    const late = usageEvents(p, 5, 'late', '2026-03-07');
    const today = usageEvents(p, 5, 'ontime', '2026-03-10');
    await post([...late, ...today]);
    const records = await streamOf(env, [...late, ...today].map((e) => e.eventId));
    // The night closes 2026-03-09 between the debit's read of the project and its first transaction.
    let closed = false;
    const doc = faultyDoc(env.doc, (cmd) => {
      if (cmd.name !== 'TransactWriteCommand' || closed) return undefined;
      closed = true;
      return { interleave: () => close('2026-03-09') };
    });
    expect((await debit(records, doc)).batchItemFailures).toEqual([]);
    const { Items } = await env.doc.send(new QueryCommand({
      TableName: env.tables.PROJECTS_TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
      ExpressionAttributeValues: { ':pk': keys.project(p).pk, ':t': keys.telecomPrefix },
    }));
    // Late events land on 03-10 (the first open day once 03-09 closed), never on the closed 03-09.
    expect(Items?.map((i) => [i.sk, i.events])).toEqual([['telecom#2026-03-10', 10]]);
    expect((await getProject(ctx, p)).lastChargedDate).toBe('2026-03-09');
    await expectSettled(env, p, PAID, costOf([...late, ...today]));
  });

  it('blocks below -creditLimit, warns on a low balance, and a payment unblocks at once', async () => {
    // 10,500 paid is above the balance.low line (10,000); 120 events cost 13,860, past -creditLimit.
    const p = await paidProject(10_500, 1_000);
    await putAlertRules(storeContext(), p, { balanceBelow: [10_000, 0] });
    const events = usageEvents(p, 120, 'block');
    const cost = costOf(events);
    expect(cost).toBeGreaterThan(11_500);
    await post(events);
    const records = await streamOf(env, events.map((e) => e.eventId));
    await deliver((e) => debitStream(e), records, { batchSize: 40 });
    const blocked = await getProject(storeContext(), p);
    expect(blocked.status).toBe('blocked');
    expect(blocked.balance).toBe(10_500 - cost);
    // Batches of 40 in chunks: whichever chunk crossed a line wrote its event, once.
    const mine = await projectEvents(p);
    expect(mine.filter((e) => e.type === 'project.blocked')).toHaveLength(1);
    expect(mine.flatMap((e) => (e.type === 'balance.low' ? [e.data.threshold] : [])).sort()).toEqual([0, 10_000]);
    // Lift the balance to exactly -creditLimit: no longer below it, so active again.
    const lift = cost - 10_500 - 1_000;
    const paid = await recordPayment(storeContext(), p, `lift-${p}`, lift);
    expect(paid.body.balance).toBe(-1_000);
    expect((await getProject(storeContext(), p)).status).toBe('active');
    expect((await eventTypes(p)).filter((t) => t === 'project.unblocked')).toHaveLength(1);
    // Redelivering every record again moves nothing and writes no event.
    const before = (await projectEvents(p)).length;
    await deliver((e) => debitStream(e), records, { batchSize: 40 });
    expect(await projectEvents(p)).toHaveLength(before);
  });
});
