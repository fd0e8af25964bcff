/**
 * The twin as a user runs it: `node --import tsx local/start.ts` in its own process (the node running
 * the tests, which `npm test` makes Node 22), with helpers to wait for its banner, read what it printed
 * and make sure nothing it started is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isAlive } from '../../local/watchdog';

export const ROOT = resolve(__dirname, '../..');

export { isAlive };

/** Polls `fn` until it returns something other than undefined; throws after `ms` (a deadline, not a measurement). */
export async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Cli {
  child: ChildProcess;
  /** stdout and stderr interleaved, as a terminal shows them. */
  readonly out: string;
  readonly stderr: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once the `ready:` line is printed; rejects if the process exits first. */
  ready(ms?: number): Promise<Banner>;
}

/** What the banner says. */
export interface Banner {
  url: string;
  adminKey: string | undefined;
  javaPid: number;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** Its own process group, so that `killGroup` can take node, Java and the watchdog at once. */
  detached?: boolean;
}

/** Starts `script` (relative to the repository root) as `node --import tsx script ...args`. */
export function startCli(script: string, args: string[] = [], opts: CliOptions = {}): Cli {
  // One process, as `npm start` runs it: signals reach the twin itself, with no tsx relay in between.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); stderr += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => { gone = true; });
  return {
    child,
    get out() { return out; },
    get stderr() { return stderr; },
    exited,
    ready: (ms = 90_000) => until(() => {
      if (/^ready: /m.test(out)) return parseBanner(out);
      if (gone) throw new Error(`the twin exited before it was ready:\n${out}`);
      return undefined;
    }, ms, `the twin's ready line; output so far:\n${out}`),
  };
}

export function parseBanner(out: string): Banner {
  const url = /^\s+API\s+(\S+)/m.exec(out)?.[1];
  const javaPid = Number(/\(pid (\d+),/.exec(out)?.[1]);
  if (!url || !javaPid) throw new Error(`no URL or DynamoDB pid in the banner:\n${out}`);
  return { url, adminKey: /admin key\s+(pg_\S+)/.exec(out)?.[1], javaPid };
}

/** SIGKILLs a process group: a power cut for everything the twin started in it. */
export function killGroup(pid: number): void {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
}

/** Watchdog processes (local/watchdog.ts) still watching `pid`, from /proc (Linux; elsewhere none are seen). */
export function watchdogsOf(pid: number): number[] {
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return []; }
  return entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const script = argv.findIndex((a) => a.endsWith('watchdog.ts'));
      return script >= 0 && argv[script + 1] === String(pid) && isAlive(p);
    } catch {
      return false;
    }
  });
}
