/**
 * What the benches on the local twin share: the twin in its own Node process (bench/twin-process.ts)
 * on a free port, so the load and the server do not share one event loop on a 2-core machine; a paid
 * project with a telephony key; `POST /usage` bodies of events with unique eventIds.
 */
import './quiet';
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { UsageWrites } from '../shared/store/usage';

const START_TIMEOUT_MS = 120_000;

export interface StartedTwin {
  url: string;
  child: ChildProcess;
}

export interface TwinProcessOptions {
  /** Persist DynamoDB Local's data there (`npm start -- --data DIR`); in memory when absent. */
  dataDir?: string;
}

/** Starts bench/twin-process.ts and resolves with its URL once it is ready. */
export function startTwinProcess(adminKey: string, opts: TwinProcessOptions = {}): Promise<StartedTwin> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_ADMIN_KEY: adminKey, POWERTOOLS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'WARN' };
  delete env.BENCH_DATA_DIR;
  if (opts.dataDir) env.BENCH_DATA_DIR = opts.dataDir;
  const child = fork(resolve(__dirname, 'twin-process.ts'), [], {
    // `--import tsx` resolves from the working directory: the repository root, where tsx is installed.
    cwd: resolve(__dirname, '..'),
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_TWIN_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_TWIN_PROF] : [])],
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (b: Buffer) => { output = (output + b.toString()).slice(-4000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`the twin did not start within ${START_TIMEOUT_MS / 1000} s: ${output}`)); }, START_TIMEOUT_MS);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the twin exited (${String(code)}) before it was ready: ${output}`)); });
    const onMessage = (m: { ready?: string }) => {
      if (!m.ready) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.off('message', onMessage);
      resolvePromise({ url: m.ready, child });
    };
    child.on('message', onMessage);
  });
}

/** Stops the twin process (it stops DynamoDB Local) and waits for it to exit. */
export async function stopTwinProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Switches how the twin's POST /usage writes (USAGE_WRITES, read per request), so both ways run on
 * one twin, interleaved, with the same JIT warmth and the same data around them.
 */
export function setUsageWrites(child: ChildProcess, writes: UsageWrites): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('the twin did not confirm USAGE_WRITES')), 10_000);
    const onMessage = (m: { usageWrites?: string }) => {
      if (m.usageWrites !== writes) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolvePromise();
    };
    child.on('message', onMessage);
    child.send({ usageWrites: writes });
  });
}

export async function call(url: string, key: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export interface PaidProject {
  projectId: string;
  telephonyKey: string;
}

/** A project with a large payment (so no event is ever refused for funds) and a telephony key. */
export async function paidProject(url: string, adminKey: string, name: string): Promise<PaidProject> {
  const project = await call(url, adminKey, 'POST', '/projects', { name, creditLimit: 0 });
  const projectId = String(project.projectId);
  await call(url, adminKey, 'POST', `/projects/${projectId}/payments`, { paymentId: `bench-${projectId}`, amount: 1_000_000_000 });
  const telephonyKey = String((await call(url, adminKey, 'POST', '/api-keys', { role: 'telephony' })).apiKey);
  return { projectId, telephonyKey };
}

/** Makes `POST /usage` bodies of `perRequest` calls with eventIds unique across the bodies it makes. */
export function usageBodies(projectId: string, perRequest: number, tag = 'bench'): () => string {
  const occurredAt = new Date().toISOString();
  let n = 0;
  return () => {
    const req = ++n;
    const events = Array.from({ length: perRequest }, (_, i) => ({
      eventId: `${tag}-${req}-${i}`,
      projectId,
      kind: 'outgoing_call',
      destination: `+38044${String(1_000_000 + ((req * perRequest + i) % 9_000_000))}`,
      occurredAt,
      durationSec: (req + i) % 600,
    }));
    return JSON.stringify({ events });
  };
}
