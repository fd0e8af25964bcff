import { beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../support/events';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createPayment } from '../../functions/api/create-payment';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { useTables } from '../support/dynamo';
import { call, projectAuth, TELEPHONY, type Auth } from '../support/http';
import { type BusEvent } from '../../shared/runtime';
import { createProject, getProject } from '../../shared/billing/projects';

let env: Awaited<ReturnType<typeof useTables>>;
const published: BusEvent[] = [];
beforeAll(async () => {
  env = await useTables();
  setRuntime({ now: () => Date.parse('2026-03-10T10:00:00Z'), events: { publish: async (e) => { published.push(...e); } } });
});

async function newProject(creditLimit = 0): Promise<string> {
  return (await createProject(storeContext(), { name: 'pay', currency: 'UAH', creditLimit, billingStartDate: '2026-03-01' })).project.projectId;
}
const pay = (projectId: string, body: unknown, auth = undefined as Auth) =>
  call(createPayment, 'POST /projects/{projectId}/payments', { params: { projectId }, body, ...(auth !== undefined ? { auth } : {}) });
const ledger = async (projectId: string) => (await env.doc.send(new QueryCommand({
  TableName: env.tables.LEDGER_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId) },
}))).Items ?? [];

describe('POST /projects/{projectId}/payments', () => {
  it('records a payment once: 201, then 200 with the same body and the balance unchanged', async () => {
    const p = await newProject();
    const first = await pay(p, { paymentId: 'pay-1', amount: 15_000 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ paymentId: 'pay-1', amount: 15_000, balance: 15_000 });
    const second = await pay(p, { paymentId: 'pay-2', amount: 5_000 });
    expect(second.body.balance).toBe(20_000);
    const replay = await pay(p, { paymentId: 'pay-1', amount: 15_000 });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body); // the balance right after the first recording, not now
    expect((await getProject(storeContext(), p)).balance).toBe(20_000);
    const entries = await ledger(p);
    expect(entries.map((e) => [e.entryId, e.type, e.amount, e.balanceEffect, e.date])).toEqual([
      ['payment#pay-1', 'payment', 15_000, true, '2026-03-10'],
      ['payment#pay-2', 'payment', 5_000, true, '2026-03-10'],
    ]);
  });

  it('answers 409 for the same paymentId with another amount or project, moving nothing', async () => {
    const p = await newProject();
    const q = await newProject();
    await pay(p, { paymentId: 'pay-c', amount: 1_000 });
    const amount = await pay(p, { paymentId: 'pay-c', amount: 2_000 });
    expect(amount.status).toBe(409);
    expect(amount.body.error.code).toBe('payment_conflict');
    expect((await pay(q, { paymentId: 'pay-c', amount: 1_000 })).status).toBe(409);
    expect((await getProject(storeContext(), p)).balance).toBe(1_000);
    expect((await getProject(storeContext(), q)).balance).toBe(0);
  });

  it('records concurrent repeats of one payment exactly once', async () => {
    const p = await newProject();
    const answers = await Promise.all(Array.from({ length: 6 }, () => pay(p, { paymentId: 'pay-race', amount: 700 })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    for (const a of answers) expect(a.body).toEqual({ paymentId: 'pay-race', amount: 700, balance: 700 });
    expect((await getProject(storeContext(), p)).balance).toBe(700);
    expect(await ledger(p)).toHaveLength(1);
  });

  it('moves the balance once per payment when different payments race', async () => {
    const p = await newProject();
    await Promise.all(Array.from({ length: 8 }, (_, i) => pay(p, { paymentId: `pay-many-${i}`, amount: 100 + i })));
    // 100 + 101 + ... + 107 = 8 * 100 + 28
    expect((await getProject(storeContext(), p)).balance).toBe(828);
  });

  it('unblocks a blocked project at once when the payment lifts it to -creditLimit', async () => {
    const p = await newProject(500);
    // A blocked project: balance -2,000, below -creditLimit (-500).
    await env.doc.send(new UpdateCommand({ TableName: env.tables.PROJECTS_TABLE, Key: keys.project(p), UpdateExpression: 'SET balance = :b, #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':b': -2_000, ':s': 'blocked' } }));
    const partial = await pay(p, { paymentId: 'pay-u1', amount: 1_000 }); // -1,000: still below -500
    expect(partial.body.balance).toBe(-1_000);
    expect((await getProject(storeContext(), p)).status).toBe('blocked');
    await pay(p, { paymentId: 'pay-u2', amount: 500 }); // -500: not below -500
    expect((await getProject(storeContext(), p)).status).toBe('active');
    // Each payment its payment.received; the one that unblocks also project.unblocked, in its transaction.
    expect(await eventTypes(p)).toEqual(['payment.received', 'payment.received', 'project.unblocked']);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const p = await newProject();
    const cases: [string, unknown][] = [
      ['zero', { paymentId: 'b1', amount: 0 }],
      ['negative', { paymentId: 'b2', amount: -100 }],
      ['fractional', { paymentId: 'b3', amount: 10.5 }],
      ['a string', { paymentId: 'b4', amount: '100' }],
      ['out of range', { paymentId: 'b5', amount: 2 ** 60 }],
      ['no paymentId', { amount: 100 }],
      ['bad paymentId', { paymentId: 'has space', amount: 100 }],
      ['unknown field', { paymentId: 'b6', amount: 100, currency: 'UAH' }],
    ];
    for (const [what, body] of cases) {
      const res = await pay(p, body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe('validation_failed');
    }
    const raw = await call(createPayment, 'POST /projects/{projectId}/payments', { params: { projectId: p }, rawBody: '{"paymentId":"b7","amount":' });
    expect(raw.status).toBe(400);
    expect(raw.body.error.code).toBe('invalid_json');
    expect((await getProject(storeContext(), p)).balance).toBe(0);
    expect(await ledger(p)).toHaveLength(0);
    const record = await env.doc.send(new GetCommand({ TableName: env.tables.LEDGER_TABLE, Key: keys.payment('b1') }));
    expect(record.Item).toBeUndefined();
  });

  it('is admin only, and 404 for an unknown project', async () => {
    const p = await newProject();
    expect((await pay(p, { paymentId: 'x1', amount: 1 }, projectAuth(p))).status).toBe(403);
    expect((await pay(p, { paymentId: 'x1', amount: 1 }, TELEPHONY)).status).toBe(403);
    expect((await pay(p, { paymentId: 'x1', amount: 1 }, null)).status).toBe(401);
    expect((await pay('prj_missing', { paymentId: 'x2', amount: 1 })).status).toBe(404);
  });
});
