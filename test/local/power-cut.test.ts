/**
 * Persisted data survives a power cut (issue 12, §3), through the CLI a user runs and its HTTP API:
 * - the whole twin (node, DynamoDB Local's Java and the watchdog: one process group) is SIGKILLed in
 *   the middle of a burst of usage on a data directory; a restart on that directory takes over the
 *   stale lock and reuses the admin key kept there; every request sent again is answered, and each
 *   event is debited exactly once: the balance is the payment minus the sum of the listed costs;
 * - while a twin runs on a directory, a second one on it is refused in one line;
 * - a SIGKILL of node alone leaves no Java: the watchdog stops it, and the directory is free to take.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY_FILE } from '../../local/admin-key';
import { acquireDataLock, LOCK_FILE } from '../../local/data-lock';
import { freePort } from '../../local/dynamo';
import { isAlive, killGroup, startCli, until, watchdogsOf, type Cli } from '../support/processes';

const dirs: string[] = [];
const clis: Cli[] = [];
afterAll(() => {
  // Whatever failed, nothing started here keeps running.
  for (const cli of clis) if (cli.child.pid && cli.child.exitCode === null) killGroup(cli.child.pid);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paygo-power-cut-'));
  dirs.push(dir);
  return dir;
}

async function twinEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), POWERTOOLS_LOG_LEVEL: 'WARN', ...extra };
  if (!('PAYGO_ADMIN_KEY' in extra)) delete env.PAYGO_ADMIN_KEY;
  return env;
}

function cli(args: string[], env: NodeJS.ProcessEnv): Cli {
  // Its own process group, so a power cut can take everything it started at once.
  const c = startCli('local/start.ts', args, { env, detached: true });
  clis.push(c);
  return c;
}

async function api(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

/** The billing day (Europe/Kyiv, the twin's default) of an instant. */
const kyivDay = (at: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Kyiv' }).format(at);

describe('a power cut in the middle of a burst on persisted data', () => {
  it('after a restart on the same directory, every request sent again leaves each event debited exactly once', async () => {
    const dir = dataDir();
    const t0 = performance.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const first = cli(['--data', dir], await twinEnv());
    const before = await first.ready();
    const adminKey = before.adminKey!;
    expect(first.out).toContain(`generated and kept in ${join(dir, ADMIN_KEY_FILE)}`);
    // A credential: readable by its owner only.
    expect(statSync(join(dir, ADMIN_KEY_FILE)).mode & 0o777).toBe(0o600);

    phase('started');
    // A second twin on the same directory is refused before it starts anything.
    const second = cli(['--data', dir], await twinEnv());
    expect(await second.exited).toBe(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^paygo twin: data directory ${dir} is in use by another twin \\(pid ${first.child.pid},`));
    expect(second.stderr.trim().split('\n')).toHaveLength(1);

    const created = await api(before.url, adminKey, 'POST', '/projects', { name: 'Power cut' });
    expect(created.status).toBe(201);
    const projectId = String(created.body.projectId);
    const paid = 10_000_000;
    expect((await api(before.url, adminKey, 'POST', `/projects/${projectId}/payments`, { paymentId: 'pay-power-cut', amount: paid })).status).toBe(201);

    const at = new Date();
    const occurredAt = at.toISOString();
    const perRequest = 20;
    const requests = Array.from({ length: 20 }, (_, r) => ({
      events: Array.from({ length: perRequest }, (_, i) => ({
        eventId: `cut-${r}-${i}`, projectId, kind: 'sms', destination: '+380501234567', occurredAt, segments: 1 + ((r + i) % 3),
      })),
    }));
    const eventCount = requests.length * perRequest;

    // The burst: four requests in flight at a time; the power goes once six have been answered, with
    // requests still in flight and their events still being debited.
    const answered: number[] = [];
    let cut = false;
    let next = 0;
    const powerCut = new Promise<void>((resolve) => {
      const send = async (): Promise<void> => {
        while (!cut && next < requests.length) {
          const r = next++;
          try {
            const res = await api(before.url, adminKey, 'POST', '/usage', requests[r]);
            if (res.status === 202) answered.push(Number(res.body.accepted));
          } catch {
            // The connection died with the twin: the outcome of this request is unknown.
          }
          if (!cut && answered.length >= 6) {
            cut = true;
            killGroup(first.child.pid!);
            resolve();
          }
        }
      };
      void Promise.all([send(), send(), send(), send()]).then(() => resolve());
    });
    await powerCut;
    phase('cut');
    expect(cut).toBe(true);
    expect(await first.exited).toBeNull();
    await until(() => (isAlive(before.javaPid) ? undefined : true), 10_000, 'the Java process to be gone');
    // The watchdog is in a group of its own: it outlives the cut just long enough to see that.
    await until(() => (watchdogsOf(before.javaPid).length === 0 ? true : undefined), 10_000, 'the watchdog to exit');
    // The lock of the dead twin is still there: the restart has to take it over.
    expect(statSync(join(dir, LOCK_FILE)).isFile()).toBe(true);

    const restartedAt = performance.now();
    const restarted = cli(['--data', dir], await twinEnv());
    const after = await restarted.ready();
    const restartMs = performance.now() - restartedAt;
    phase('restarted');
    // The key kept in the directory, not one more new admin key.
    expect(after.adminKey).toBe(adminKey);
    expect(restarted.out).toContain(`(kept in ${join(dir, ADMIN_KEY_FILE)})`);

    // Every request again, as a client that lost its answers does, four at a time again.
    const again = [...requests];
    const answersAgain: { status: number; body: Record<string, unknown> }[] = [];
    await Promise.all([1, 2, 3, 4].map(async () => {
      for (let body = again.shift(); body; body = again.shift()) answersAgain.push(await api(after.url, adminKey, 'POST', '/usage', body));
    }));
    let acceptedAgain = 0;
    for (const res of answersAgain) {
      expect(res.status).toBe(202);
      expect(Number(res.body.accepted) + Number(res.body.duplicates)).toBe(perRequest);
      acceptedAgain += Number(res.body.accepted);
    }
    expect(answersAgain).toHaveLength(requests.length);
    phase('resent');
    // Stored at most once: what the first twin acknowledged plus what the restart accepted.
    expect(answered.reduce((a, b) => a + b, 0) + acceptedAgain).toBeLessThanOrEqual(eventCount);
    // The last record in the stream: once it is debited, every record before it has been through the
    // debit, redelivered ones included, so a double debit would already show in the balance.
    const sentinel = { eventId: 'cut-sentinel', projectId, kind: 'sms', destination: '+380501234567', occurredAt, segments: 1 };
    expect((await api(after.url, adminKey, 'POST', '/usage', { events: [sentinel] })).body).toEqual({ accepted: 1, duplicates: 0 });

    const listed = await api(after.url, adminKey, 'GET', `/projects/${projectId}/usage?date=${kyivDay(at)}`);
    const events = listed.body.events as { eventId: string; cost: number }[];
    expect(events).toHaveLength(eventCount + 1);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(eventCount + 1);
    for (const e of events) expect(e.cost).toBeGreaterThan(0);
    const expected = paid - events.reduce((sum, e) => sum + e.cost, 0);

    let balance: unknown;
    await until(async () => {
      balance = (await api(after.url, adminKey, 'GET', `/projects/${projectId}`)).body.balance;
      return balance === expected ? true : undefined;
    }, 120_000, `balance ${expected}`).catch((e: unknown) => {
      throw new Error(`the balance is ${String(balance)}, expected ${expected} (each event debited exactly once)`, { cause: e });
    });

    phase('settled');
    console.log(`power cut: ${answered.length} of ${requests.length} requests answered before the cut; restart on the data ${(restartMs / 1000).toFixed(1)} s; ${acceptedAgain} of ${eventCount} events accepted only when sent again; at ${phases.join(', ')}`);

    restarted.child.kill('SIGINT');
    expect(await restarted.exited).toBe(0);
    expect(isAlive(after.javaPid)).toBe(false);
    // A clean stop leaves the directory free.
    expect(() => statSync(join(dir, LOCK_FILE))).toThrow();
  }, 300_000);
});

describe('SIGKILL of the twin\'s node process alone', () => {
  it('leaves no Java behind: its watchdog stops it, and the directory can be taken over at once', async () => {
    const dir = dataDir();
    const first = cli(['--data', dir], await twinEnv({ PAYGO_ADMIN_KEY: `pg_orphan_test_${'x'.repeat(32)}` }));
    const before = await first.ready();
    if (existsSync('/proc/self/cmdline')) expect(watchdogsOf(before.javaPid)).toHaveLength(1);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    await until(() => (isAlive(before.javaPid) ? undefined : true), 10_000, `the orphaned Java (pid ${before.javaPid}) to be stopped by its watchdog`);
    await until(() => (watchdogsOf(before.javaPid).length === 0 ? true : undefined), 10_000, 'the watchdog to exit');
    // What the next `npm start -- --data` on the directory does first.
    const lock = await acquireDataLock(dir, { orphanWaitMs: 0 });
    lock.release();
  }, 120_000);
});
