/**
 * `npm start` refuses what it cannot run with one line on stderr and a non-zero exit, never a stack
 * trace: a weak PAYGO_ADMIN_KEY, a busy PORT (found before DynamoDB Local is started: a `java` on PATH
 * that records its calls is never called), and a Java that is missing or older than 17.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamo';
import { startCli, type Cli } from '../support/processes';

let bin: string;
const started: Cli[] = [];

beforeAll(() => { bin = mkdtempSync(join(tmpdir(), 'paygo-fake-java-')); });
afterAll(() => {
  // A twin that started although it should have refused must not outlive the test.
  for (const cli of started) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGINT');
  rmSync(bin, { recursive: true, force: true });
});

/** A `java` that says it is `version`, on a PATH in front of the real one; `called` says whether it ran. */
function fakeJava(version: string): { path: string; called: () => boolean } {
  const dir = mkdtempSync(join(bin, 'v'));
  const calls = join(dir, 'calls');
  const file = join(dir, 'java');
  writeFileSync(file, `#!/bin/sh\necho called >> '${calls}'\necho 'openjdk version "${version}" 2019-01-15' >&2\n`);
  chmodSync(file, 0o755);
  return { path: `${dir}${delimiter}${process.env.PATH ?? ''}`, called: () => existsSync(calls) };
}

/** Runs the CLI to its exit; the only stderr line must be the message. */
async function refused(env: NodeJS.ProcessEnv): Promise<string> {
  const cli = startCli('local/start.ts', [], { env: { ...process.env, PORT: String(await freePort()), ...env } });
  started.push(cli);
  expect(await cli.exited).toBe(1);
  expect(cli.out).not.toMatch(/^\s+at /m);
  const lines = cli.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('PAYGO_ADMIN_KEY', () => {
  it('shorter than 32 characters is refused', async () => {
    expect(await refused({ PAYGO_ADMIN_KEY: 'pg_too_short_a_key_31_character' }))
      .toBe('paygo twin: PAYGO_ADMIN_KEY is 31 characters long; use at least 32 (or leave it unset and the twin makes one)');
  });

  it('with whitespace is refused', async () => {
    expect(await refused({ PAYGO_ADMIN_KEY: ' pg_a_key_long_enough_but_it_has_spaces_around ' }))
      .toMatch(/^paygo twin: PAYGO_ADMIN_KEY contains whitespace/);
  });
});

describe('PORT', () => {
  let server: Server;
  afterAll(() => new Promise<void>((r) => { server.close(() => r()); }));

  it('in use is reported before DynamoDB Local is started', async () => {
    const port = await freePort();
    server = createServer();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const java = fakeJava('17.0.15');
    expect(await refused({ PORT: String(port), PATH: java.path }))
      .toBe(`paygo twin: port ${port} on 127.0.0.1 is in use; set PORT to another port`);
    expect(java.called()).toBe(false);
  });
});

describe('Java', () => {
  it('older than 17 names what was found and what to install', async () => {
    const java = fakeJava('11.0.2');
    const line = await refused({ PATH: java.path });
    expect(line).toMatch(/^paygo twin: Java 17 or newer is needed to run DynamoDB Local \(`java -version` said: openjdk version "11\.0\.2" 2019-01-15\): install /);
    expect(line).toContain('apt-get install openjdk-17-jre-headless');
    expect(java.called()).toBe(true);
  });

  it('missing from PATH says so', async () => {
    const empty = mkdtempSync(join(bin, 'empty'));
    expect(await refused({ PATH: empty })).toMatch(/^paygo twin: Java 17 or newer is needed to run DynamoDB Local \(no `java` on PATH\): install /);
  });
});
