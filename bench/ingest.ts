/**
 * Ingestion on the local twin (README "Ingestion that keeps up"): `POST /usage` with 100 events a
 * request from 8 connections, each request with unique eventIds, on the in-memory twin (its own
 * process, the stream poller debiting in the background), written in transactions of up to 100
 * conditional puts (USAGE_WRITES=transactions, the twin's default), against the same load through
 * one conditional put per event (per-event, what DynamoDB runs and what the twin ran before).
 *
 * Both run on one twin, switched between rounds, interleaved with the order swapped each round after
 * an untimed warm-up of each (DynamoDB Local's JVM is several times slower before its JIT warms), and
 * the debit is let catch up before each round, so neither inherits the other's backlog. A round keeps
 * 8 requests in flight for ROUND_S seconds and counts every request it started until the last answer:
 * the rate is events accepted over that time. Every answer must be 202 with all 100 accepted, or the
 * bench fails instead of printing a figure.
 *
 * With BENCH_VERBOSE=1 (the details are printed only then) the same load also runs on a persisted twin
 * (`npm start -- --data DIR`), both ways, and the note gives the ratio of in-memory to persisted.
 * `npx tsx bench/ingest.ts` prints the line alone.
 */
import './quiet';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageWrites } from '../shared/store/usage';
import { note, runAlone, whole } from './harness';
import { call, paidProject, setUsageWrites, startTwinProcess, stopTwinProcess, usageBodies, type PaidProject, type StartedTwin } from './twin';

const CONNECTIONS = 8;
const EVENTS_PER_REQUEST = 100;
const WARM_S = 3;
const ROUND_S = 8;
const ROUNDS = 2;
const PERSISTED_ROUNDS = 1;

interface Load {
  events: number;
  requests: number;
  ms: number;
  latenciesMs: number[];
}

/** CONNECTIONS clients posting one request after another, none started after `seconds`. */
async function postUsageFor(url: string, target: PaidProject, body: () => string, seconds: number): Promise<Load> {
  const t0 = performance.now();
  const load: Load = { events: 0, requests: 0, ms: 0, latenciesMs: [] };
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() - t0 < seconds * 1000) {
      const sent = performance.now();
      const res = await fetch(`${url}/usage`, { method: 'POST', headers: { authorization: `Bearer ${target.telephonyKey}`, 'content-type': 'application/json' }, body: body() });
      const text = await res.text();
      const accepted = res.status === 202 ? (JSON.parse(text) as { accepted?: number }).accepted : undefined;
      if (accepted !== EVENTS_PER_REQUEST) throw new Error(`POST /usage under load: ${res.status} ${text.slice(0, 300)}`);
      load.latenciesMs.push(performance.now() - sent);
      load.events += accepted;
      load.requests++;
    }
  }));
  load.ms = performance.now() - t0;
  return load;
}

/** Waits until the project's balance has held still for 2 s (the poller's batch window is 1 s): the debit has caught up. */
async function debitCaughtUp(url: string, adminKey: string, projectId: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  let last: unknown;
  let stillSince = Date.now();
  for (;;) {
    const balance = (await call(url, adminKey, 'GET', `/projects/${projectId}`)).balance;
    if (balance !== last) { last = balance; stillSince = Date.now(); }
    if (Date.now() - stillSince >= 2_000) return;
    if (Date.now() > deadline) throw new Error('the debit did not catch up within 180 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const rate = (loads: readonly Load[]): number => loads.reduce((s, l) => s + l.events, 0) / (loads.reduce((s, l) => s + l.ms, 0) / 1000);

function percentile(loads: readonly Load[], p: number): number {
  const all = loads.flatMap((l) => l.latenciesMs).sort((a, b) => a - b);
  return Math.round(all[Math.min(all.length - 1, Math.floor(p * all.length))] ?? 0);
}

function describe(loads: readonly Load[]): string {
  const events = loads.reduce((s, l) => s + l.events, 0);
  const seconds = loads.reduce((s, l) => s + l.ms, 0) / 1000;
  return `${whole(rate(loads))} events/s (${events} events in ${seconds.toFixed(1)} s; rounds ${loads.map((l) => whole(l.events / (l.ms / 1000))).join(', ')}; latency p50 ${percentile(loads, 0.5)} ms, p99 ${percentile(loads, 0.99)} ms)`;
}

/** Runs `rounds` of each way of writing on a fresh twin, interleaved; the loads of each way. */
async function measure(modes: readonly UsageWrites[], rounds: number, dataDir?: string): Promise<Map<UsageWrites, Load[]>> {
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const twin: StartedTwin = await startTwinProcess(adminKey, dataDir ? { dataDir } : {});
  const stopOnExit = () => twin.child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  try {
    const target = await paidProject(twin.url, adminKey, 'bench ingest');
    const body = usageBodies(target.projectId, EVENTS_PER_REQUEST, 'ingest');
    const run = async (writes: UsageWrites, seconds: number) => {
      await setUsageWrites(twin.child, writes);
      await debitCaughtUp(twin.url, adminKey, target.projectId);
      return postUsageFor(twin.url, target, body, seconds);
    };
    for (const writes of modes) await run(writes, WARM_S);
    const loads = new Map<UsageWrites, Load[]>(modes.map((m) => [m, []]));
    for (let round = 0; round < rounds; round++) {
      for (const writes of round % 2 === 0 ? modes : [...modes].reverse()) loads.get(writes)!.push(await run(writes, ROUND_S));
    }
    return loads;
  } finally {
    process.removeListener('exit', stopOnExit);
    await stopTwinProcess(twin.child);
  }
}

/** Returns `bench ingest: <N> events/s; <R>x vs one conditional put per event`. */
export async function benchIngest(): Promise<string> {
  const inMemory = await measure(['per-event', 'transactions'], ROUNDS);
  const transactions = inMemory.get('transactions')!;
  const perEvent = inMemory.get('per-event')!;
  note(`ingest, in memory: transactions ${describe(transactions)}`);
  note(`ingest, in memory: one conditional put per event ${describe(perEvent)}`);

  if (process.env.BENCH_VERBOSE) {
    const dir = mkdtempSync(join(tmpdir(), 'paygo-bench-ingest-'));
    try {
      const persisted = await measure(['per-event', 'transactions'], PERSISTED_ROUNDS, dir);
      note(`ingest, persisted (--data): transactions ${describe(persisted.get('transactions')!)}; in memory is ${(rate(transactions) / rate(persisted.get('transactions')!)).toFixed(2)}x that (target: within 3x)`);
      note(`ingest, persisted (--data): one conditional put per event ${describe(persisted.get('per-event')!)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return `bench ingest: ${whole(rate(transactions))} events/s; ${(rate(transactions) / rate(perEvent)).toFixed(1)}x vs one conditional put per event`;
}

runAlone(module, benchIngest);
