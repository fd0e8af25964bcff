/**
 * Webhook endpoints and delivery on DynamoDB Local, with a receiver stand-in and a test clock: the
 * secret shown once and never stored in clear; events delivered in sequence order, a failed one
 * holding back the ones after it until its retry succeeds; given up after the schedule, disabled after
 * 5 failing days; one delivery at a time per endpoint; the address checked when delivering.
 */
import { Webhook } from 'standardwebhooks';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhook } from '../../shared/billing/create-webhook';
import { deliverBatch, drain, type DeliveryDeps } from '../../shared/billing/deliver-webhooks';
import { relayEvents } from '../../shared/billing/outbox';
import { recordPayment } from '../../shared/billing/payments';
import { redeliver } from '../../shared/billing/redeliver';
import { deleteWebhook, deliveriesOf, listWebhooks } from '../../shared/billing/webhooks';
import { postWebhook, type PostWebhookInput, type PostWebhookResult } from '../../shared/delivery/http-post';
import { DELIVERY_ATTEMPTS, DELIVERY_DELAYS_SECONDS } from '../../shared/domain/delivery-schedule';
import { runtime, type DeliveryMessage } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { getWebhookItem } from '../../shared/store/webhooks';
import { billingEnv, newProject } from '../support/billing';
import { projectEvents } from '../support/events';
import { snapshotTables } from '../contract/snapshot';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });
const ctx = () => storeContext({ now: env.nowMs });

/** A receiver stand-in: answers per call from `answer`, remembers what it got. */
function receiver(answer: (n: number, body: string) => Partial<PostWebhookResult> = () => ({ ok: true, status: 200 })) {
  const got: { headers: Record<string, string>; body: string; event: { sequence: number; type: string; eventId: string } }[] = [];
  const queued: { message: DeliveryMessage; delaySeconds: number }[] = [];
  const deps: DeliveryDeps = {
    // The box the endpoints were sealed with (billingEnv's).
    secrets: runtime().secrets,
    queue: { send: async (e) => { queued.push(...e); } },
    post: async (input: PostWebhookInput): Promise<PostWebhookResult> => {
      got.push({ headers: { ...input.headers }, body: input.body, event: JSON.parse(input.body) });
      return { ok: false, status: null, durationMs: 1, ...answer(got.length, input.body) };
    },
  };
  return { got, queued, deps };
}

async function hooked(types?: string[]) {
  const id = await newProject({ billingStartDate: '2026-03-01' });
  const hook = await createWebhook(storeContext({ now: env.nowMs }), id, { url: 'https://hooks.example.com/paygo', ...(types ? { types: types as never } : {}) });
  return { id, hook };
}

const pay = (id: string, n: number) => recordPayment(ctx(), id, `wh-${id}-${n}`, 1_000 + n);

beforeEach(() => {
  env.at('2026-03-10T10:00:00Z');
});

describe('an endpoint', () => {
  it('shows its secret once, stores it only sealed, and lists without it', async () => {
    const { id, hook } = await hooked();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(hook).toMatchObject({ url: 'https://hooks.example.com/paygo', status: 'enabled' });
    expect(hook.types).toContain('payment.received');
    const stored = JSON.stringify([...(await snapshotTables()).webhooks.values()]);
    expect(stored).not.toContain(hook.secret.slice(6));
    const listed = await listWebhooks(ctx(), id);
    expect(JSON.stringify(listed)).not.toContain(hook.secret.slice(6));
    expect(listed.webhooks).toEqual([{ webhookId: hook.webhookId, url: hook.url, types: hook.types, status: 'enabled' }]);
  });

  it('refuses a URL that is not https to a public host, and more than 10 endpoints', async () => {
    const id = await newProject({ billingStartDate: '2026-03-01' });
    for (const url of ['http://hooks.example.com/x', 'https://10.1.2.3/x', 'https://[fd00:ec2::254]/x', 'https://localhost:8443/x']) {
      await expect(createWebhook(ctx(), id, { url })).rejects.toMatchObject({ status: 400 });
    }
    for (let i = 0; i < 10; i++) await createWebhook(ctx(), id, { url: `https://hooks.example.com/${i}` });
    await expect(createWebhook(ctx(), id, { url: 'https://hooks.example.com/11' })).rejects.toMatchObject({ status: 409, code: 'too_many_webhooks' });
  });
});

describe('ordered delivery', () => {
  it('delivers the events after its creation, in sequence order, signed as the specification says', async () => {
    // The reference verifier checks the timestamp against the real clock.
    env.at(new Date().toISOString());
    const id = await newProject({ billingStartDate: '2026-03-01' });
    await pay(id, 0); // before the endpoint: not delivered
    const hook = await createWebhook(ctx(), id, { url: 'https://hooks.example.com/paygo' });
    for (let i = 1; i <= 3; i++) await pay(id, i);
    const r = receiver();
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('drained');
    expect(r.got.map((g) => g.event.sequence)).toEqual([2, 3, 4]);
    const verifier = new Webhook(hook.secret);
    for (const g of r.got) {
      // The reference implementation checks the signature, the id and the timestamp (within 5 minutes of now).
      expect(verifier.verify(g.body, g.headers)).toEqual(JSON.parse(g.body));
      expect(g.headers['webhook-id']).toBe(g.event.eventId);
      expect(g.headers['webhook-timestamp']).toBe(String(Math.floor(env.nowMs() / 1000)));
    }
    expect(JSON.parse(r.got[0]!.body)).toEqual((await projectEvents(id))[1]);
    // Nothing new: nothing sent.
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('drained');
    expect(r.got).toHaveLength(3);
  });

  it('holds the events after a failed one until its retry succeeds, then goes on in order', async () => {
    const { id, hook } = await hooked();
    for (let i = 1; i <= 3; i++) await pay(id, i);
    // The second request fails, as does its first retry; every other one succeeds.
    const r = receiver((n) => (n === 2 || n === 3 ? { ok: false, status: 500, error: 'HTTP 500' } : { ok: true, status: 204 }));
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('waiting');
    expect(r.got.map((g) => g.event.sequence)).toEqual([1, 2]);
    // A drain comes back when the retry is due: 5 s (up to a tenth more).
    expect(r.queued.map((q) => [q.message.kind, q.delaySeconds >= 5 && q.delaySeconds <= 6])).toEqual([['drain', true]]);
    // Early: nothing is sent, it asks again.
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('waiting');
    expect(r.got).toHaveLength(2);
    env.at('2026-03-10T10:00:06Z');
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('waiting'); // attempt 2 fails: next in 30 s
    env.at('2026-03-10T10:00:45Z');
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('drained');
    expect(r.got.map((g) => g.event.sequence)).toEqual([1, 2, 2, 2, 3]);
    const log = (await deliveriesOf(ctx(), id, hook.webhookId, {})).deliveries;
    // Newest first: each attempt with its number, status and reason.
    expect(log.map((d) => [d.attempt, d.status, d.ok])).toEqual([[1, 204, true], [3, 204, true], [2, 500, false], [1, 500, false], [1, 204, true]]);
    expect(log[3]).toMatchObject({ error: 'HTTP 500' });
  });

  it('gives an event up after the last attempt of the schedule, and the endpoint goes on', async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    await pay(id, 2);
    const r = receiver((_, body) => (JSON.parse(body).sequence === 1 ? { ok: false, status: 503, error: 'HTTP 503' } : { ok: true, status: 200 }));
    let t = Date.parse('2026-03-10T10:00:00Z');
    for (let i = 0; i < DELIVERY_ATTEMPTS; i++) {
      t += ((DELIVERY_DELAYS_SECONDS[i] ?? 0) * 1.1 + 1) * 1000;
      env.at(new Date(t).toISOString());
      await drain(ctx(), id, hook.webhookId, r.deps);
    }
    expect(r.got.filter((g) => g.event.sequence === 1)).toHaveLength(DELIVERY_ATTEMPTS);
    expect(r.got.at(-1)!.event.sequence).toBe(2);
    const log = (await deliveriesOf(ctx(), id, hook.webhookId, { limit: 2 })).deliveries;
    expect(log[1]).toMatchObject({ attempt: DELIVERY_ATTEMPTS, ok: false, error: `HTTP 503; given up after ${DELIVERY_ATTEMPTS} attempts` });
  });

  it('disables an endpoint that has failed for 5 days in a row, and delivers nothing more to it', async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    const r = receiver(() => ({ ok: false, status: null, error: 'connection refused' }));
    await drain(ctx(), id, hook.webhookId, r.deps);
    env.at('2026-03-15T10:00:01Z');
    // Its retry is long due; the attempt fails 5 days after the first failure.
    await pay(id, 2);
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('dropped');
    expect((await listWebhooks(ctx(), id)).webhooks[0]!.status).toBe('disabled');
    const before = r.got.length;
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('dropped');
    expect(r.got).toHaveLength(before);
  });

  it('disables an endpoint at once when the receiver answers 410 Gone, with a webhook.disabled event (issue 19 §7)', async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    await pay(id, 2);
    const r = receiver(() => ({ ok: false, status: 410, error: 'answered 410' }));
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('dropped');
    expect(r.got).toHaveLength(1);
    expect(r.queued).toEqual([]);
    expect((await listWebhooks(ctx(), id)).webhooks[0]!.status).toBe('disabled');
    const disabled = (await projectEvents(id)).filter((e) => e.type === 'webhook.disabled');
    expect(disabled.map((e) => e.data)).toEqual([{ webhookId: hook.webhookId, reason: 'gone' }]);
  });

  it("takes a receiver's Retry-After of up to an hour on a 429 or 503 as the next attempt's delay (issue 19 §7)", async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    const r = receiver(() => ({ ok: false, status: 429, error: 'answered 429', retryAfterSec: 1200 }));
    expect(await drain(ctx(), id, hook.webhookId, r.deps)).toBe('waiting');
    // The schedule says 5 s; the receiver asked for 20 minutes (a drain hop is at most 900 s).
    expect((await getWebhookItem(ctx(), id, hook.webhookId))!.retry!.dueAt).toBe(Date.parse('2026-03-10T10:20:00Z'));
  });

  it('sends an endpoint only the types it takes, and moves past the others', async () => {
    const { id, hook } = await hooked(['product.changed']);
    await pay(id, 1);
    const { changeProduct } = await import('../../shared/billing/timeline-changes');
    await changeProduct(ctx(), id, { productId: 'callback', enabled: true }, {});
    await pay(id, 2);
    const r = receiver();
    await drain(ctx(), id, hook.webhookId, r.deps);
    expect(r.got.map((g) => g.event.type)).toEqual(['product.changed']);
    expect((await getWebhookItem(ctx(), id, hook.webhookId))!.cursor).toBe(3);
  });

  it('lets one delivery at a time work on an endpoint: two at once deliver each event once', async () => {
    const { id, hook } = await hooked();
    for (let i = 1; i <= 6; i++) await pay(id, i);
    const r = receiver();
    const slow: DeliveryDeps = { ...r.deps, post: async (i) => { await new Promise((res) => setTimeout(res, 20)); return r.deps.post(i); } };
    const outcomes = await Promise.all([drain(ctx(), id, hook.webhookId, slow), drain(ctx(), id, hook.webhookId, slow), drain(ctx(), id, hook.webhookId, slow)]);
    expect(outcomes.filter((o) => o === 'drained')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(2);
    expect(r.got.map((g) => g.event.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    // The busy ones asked to come back once the lease is over.
    expect(r.queued.map((q) => q.message.kind)).toEqual(['drain', 'drain']);
  });

  it('refuses at delivery a host that resolves to a private address', async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    const r = receiver();
    const privateDns: DeliveryDeps = { ...r.deps, post: (input) => postWebhook({ ...input, lookup: async () => [{ address: '10.0.0.7', family: 4 }] }) };
    expect(await drain(ctx(), id, hook.webhookId, privateDns)).toBe('waiting');
    const [attempt] = (await deliveriesOf(ctx(), id, hook.webhookId, {})).deliveries;
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt!.error).toMatch(/10\.0\.0\.7/);
  });

  it('drops the work of a deleted endpoint', async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    await deleteWebhook(ctx(), id, hook.webhookId);
    const r = receiver();
    const out = await deliverBatch(ctx(), [{ kind: 'drain', projectId: id, webhookId: hook.webhookId }], r.deps);
    expect([...out.outcomes.values()]).toEqual(['dropped']);
    expect(r.got).toEqual([]);
  });
});

describe('relay and redelivery', () => {
  it('relays a batch to the bus and asks each endpoint that takes one of its events to drain', async () => {
    const { id, hook } = await hooked(['payment.received']);
    const other = await createWebhook(ctx(), id, { url: 'https://hooks.example.com/other', types: ['day.charged'] });
    await pay(id, 1);
    env.published.length = 0;
    env.deliveries.length = 0;
    const events = await projectEvents(id);
    expect(await relayEvents(ctx(), events)).toEqual({ published: 1, deliveries: 1 });
    expect(env.published).toEqual([{ type: 'payment.received', detail: events[0] }]);
    expect(env.deliveries).toEqual([{ message: { kind: 'drain', projectId: id, webhookId: hook.webhookId }, delaySeconds: 0 }]);
    expect(other.webhookId).not.toBe(hook.webhookId);
  });

  it('redelivers an event by id to one endpoint, or to each that takes it; refuses what it cannot send', async () => {
    const { id, hook } = await hooked();
    await pay(id, 1);
    const [event] = await projectEvents(id);
    env.deliveries.length = 0;
    expect(await redeliver(ctx(), id, event!.eventId)).toEqual({ eventId: event!.eventId, webhookIds: [hook.webhookId] });
    const [queued] = env.deliveries;
    expect(queued!.message).toMatchObject({ kind: 'redeliver', eventId: event!.eventId, sequence: 1, attempt: 1 });
    const r = receiver();
    const out = await deliverBatch(ctx(), [queued!.message], r.deps);
    expect([...out.outcomes.values()]).toEqual(['delivered']);
    expect(r.got.map((g) => g.event.eventId)).toEqual([event!.eventId]);
    await expect(redeliver(ctx(), id, 'evt_nosuch')).rejects.toMatchObject({ status: 404 });
    const other = await newProject({ billingStartDate: '2026-03-01' });
    await expect(redeliver(ctx(), other, event!.eventId)).rejects.toMatchObject({ status: 404 });
  });
});
