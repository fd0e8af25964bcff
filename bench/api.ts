/**
 * `POST /usage` throughput on the local twin: the twin (DynamoDB Local, the real handlers behind its
 * HTTP server, the stream poller debiting in the background) in its own process on a free port, and
 * autocannon here: CONNECTIONS concurrent clients for DURATION_S seconds, each request 100 events
 * with unique eventIds, with a telephony key, for one paid project. Every request must be accepted
 * (202, 100 accepted): a run with errors or duplicates fails instead of printing a figure.
 *
 * There is no baseline in this line's format; the figure is the twin's, on this machine (DynamoDB
 * Local's per-item cost bounds it: one conditional put per event). `npx tsx bench/api.ts` prints the
 * line alone; BENCH_TWIN_PROF=<dir> writes a CPU profile of the twin process there.
 */
import './quiet';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { note, runAlone, whole } from './harness';

const CONNECTIONS = 8;
const DURATION_S = 10;
const EVENTS_PER_REQUEST = 100;
const START_TIMEOUT_MS = 120_000;

interface StartedTwin {
  url: string;
  child: ChildProcess;
}

/** Starts bench/twin-process.ts and resolves with its URL once it is ready. */
function startTwinProcess(adminKey: string): Promise<StartedTwin> {
  const child = fork(resolve(__dirname, 'twin-process.ts'), [], {
    // `--import tsx` resolves from the working directory: the repository root, where tsx is installed.
    cwd: resolve(__dirname, '..'),
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_TWIN_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_TWIN_PROF] : [])],
    env: { ...process.env, BENCH_ADMIN_KEY: adminKey, POWERTOOLS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (b: Buffer) => { output = (output + b.toString()).slice(-4000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`the twin did not start within ${START_TIMEOUT_MS / 1000} s: ${output}`)); }, START_TIMEOUT_MS);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the twin exited (${String(code)}) before it was ready: ${output}`)); });
    child.on('message', (m: { ready?: string }) => {
      if (!m.ready) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolvePromise({ url: m.ready, child });
    });
  });
}

/** Stops the twin process (it stops DynamoDB Local) and waits for it to exit. */
async function stopTwinProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function call(url: string, key: string, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Returns `bench api: <N> req/s; p99 <M> ms`. */
export async function benchApi(): Promise<string> {
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const { url, child } = await startTwinProcess(adminKey);
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  try {
    const project = await call(url, adminKey, 'POST', '/projects', { name: 'bench api', creditLimit: 0 });
    const projectId = String(project.projectId);
    await call(url, adminKey, 'POST', `/projects/${projectId}/payments`, { paymentId: `bench-${projectId}`, amount: 1_000_000_000 });
    const telephonyKey = String((await call(url, adminKey, 'POST', '/api-keys', { role: 'telephony' })).apiKey);

    const occurredAt = new Date().toISOString();
    let n = 0;
    const body = () => {
      const req = ++n;
      const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => ({
        eventId: `bench-${req}-${i}`,
        projectId,
        kind: 'outgoing_call',
        destination: `+38044${String(1_000_000 + ((req * EVENTS_PER_REQUEST + i) % 9_000_000))}`,
        occurredAt,
        durationSec: (req + i) % 600,
      }));
      return JSON.stringify({ events });
    };
    // One warm-up request per connection: handler modules load lazily on first use.
    for (let i = 0; i < CONNECTIONS; i++) await call(url, telephonyKey, 'POST', '/usage', JSON.parse(body()));

    let accepted = 0;
    let refused = 0;
    const result = await autocannon({
      url: `${url}/usage`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [{
        method: 'POST',
        headers: { authorization: `Bearer ${telephonyKey}`, 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: body() }),
        onResponse: (status, responseBody) => {
          if (status === 202 && (JSON.parse(responseBody) as { accepted?: number }).accepted === EVENTS_PER_REQUEST) accepted++;
          else refused++;
        },
      }],
    });
    if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0 || refused > 0) {
      throw new Error(`POST /usage under load: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${refused} not fully accepted`);
    }
    const reqPerSec = result.requests.total / (result.duration || DURATION_S);
    note(`api: ${result.requests.total} requests (${accepted} checked, ${accepted * EVENTS_PER_REQUEST} events) in ${result.duration.toFixed(1)} s over ${CONNECTIONS} connections; latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
    return `bench api: ${whole(reqPerSec)} req/s; p99 ${Math.round(result.latency.p99)} ms`;
  } finally {
    process.removeListener('exit', stopOnExit);
    await stopTwinProcess(child);
  }
}

runAlone(module, benchApi);
