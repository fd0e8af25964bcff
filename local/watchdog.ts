/**
 * DynamoDB Local must not outlive the process that started it, also when that process gets SIGKILL and
 * no exit handler runs: an orphaned Java keeps the port and the data directory, and the next start
 * would run a second one on the same files.
 *
 * So each DynamoDB Local gets a watchdog: a tiny separate process whose stdin is a pipe from the twin.
 * The kernel closes that pipe when the twin's process ends, however it ends; the watchdog then stops
 * Java (SIGTERM, so DynamoDB Local closes its database, and SIGKILL after a grace period) and exits. A
 * changed parent pid is the fallback signal. It also exits by itself once Java is gone.
 *
 * It runs in its own process group (detached): Ctrl-C and a closed terminal signal the twin's whole
 * group, and the twin then stops Java itself; a watchdog in that group could die of the same signal
 * before the twin is done (or, still loading, before it could ignore it). It acts only when the twin
 * no longer can.
 *
 * A node process rather than a shell script, so it works wherever the twin does; it starts in about
 * 0.2 s, beside Java's few seconds.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';

export interface Watchdog {
  /** The watchdog's own pid. */
  readonly pid: number | undefined;
  /** Ends the watchdog without touching the watched process: for when that process has exited normally. */
  disarm(): void;
}

export interface WatchOptions {
  /** Between SIGTERM and SIGKILL. @default 3000 */
  graceMs?: number;
  /** How often the parent and the watched process are checked. @default 500 */
  pollMs?: number;
}

/**
 * Whether a process with this pid runs. EPERM: it does, as another user. A zombie does not: it has
 * exited and waits only to be collected, which an orphan's new parent may take its time to do.
 */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return typeof e === 'object' && e !== null && 'code' in e && e.code === 'EPERM';
  }
  try {
    // Linux: the state follows the parenthesised command name, which may itself contain ") ".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** Starts a watchdog that stops `targetPid` when this process is gone. */
export function watchOver(targetPid: number, opts: WatchOptions = {}): Watchdog {
  // The watchdog is this file, run by the same node; tsx's require hook lets it be TypeScript.
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  const args = [String(targetPid), String(opts.graceMs ?? 3_000), String(opts.pollMs ?? 500)];
  const child = spawn(process.execPath, ['--require', tsx, __filename, ...args], { stdio: ['pipe', 'ignore', 'inherit'], detached: true, windowsHide: true });
  let disarmed = false;
  child.once('error', (e) => { if (!disarmed) console.error(`paygo: the watchdog of DynamoDB Local (pid ${targetPid}) did not start: ${e.message}`); });
  // Neither the watchdog nor its pipe may keep this process running.
  child.unref();
  if (child.stdin instanceof Socket) child.stdin.unref();
  return {
    pid: child.pid,
    disarm() {
      if (disarmed) return;
      disarmed = true;
      child.kill('SIGKILL');
    },
  };
}

function runWatchdog(targetPid: number, graceMs: number, pollMs: number): void {
  const parent = process.ppid;
  const send = (signal: NodeJS.Signals) => {
    try { process.kill(targetPid, signal); } catch { /* already gone */ }
  };
  let firing = false;
  const fire = () => {
    if (firing) return;
    firing = true;
    send('SIGTERM');
    const deadline = Date.now() + graceMs;
    setInterval(() => {
      if (!isAlive(targetPid)) process.exit(0);
      if (Date.now() > deadline) {
        send('SIGKILL');
        process.exit(0);
      }
    }, 50);
  };
  process.stdin.on('end', fire);
  process.stdin.on('close', fire);
  process.stdin.on('error', fire);
  process.stdin.resume();
  setInterval(() => {
    if (!firing && !isAlive(targetPid)) process.exit(0);
    if (process.ppid !== parent) fire();
  }, pollMs);
}

// The watchdog process itself: `node --require tsx/cjs local/watchdog.ts <pid> <graceMs> <pollMs>`.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  const [pid, grace, poll] = process.argv.slice(2).map(Number);
  if (!pid || grace === undefined || poll === undefined) {
    console.error('usage: watchdog.ts <pid> <graceMs> <pollMs>');
    process.exit(2);
  }
  runWatchdog(pid, grace, poll);
}
