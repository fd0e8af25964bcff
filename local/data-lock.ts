/**
 * One DynamoDB Local per data directory. Two on the same directory would both write its SQLite file and
 * can corrupt it, so whoever starts DynamoDB Local on a directory first holds `<dir>/paygo-twin.lock`:
 * the owner's pid (the twin's process) and, once it runs, DynamoDB Local's Java pid.
 *
 * A lock whose processes are all gone is stale (the twin was `kill -9`ed, the machine lost power) and
 * is taken over. A lock with a live owner is refused. When the owner is gone but its Java still runs,
 * that Java is being stopped by its watchdog (local/watchdog.ts): wait for it a few seconds, since
 * starting a second Java on the files before it has gone is exactly what the lock is for.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, StartupError } from './errors';
import { isAlive } from './watchdog';

export const LOCK_FILE = 'paygo-twin.lock';

interface LockRecord {
  /** The process that took the lock. */
  pid: number;
  /** DynamoDB Local's Java process, once started. */
  javaPid?: number;
  /** Tells this holder's lock from a later one with a recycled pid. */
  token: string;
  since: string;
}

export interface DataLock {
  readonly path: string;
  /** Records DynamoDB Local's pid: the files stay locked while it lives, even if the owner dies first. */
  setJavaPid(pid: number): void;
  /** Removes the lock if it is still this holder's. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  /** How long to wait for the Java process of a dead owner to go. @default 10_000 */
  orphanWaitMs?: number;
}

/** Thrown when a live process holds the directory. */
export class DataDirInUse extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirInUse';
  }
}

/** Takes the lock on `dir` (which must exist), taking over a stale one; throws {@link DataDirInUse} if held. */
export async function acquireDataLock(dir: string, opts: AcquireOptions = {}): Promise<DataLock> {
  const path = join(dir, LOCK_FILE);
  const mine: LockRecord = { pid: process.pid, token: randomBytes(8).toString('hex'), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, mine)) return holder(path, mine);
    const text = readOrUndefined(path);
    if (text === undefined) continue;
    const held = parse(text);
    if (held && isAlive(held.pid)) {
      throw new DataDirInUse(`data directory ${dir} is in use by another twin (pid ${held.pid}, since ${held.since}); stop it first, or use another --data directory`);
    }
    if (held?.javaPid && isAlive(held.javaPid) && !(await gone(held.javaPid, opts.orphanWaitMs ?? 10_000))) {
      throw new DataDirInUse(`DynamoDB Local (pid ${held.javaPid}) of a twin that is gone (pid ${held.pid}) still runs on ${dir}: stop it (kill ${held.javaPid}) and start again`);
    }
    takeOverStale(path, text);
  }
  throw new DataDirInUse(`could not take ${path}: other processes keep taking it`);
}

function holder(path: string, mine: LockRecord): DataLock {
  let released = false;
  return {
    path,
    setJavaPid(pid) {
      if (released) return;
      mine.javaPid = pid;
      // Written aside and renamed over: a reader never sees a half-written lock.
      const tmp = `${path}.${mine.token}.tmp`;
      writeFileSync(tmp, JSON.stringify(mine));
      renameSync(tmp, path);
    },
    release() {
      if (released) return;
      released = true;
      if (parse(readOrUndefined(path) ?? '')?.token === mine.token) unlinkQuietly(path);
    },
  };
}

/** Creates the lock only if there is none: written aside, then hard-linked into place (fails if it exists). */
function createExclusive(path: string, record: LockRecord): boolean {
  const tmp = `${path}.${record.token}.tmp`;
  writeFileSync(tmp, JSON.stringify(record));
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkQuietly(tmp);
  }
}

/**
 * Moves the stale lock aside (atomic), then checks that what moved is the lock judged stale: if another
 * starter replaced it in between, that one is live, so it goes back and the caller looks again.
 */
function takeOverStale(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw e;
  }
  if (readOrUndefined(aside) !== staleText) {
    try { linkSync(aside, path); } catch { /* a third starter holds it now: the caller sees that one */ }
  }
  unlinkQuietly(aside);
}

async function gone(pid: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function parse(text: string): LockRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    return typeof v.pid === 'number' && typeof v.token === 'string' ? (v as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function unlinkQuietly(path: string): void {
  try { unlinkSync(path); } catch { /* already gone */ }
}
