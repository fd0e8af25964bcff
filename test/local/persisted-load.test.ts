/**
 * Persisted data under load (issue 12, §2): a twin on a data directory (`npm start -- --data DIR`)
 * takes 20 POST /usage requests of 100 events at once with no 5xx: each is answered 202 with all 100
 * accepted, within the twin's 30 s time limit. With one conditional put per event this directory took
 * about 60 events/s, and 17 of the 20 requests ran past it. (Repeats on persisted data, counted as
 * duplicates, are test/local/power-cut.test.ts's.) The time is printed, not asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTwin, type Twin } from '../../local/start';

const adminKey = 'pg_test_admin_key_persisted_load_0001';
const dir = mkdtempSync(join(tmpdir(), 'paygo-persisted-load-'));
let twin: Twin | undefined;

beforeAll(async () => {
  twin = await startTwin({ port: 0, adminKey, dataDir: dir, scheduler: false, warmUp: false });
}, 120_000);
afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${twin!.url}${path}`, {
    method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

it('answers 20 concurrent requests of 100 events on persisted data with no 5xx', async () => {
  const created = await api('POST', '/projects', { name: 'Persisted load' });
  expect(created.status).toBe(201);
  const projectId = String(created.body.projectId);
  expect((await api('POST', `/projects/${projectId}/payments`, { paymentId: 'pay-persisted-load', amount: 10_000_000 })).status).toBe(201);
  const occurredAt = new Date().toISOString();
  const requests = Array.from({ length: 20 }, (_, r) => ({
    events: Array.from({ length: 100 }, (_, i) => ({
      eventId: `persisted-${r}-${i}`, projectId, kind: 'outgoing_call', destination: '+380441234567', occurredAt, durationSec: 1 + ((r * 100 + i) % 300),
    })),
  }));

  const started = performance.now();
  const answers = await Promise.all(requests.map((body) => api('POST', '/usage', body)));
  const ms = performance.now() - started;
  console.log(`persisted load: 20 x 100 events at once answered in ${Math.round(ms)} ms (${Math.round(2_000_000 / ms)} events/s)`);

  expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
  expect(answers.map((a) => a.body)).toEqual(Array(20).fill({ accepted: 100, duplicates: 0 }));
}, 180_000);
