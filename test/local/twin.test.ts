/**
 * The twin end to end. In process, `startTwin` on a free port (on the run's DynamoDB Local, own tables)
 * answers /health, knows the admin key and runs the README's first session: the balance falls by the
 * hand-computed cost of two calls and an SMS, through the real stream. As a CLI (`tsx local/start.ts`,
 * with its own DynamoDB Local): the banner, the generated key, and no Java process left behind after
 * SIGINT or after a crash.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { freePort, localClient } from '../../local/dynamo';
import { startTwin, type Twin } from '../../local/start';
import { isAlive as alive, startCli, until } from '../support/processes';

describe('startTwin', () => {
  let twin: Twin;
  const adminKey = 'pg_test_admin_key_for_the_twin_0001';

  beforeAll(async () => {
    twin = await startTwin({
      port: 0, adminKey, scheduler: false, poller: { batchWindowMs: 100 },
      dynamoEndpoint: inject('dynamoEndpoint'), tablePrefix: `twin${randomUUID().slice(0, 8)}`,
    });
  }, 90_000);
  afterAll(async () => { await twin?.stop(); });

  const call = async (method: string, path: string, body?: unknown, key: string | null = adminKey) => {
    const res = await fetch(`${twin.url}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) as Record<string, unknown> : undefined };
  };

  it('answers /health and knows the admin key; an unknown key is 401', async () => {
    expect(await call('GET', '/health', undefined, null)).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await call('GET', '/catalog')).status).toBe(200);
    const bad = await call('GET', '/catalog', undefined, 'pg_not_a_key');
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await call('GET', '/catalog', undefined, null)).status).toBe(401);
    expect(twin.dynamoPid).toBeUndefined();
  });

  it("runs the README's first session: the balance falls by the calls and the SMS", async () => {
    const created = await call('POST', '/projects', { name: 'Acme Kyiv' });
    expect(created.status).toBe(201);
    const projectId = created.body!.projectId as string;
    expect(await call('POST', `/projects/${projectId}/payments`, { paymentId: 'pay-0001', amount: 50_000 }))
      .toEqual({ status: 201, body: { paymentId: 'pay-0001', amount: 50_000, balance: 50_000 } });
    const at = new Date().toISOString();
    const usage = await call('POST', '/usage', {
      events: [
        { eventId: 'call-0001', projectId, kind: 'outgoing_call', destination: '+380501234567', occurredAt: at, durationSec: 95 },
        { eventId: 'call-0002', projectId, kind: 'outgoing_call', destination: '+380441234567', occurredAt: at, durationSec: 125 },
        { eventId: 'sms-0001', projectId, kind: 'sms', destination: '+380501234567', occurredAt: at, segments: 1 },
      ],
    });
    expect(usage).toEqual({ status: 202, body: { accepted: 3, duplicates: 0 } });
    // Default catalog:
    //  +38050… (Vodafone) 150/min, 30 s then 6 s steps: 95 s → 30 + ceil(65/6)*6 = 96 s → 150*96/60 = 240
    //  +38044… (Kyiv landline) 60/min per second: 125 s → 60*125/60 = 125
    //  SMS to +38050… 120 per segment → 120
    //  50000 - (240 + 125 + 120) = 49515
    const project = await until(async () => {
      const p = await call('GET', `/projects/${projectId}`);
      return p.body?.balance === 49_515 ? p : undefined;
    }, 15_000);
    expect(project.body).toMatchObject({ projectId, currency: 'UAH', balance: 49_515, status: 'active' });
    const ledger = await call('GET', `/projects/${projectId}/ledger`);
    expect(ledger.status).toBe(200);
    expect(ledger.body!.entries).toEqual([expect.objectContaining({ type: 'payment', amount: 50_000, balanceEffect: true })]);
    // The same events again are duplicates and move nothing.
    const again = await call('POST', '/usage', {
      events: [{ eventId: 'sms-0001', projectId, kind: 'sms', destination: '+380501234567', occurredAt: at, segments: 1 }],
    });
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
    expect(twin.poller.failures).toEqual([]);
  });

  it('stop() closes the server; a DynamoDB Local it did not start keeps running', async () => {
    await twin.stop();
    await expect(fetch(`${twin.url}/health`)).rejects.toThrow();
    const client = localClient(inject('dynamoEndpoint'));
    try {
      // Its tables are still there (DescribeTable: ListTables pages at 100 names, and a test run has more).
      const out = await client.send(new DescribeTableCommand({ TableName: twin.tables.USAGE_TABLE }));
      expect(out.Table?.TableStatus).toBe('ACTIVE');
    } finally {
      client.destroy();
    }
  });
});

describe('npm start (tsx local/start.ts)', () => {
  it('an uncaught error after start takes the Java process down too', async () => {
    const port = await freePort();
    const state = startCli('test/local/fixtures/crash-cli.ts', [], { env: { ...process.env, PORT: String(port), PAYGO_ADMIN_KEY: 'pg_crash_test_admin_key_00000000000' } });
    const { child, exited } = state;
    try {
      await until(async () => (/^ready: /m.test(state.out) ? true : undefined), 60_000);
      const pid = Number(/\(pid (\d+),/.exec(state.out)?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(await exited).toBe(1);
      expect(state.out).toContain('deliberate crash after ready');
      // SIGKILLed synchronously in the crash handler; give the kernel a moment to reap it.
      await until(async () => (alive(pid) ? undefined : true), 5_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('prints the URL, a generated admin key and the ready line; SIGINT leaves no Java process', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
    delete env.PAYGO_ADMIN_KEY;
    const state = startCli('local/start.ts', [], { env });
    const { child, exited } = state;
    try {
      await until(async () => (/^ready: /m.test(state.out) ? true : undefined), 60_000);
      const out = state.out;
      expect(out).toContain(`http://127.0.0.1:${port}`);
      const key = /admin key\s+(pg_\S+)/.exec(out)?.[1];
      const pid = Number(/\(pid (\d+),/.exec(out)?.[1]);
      expect(key).toBeDefined();
      expect(alive(pid)).toBe(true);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const catalog = await fetch(`http://127.0.0.1:${port}/catalog`, { headers: { authorization: `Bearer ${key}` } });
      expect(catalog.status).toBe(200);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(state.out).toContain('stopped.');
      expect(alive(pid)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
