/**
 * Found by the model test (its CreateWebhook command under a `lost-answer` fault): the endpoint's put
 * committed, its answer was lost, withRetries sent it again and the repeat failed its own
 * `attribute_not_exists` condition, so POST /projects/{id}/webhooks answered 500 for an endpoint it had
 * made; the client's retry then made a second one, signed with a secret nobody was shown. Now the
 * repeat finds our own item (the optimistic commit's receipt) and the first request answers 201.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { handler as createWebhook } from '../../functions/api/create-webhook';
import { aesGcmSecretBox } from '../../local/secret-box';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { acquireLease, listWebhookItems } from '../../shared/store/webhooks';
import { newProject } from '../support/billing';
import { useTables } from '../support/dynamo';
import { faultyDoc, timeout } from '../support/faulty-doc';
import { call } from '../support/http';

let doc: Awaited<ReturnType<typeof useTables>>['doc'];
beforeAll(async () => {
  ({ doc } = await useTables());
  setRuntime({ secrets: aesGcmSecretBox(randomBytes(32)) });
});

it('a lost answer to the endpoint\'s put leaves one endpoint, answered 201 with its secret', async () => {
  const projectId = await newProject({ billingStartDate: '2026-03-01' });
  const route = 'POST /projects/{projectId}/webhooks';
  const body = { url: 'https://hooks.example.com/retry' };
  // The put commits; its answer is lost (a timeout after the write).
  let lost = false;
  // (The put is one transaction with the bump of the project's webhook revision: issue 19's exact limit.)
  setRuntime({ doc: faultyDoc(doc, (cmd) => (cmd.name === 'TransactWriteCommand' && !lost ? ((lost = true), { after: timeout() }) : undefined)) });
  const answer = await call(createWebhook, route, { params: { projectId }, body });
  setRuntime({ doc });
  expect(lost).toBe(true);
  expect(answer.status).toBe(201);
  const items = await listWebhookItems(storeContext(), projectId);
  expect(items.map((i) => i.webhookId)).toEqual([answer.body.webhookId]);
});

it('a lost answer to taking an endpoint\'s lease still holds it, instead of waiting for the lease to end', async () => {
  const projectId = await newProject({ billingStartDate: '2026-03-01' });
  const made = await call(createWebhook, 'POST /projects/{projectId}/webhooks', { params: { projectId }, body: { url: 'https://hooks.example.com/lease' } });
  const webhookId = made.body.webhookId as string;
  let lost = false;
  const faulty = storeContext({ doc: faultyDoc(doc, (cmd) => (cmd.name === 'UpdateCommand' && !lost ? ((lost = true), { after: timeout() }) : undefined)) });
  const now = Date.now();
  const leased = await acquireLease(faulty, projectId, webhookId, 'lease-1', now, now + 60_000);
  expect(lost).toBe(true);
  expect(leased).toMatchObject({ held: { webhookId, leaseId: 'lease-1' } });
  // Another delivery is still kept out.
  expect(await acquireLease(storeContext(), projectId, webhookId, 'lease-2', now + 1, now + 60_001)).toEqual({ busyUntil: now + 60_000 });
});

it('with an Idempotency-Key, a retry after a create that committed but failed (key given back) makes no second endpoint', async () => {
  const projectId = await newProject({ billingStartDate: '2026-03-01' });
  const route = 'POST /projects/{projectId}/webhooks';
  const body = { url: 'https://hooks.example.com/keyed' };
  const headers = { 'Idempotency-Key': 'hook-1' };
  // The transaction commits and its answer is lost, and every read of the receipt fails too: the
  // request can only fail (5xx), and the route layer gives its key back.
  let committed = false;
  setRuntime({ doc: faultyDoc(doc, (cmd) => {
    if (cmd.name === 'TransactWriteCommand' && !committed) { committed = true; return { after: timeout() }; }
    return committed && cmd.name === 'GetCommand' ? { before: timeout() } : undefined;
  }) });
  const failed = await call(createWebhook, route, { params: { projectId }, headers, body });
  setRuntime({ doc });
  expect(committed).toBe(true);
  expect(failed.status).toBeGreaterThanOrEqual(500);
  const again = await call(createWebhook, route, { params: { projectId }, headers, body });
  expect(again.status).toBe(201);
  const items = await listWebhookItems(storeContext(), projectId);
  expect(items.map((i) => i.webhookId)).toEqual([again.body.webhookId]);
  expect(String(again.body.secret)).toMatch(/^whsec_/);
  // The key names that endpoint: other terms under it are a conflict.
  const other = await call(createWebhook, route, { params: { projectId }, headers: { 'Idempotency-Key': 'hook-1' }, body: { url: 'https://hooks.example.com/other' } });
  expect(other.status).toBe(409);
});
