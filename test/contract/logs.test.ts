/**
 * Secrets at rest and in logs (issue 5 §3): API keys are stored only as their SHA-256, and no key,
 * no Authorization header value, reaches a log line. Everything the process writes (process.stdout,
 * process.stderr, every console method; Powertools writes through its own Console on process.stdout)
 * is captured while keys are made, requests are authorized, a wrong key fails, projects are created,
 * and a handler fails with an internal error, at DEBUG level so the quietest line counts too.
 */
import { format } from 'node:util';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize } from '../../functions/auth/authorize-key';
import { logger } from '../../shared/logger';
import { runtime, setRuntime } from '../../shared/runtime';
import { hashApiKey, keys } from '../../shared/store/keys';
import { billingEnv } from '../support/billing';
import { callApi } from './api';
import { allItems } from './snapshot';
import { makeWorld, type World } from './world';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** Captures (and swallows) everything written to stdout, stderr and the console until `stop()`. */
function captureOutput(): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  const saved = CONSOLE_METHODS.map((m) => console[m]);
  const sink = ((chunk: unknown) => { lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')); return true; }) as typeof process.stdout.write;
  process.stdout.write = sink;
  process.stderr.write = sink;
  for (const m of CONSOLE_METHODS) console[m] = (...args: unknown[]) => { lines.push(format(...args)); };
  return {
    lines,
    stop() {
      process.stdout.write = out;
      process.stderr.write = err;
      CONSOLE_METHODS.forEach((m, i) => { console[m] = saved[i]!; });
    },
  };
}

let w: World;
let captured: string[] = [];
/** Every key value and Authorization header value used in the scenario. */
const secrets = new Set<string>();
const auth = (key: string) => `Bearer ${key}`;
const keep = (key: string) => { secrets.add(key); secrets.add(auth(key)); return key; };
let internalError: { status: number; text: string; via: string } | undefined;
let authorizerFailure: unknown;

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
  const level = logger.getLevelName();
  logger.setLogLevel('DEBUG');
  const capture = captureOutput();
  try {
    // Capture is live: a canary proves the logger's lines are seen.
    logger.info('log-capture-canary');
    w = await makeWorld('logs'); // an admin key from the store, two projects (POST /projects), POST /api-keys, DELETE
    for (const k of w.allKeys) keep(k);
    for (const role of ['admin', 'telephony'] as const) {
      keep((await callApi('POST', '/api-keys', { key: w.admin, body: { role } })).body.apiKey);
    }
    keep((await callApi('POST', '/api-keys', { key: w.admin, body: { role: 'project', projectId: w.a.id } })).body.apiKey);
    keep((await callApi('POST', '/projects', { key: w.admin, body: { name: 'logs idempotent' }, headers: { 'idempotency-key': 'logs-idem-1' } })).body.apiKey);
    // Authorized calls with every kind of key, and refused ones.
    for (const key of [w.admin, w.a.key, w.telephony]) await callApi('GET', '/catalog', { key });
    await callApi('GET', `/projects/${w.a.id}`, { key: w.b.key });
    await callApi('POST', '/usage', { key: w.a.key, body: { events: [] } });
    // A wrong key: unknown, revoked, one character off, and a key sent with the wrong scheme.
    const offByOne = keep(`${w.a.key.slice(0, -1)}${w.a.key.endsWith('A') ? 'B' : 'A'}`);
    for (const key of [w.unknown, w.revoked, offByOne]) await callApi('GET', `/projects/${w.a.id}`, { key: keep(key) });
    secrets.add(`Basic ${w.admin}`);
    await callApi('GET', '/catalog', { headers: { authorization: `Basic ${w.admin}` } });
    // An internal error inside a handler after a successful authorization: the project read fails.
    const doc = runtime().doc;
    const failing = Object.create(doc) as typeof doc;
    failing.send = (async (command: { input?: { Key?: { sk?: unknown } } }) => {
      if (command.input?.Key?.sk === 'project') throw new Error('simulated DynamoDB outage');
      return doc.send(command as Parameters<typeof doc.send>[0]);
    }) as typeof doc.send;
    setRuntime({ doc: failing });
    internalError = await callApi('GET', `/projects/${w.a.id}`, { key: w.a.key });
    // The authorizer itself failing (the Lambda runtime logs what it throws).
    setRuntime({ doc: Object.assign(Object.create(doc) as typeof doc, { send: async () => { throw new Error('simulated DynamoDB outage'); } }) });
    authorizerFailure = await authorize({ headers: { authorization: auth(w.admin) } } as unknown as APIGatewayRequestAuthorizerEventV2).catch((e: unknown) => e);
    setRuntime({ doc });
  } finally {
    capture.stop();
    logger.setLogLevel(level);
  }
  captured = capture.lines;
});

afterAll(() => { secrets.clear(); });

describe('API keys at rest', () => {
  it('are stored only as their SHA-256: no item holds a key, or its random part, anywhere', async () => {
    const items = await allItems();
    const text = JSON.stringify(items);
    const keyValues = [...secrets].filter((s) => s.startsWith('pg_'));
    expect(keyValues.length).toBeGreaterThanOrEqual(9);
    for (const key of keyValues) {
      expect(text.includes(key), 'a key in clear').toBe(false);
      expect(text.includes(key.slice(3)), 'the random part of a key').toBe(false);
    }
    // What is stored is the hash, under which the authorizer finds it.
    for (const key of w.allKeys) {
      const hashKey = keys.apiKey(hashApiKey(key));
      const stored = items.find((i) => i.pk === hashKey.pk && i.sk === hashKey.sk);
      expect(stored, 'the key is stored under its hash').toBeDefined();
      expect(Object.keys(stored!).sort()).toEqual(expect.arrayContaining(['apiKeyId', 'createdAt', 'pk', 'role', 'sk']));
      expect(Object.keys(stored!).filter((k) => /key$/i.test(k) && k !== 'apiKeyId')).toEqual([]);
    }
  });
});

describe('log lines', () => {
  it('were captured: the canary, and the internal error the failing handler logged', () => {
    const all = captured.join('\n');
    expect(all).toContain('log-capture-canary');
    expect(internalError).toMatchObject({ status: 500, via: 'handler' });
    expect(all).toContain('simulated DynamoDB outage');
    // The answer itself names only the request id.
    expect(internalError?.text).not.toContain('simulated');
    expect(authorizerFailure).toBeInstanceOf(Error);
  });

  it('never carry an API key or an Authorization header value', () => {
    expect(secrets.size).toBeGreaterThanOrEqual(18);
    const leaks: string[] = [];
    for (const line of captured) {
      for (const s of secrets) if (line.includes(s)) leaks.push(`${s.slice(0, 12)}… in ${line.slice(0, 200)}`);
      // The random part alone counts too (a key logged without its prefix, or split from "Bearer").
      for (const s of secrets) if (s.startsWith('pg_') && line.includes(s.slice(3))) leaks.push(`random part of ${s.slice(0, 12)}… in ${line.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it("the authorizer's own failure does not carry the key in its message or stack", () => {
    const e = authorizerFailure as Error;
    const text = `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}`;
    for (const s of secrets) expect(text.includes(s)).toBe(false);
  });
});
