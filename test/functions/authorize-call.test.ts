import { beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler as authorizeCall } from '../../functions/api/authorize-call';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { useTables } from '../support/dynamo';
import { call, projectAuth, TELEPHONY, type Auth } from '../support/http';
import { statusFor } from '../../shared/domain/project';
import { createProject } from '../../shared/billing/projects';

let env: Awaited<ReturnType<typeof useTables>>;
beforeAll(async () => { env = await useTables(); });

/** A project whose balance is `balance` (set directly: only the arithmetic of the answer is under test). */
async function projectWith(balance: number, creditLimit = 0): Promise<string> {
  const p = (await createProject(storeContext(), { name: 'auth', currency: 'UAH', creditLimit, billingStartDate: '2026-03-01' })).project.projectId;
  await env.doc.send(new UpdateCommand({
    TableName: env.tables.PROJECTS_TABLE, Key: keys.project(p), UpdateExpression: 'SET balance = :b, #s = :s',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':b': balance, ':s': statusFor(balance, creditLimit) },
  }));
  return p;
}
const ask = (projectId: string, body: unknown, auth = TELEPHONY as Auth) =>
  call(authorizeCall, 'POST /projects/{projectId}/authorize', { params: { projectId }, body, auth });

describe('POST /projects/{projectId}/authorize', () => {
  it('gives the longest call the budget pays for', async () => {
    // Kyiv landline, 60/min per second: budget 1,000 -> 1,000 s (cost 1,000); 1,001 s would cost 1,001.
    const p = await projectWith(1_000);
    expect((await ask(p, { kind: 'outgoing_call', destination: '+380441234567' })).body).toEqual({ allowed: true, maxDurationSec: 1_000 });
    // Vodafone 150/min, 30 s then 6 s: 396 s bills 396 s = 990; 397 s bills 402 s = 1,005 > 1,000.
    expect((await ask(p, { kind: 'forwarded_call', destination: '+380501234567' })).body).toEqual({ allowed: true, maxDurationSec: 396 });
    // UK: connect 100 + 450/min per minute: 120 s = 100 + 900 = 1,000; 121 s bills 180 s = 1,450.
    expect((await ask(p, { kind: 'outgoing_call', destination: '+447911123456' })).body).toEqual({ allowed: true, maxDurationSec: 120 });
  });

  it('counts the credit limit in the budget', async () => {
    // balance -400 + creditLimit 1,400 = budget 1,000, as above.
    const p = await projectWith(-400, 1_400);
    expect((await ask(p, { kind: 'outgoing_call', destination: '+380441234567' })).body).toEqual({ allowed: true, maxDurationSec: 1_000 });
  });

  it('caps a budget past 2^53 instead of refusing the call as an invalid amount', async () => {
    // balance 1,000 + creditLimit 2^53 - 1 is no exact integer: the budget is 2^53 - 1, still unlimited in practice.
    const p = await projectWith(1_000, Number.MAX_SAFE_INTEGER);
    const call = await ask(p, { kind: 'outgoing_call', destination: '+380441234567' });
    expect(call.status).toBe(200);
    // Kyiv landline, 60/min per second: (2^53 - 1) kopecks pay for 2^53 - 1 seconds.
    expect(call.body).toEqual({ allowed: true, maxDurationSec: Number.MAX_SAFE_INTEGER });
    expect((await ask(p, { kind: 'sms', destination: '+380671234567' })).body).toEqual({ allowed: true, maxDurationSec: null });
  });

  it('refuses a call whose first billed block the budget cannot pay', async () => {
    // Vodafone's first block is 30 s = 150 * 30 / 60 = 75.
    const poor = await projectWith(74);
    expect((await ask(poor, { kind: 'outgoing_call', destination: '+380501234567' })).body).toEqual({ allowed: false, maxDurationSec: 0, reason: 'insufficient_funds' });
    const enough = await projectWith(75);
    expect((await ask(enough, { kind: 'outgoing_call', destination: '+380501234567' })).body).toEqual({ allowed: true, maxDurationSec: 30 });
  });

  it('allows a message when the budget pays one segment', async () => {
    // Kyivstar SMS: 120 a segment.
    expect((await ask(await projectWith(119), { kind: 'sms', destination: '+380671234567' })).body).toEqual({ allowed: false, maxDurationSec: null, reason: 'insufficient_funds' });
    expect((await ask(await projectWith(120), { kind: 'sms', destination: '+380671234567' })).body).toEqual({ allowed: true, maxDurationSec: null });
  });

  it('refuses everything while the project is blocked', async () => {
    const p = await projectWith(-600, 500);
    expect((await ask(p, { kind: 'outgoing_call', destination: '+380441234567' })).body).toEqual({ allowed: false, maxDurationSec: 0, reason: 'project_blocked' });
    expect((await ask(p, { kind: 'sms', destination: '+380671234567' })).body).toEqual({ allowed: false, maxDurationSec: null, reason: 'project_blocked' });
  });

  it('answers 400 for an unknown destination or bad input, 404 for an unknown project, 403/401 for other keys', async () => {
    const p = await projectWith(1_000);
    const unknown = await ask(p, { kind: 'outgoing_call', destination: '+99912345678' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_destination');
    expect((await ask(p, { kind: 'outgoing_call', destination: 'abc' })).status).toBe(400);
    expect((await ask(p, { kind: 'outgoing_call', destination: '+380441234567', durationSec: 5 })).status).toBe(400);
    expect((await ask(p, { kind: 'video', destination: '+380441234567' })).status).toBe(400);
    expect((await ask('prj_missing', { kind: 'sms', destination: '+380671234567' })).status).toBe(404);
    expect((await ask(p, { kind: 'sms', destination: '+380671234567' }, projectAuth(p))).status).toBe(403);
    expect((await ask(p, { kind: 'sms', destination: '+380671234567' }, null)).status).toBe(401);
  });
});
