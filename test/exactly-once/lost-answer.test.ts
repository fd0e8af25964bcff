/**
 * Lost answers: a write commits, then the caller sees an error (a timeout the retry loop sends again,
 * or a hard failure). No money moves twice either way; these tests check that the API's reply is the
 * one the committed write deserves, not the one its retry would give a stranger.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as addNumber } from '../../functions/api/add-number';
import { handler as createPayment } from '../../functions/api/create-payment';
import { handler as createProjectRoute } from '../../functions/api/create-project';
import { handler as postUsage } from '../../functions/api/post-usage';
import { handler as removeNumber } from '../../functions/api/remove-number';
import { resetConfig } from '../../shared/config';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { hashApiKey, keys } from '../../shared/store/keys';
import type { UsageWrites } from '../../shared/store/usage';
import { useTables } from '../support/dynamo';
import { faultyDoc, hardFailure, timeout, type Injection, type SentCommand } from '../support/faulty-doc';
import { call, projectAuth, TELEPHONY } from '../support/http';
import { createProject, getProject } from '../../shared/billing/projects';

let env: Awaited<ReturnType<typeof useTables>>;
/** One armed fault: the first command that matches gets it, then the rule disarms. */
let armed: { match: (cmd: SentCommand) => boolean; fault: Injection; fired: number } | undefined;
const NOW = Date.parse('2026-03-10T10:00:00Z');

beforeAll(async () => {
  env = await useTables();
  const doc = faultyDoc(env.doc, (cmd) => {
    if (!armed || armed.fired > 0 || !armed.match(cmd)) return undefined;
    armed.fired++;
    return armed.fault;
  });
  setRuntime({ doc, now: () => NOW });
});

function arm(match: (cmd: SentCommand) => boolean, fault: Injection) {
  const rule = { match, fault, fired: 0 };
  armed = rule;
  return rule;
}

type TxItem = { Put?: { TableName?: string; Item?: Record<string, unknown> } };
const txPuts = (cmd: SentCommand): Record<string, unknown>[] =>
  cmd.name === 'TransactWriteCommand' ? ((cmd.input.TransactItems ?? []) as TxItem[]).flatMap((i) => (i.Put?.Item ? [i.Put.Item] : [])) : [];

async function newProject(name: string): Promise<string> {
  return (await createProject(storeContext(), { name, currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-10' })).project.projectId;
}
const partition = async (pk: string, table = env.tables.PROJECTS_TABLE) => (await env.doc.send(new QueryCommand({
  TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true,
}))).Items ?? [];

describe('a lost answer gets the reply of the write that committed', () => {
  // Both ways of writing usage (shared/store/usage.ts UsageWrites): the retried write is cancelled or
  // refused by its own first try, whose receipt tells it apart from another request's.
  const writesEvent: Record<UsageWrites, (c: SentCommand, eventId: string) => boolean> = {
    transactions: (c, eventId) => txPuts(c).some((i) => i.eventId === eventId),
    'per-event': (c, eventId) => c.name === 'PutCommand' && c.input.Item?.eventId === eventId,
  };
  it.each(['transactions', 'per-event'] as const)('POST /usage (%s) counts an event its own retried write stored as accepted, and a real repeat as a duplicate', async (writes) => {
    process.env.USAGE_WRITES = writes;
    resetConfig();
    try {
      const p = await newProject(`usage ${writes}`);
      const ev = (eventId: string) => ({ eventId, projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T11:00:00+02:00', segments: 1 });
      const [lost, other] = [`lost-1-${writes}`, `lost-2-${writes}`];
      const rule = arm((c) => writesEvent[writes](c, lost), { after: timeout() });
      const first = await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [ev(lost), ev(other)] } });
      expect(rule.fired).toBe(1); // the write of the first event committed, its answer was lost, withRetries sent it again
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ accepted: 2, duplicates: 0 });
      const again = await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: [ev(lost), ev(other)] } });
      expect(again.body).toEqual({ accepted: 0, duplicates: 2 }); // another request: its attemptId differs
      const items = (await env.doc.send(new ScanCommand({ TableName: env.tables.USAGE_TABLE, ConsistentRead: true }))).Items ?? [];
      expect(items.filter((i) => i.projectId === p)).toHaveLength(2);
    } finally {
      delete process.env.USAGE_WRITES;
      resetConfig();
    }
  });

  it('POST and DELETE /numbers answer 201 and 204 for the change they wrote, and write it once', async () => {
    const p = await newProject('numbers');
    const auth = projectAuth(p);
    const number = '+380441234567';
    const changes = async () => (await partition(keys.project(p).pk)).filter((i) => String(i.sk).startsWith(keys.changePrefix) && i.kind === 'number');
    const isChange = (c: SentCommand) => txPuts(c).some((i) => String(i.sk).startsWith(keys.changePrefix));

    // Timeout after commit: the retried transaction is cancelled (our item exists, the revision moved).
    let rule = arm(isChange, { after: timeout() });
    const added = await call(addNumber, 'POST /projects/{projectId}/numbers', { auth, params: { projectId: p }, body: { number, type: 'local' } });
    expect(rule.fired).toBe(1);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ number, type: 'local', effectiveAt: '2026-03-10T10:00:00.000Z' });
    expect(await changes()).toHaveLength(1);

    // A hard failure after commit: nobody retries, the call throws, yet the change is ours.
    rule = arm(isChange, { after: hardFailure() });
    const removed = await call(removeNumber, 'DELETE /projects/{projectId}/numbers/{number}', { auth, params: { projectId: p, number } });
    expect(rule.fired).toBe(1);
    expect(removed.status).toBe(204);
    const written = await changes();
    expect(written.map((c) => c.held).sort()).toEqual([false, true]);

    // A failure before sending wrote nothing: that one still errors, and nothing was appended.
    rule = arm(isChange, { before: hardFailure() });
    const failed = await call(addNumber, 'POST /projects/{projectId}/numbers', { auth, params: { projectId: p }, body: { number, type: 'local' } });
    expect(rule.fired).toBe(1);
    expect(failed.status).toBe(500);
    expect(await changes()).toHaveLength(2);
  });

  it('a payment whose commit answer was lost answers 201 (not 200), moving the balance once', async () => {
    const p = await newProject('payments');
    const pay = () => call(createPayment, 'POST /projects/{projectId}/payments', { params: { projectId: p }, body: { paymentId: 'pay-lost', amount: 15_000 } });
    const rule = arm((c) => txPuts(c).some((i) => i.sk === 'payment'), { after: timeout() });
    const first = await pay();
    expect(rule.fired).toBe(1);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ paymentId: 'pay-lost', amount: 15_000, balance: 15_000 });
    const replay = await pay(); // the client's own retry is a replay: 200, same body
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect((await getProject(storeContext(), p)).balance).toBe(15_000);
  });

  it('POST /projects without Idempotency-Key answers 201 with the key of the project it created, and creates one', async () => {
    const projectsNamed = async (name: string) => ((await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE, ConsistentRead: true }))).Items ?? [])
      .filter((i) => i.sk === 'project' && i.name === name);
    const isCreate = (c: SentCommand) => txPuts(c).some((i) => i.sk === 'project');
    for (const [name, fault] of [['lost-timeout', { after: timeout() }], ['lost-hard', { after: hardFailure() }]] as const) {
      const rule = arm(isCreate, fault);
      const res = await call(createProjectRoute, 'POST /projects', { body: { name } });
      expect(rule.fired, name).toBe(1);
      expect(res.status, name).toBe(201);
      expect(res.body.apiKey, name).toMatch(/\S/);
      const stored = await projectsNamed(name);
      expect(stored, name).toHaveLength(1);
      expect(stored[0]!.projectId, name).toBe(res.body.projectId);
      expect(stored[0]!.firstApiKeyId, name).toBe(res.body.apiKeyId);
      // The key shown is the one stored (as its hash) for this project.
      const [keyItem] = await partition(keys.apiKeyId(res.body.apiKeyId).pk);
      expect(keyItem?.keyHash, name).toBe(hashApiKey(res.body.apiKey));
    }
  });
});
