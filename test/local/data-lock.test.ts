/**
 * The data directory's lock: one holder at a time; a live holder is refused in one line; a stale lock
 * (its owner and its Java gone) is taken over; the Java of a dead owner is waited for; a holder never
 * removes a lock that is no longer its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataLock, DataDirInUse, LOCK_FILE } from '../../local/data-lock';
import { StartupError } from '../../local/errors';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'paygo-lock-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = () => join(dir, LOCK_FILE);
const held = () => JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number; javaPid?: number; token: string };
/** The pid of a process that has exited (and been collected). */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('acquireDataLock', () => {
  it('holds the directory for one holder; a second is refused with a one-line StartupError', async () => {
    const lock = await acquireDataLock(dir);
    expect(held().pid).toBe(process.pid);
    const refused = acquireDataLock(dir);
    await expect(refused).rejects.toBeInstanceOf(DataDirInUse);
    await expect(refused).rejects.toBeInstanceOf(StartupError);
    await expect(refused).rejects.toThrow(new RegExp(`^data directory ${dir} is in use by another twin \\(pid ${process.pid}, since [^\\n]+$`));
    lock.setJavaPid(4242);
    expect(held()).toMatchObject({ pid: process.pid, javaPid: 4242 });
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    (await acquireDataLock(dir)).release();
  });

  it('takes over a lock whose owner and Java are gone', async () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), javaPid: deadPid(), token: 'old', since: '2026-01-01T00:00:00.000Z' }));
    const lock = await acquireDataLock(dir);
    expect(held()).toMatchObject({ pid: process.pid });
    expect(held().token).not.toBe('old');
    lock.release();
  });

  it('takes over a lock that is not even readable as one', async () => {
    writeFileSync(lockFile(), 'garbage');
    const lock = await acquireDataLock(dir);
    expect(held().pid).toBe(process.pid);
    lock.release();
  });

  it('waits for the Java of a dead owner, and refuses while it keeps running', async () => {
    const java = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const exited = new Promise((r) => java.once('exit', r));
    try {
      writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), javaPid: java.pid, token: 'old', since: '2026-01-01T00:00:00.000Z' }));
      await expect(acquireDataLock(dir, { orphanWaitMs: 300 })).rejects.toThrow(`DynamoDB Local (pid ${java.pid}) of a twin that is gone`);
      const waiting = acquireDataLock(dir, { orphanWaitMs: 30_000 });
      setTimeout(() => java.kill('SIGKILL'), 200);
      const lock = await waiting;
      expect(held().pid).toBe(process.pid);
      lock.release();
    } finally {
      java.kill('SIGKILL');
      await exited;
    }
  });

  it('release() leaves a lock that another holder has taken since', async () => {
    const lock = await acquireDataLock(dir);
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, token: 'someone-else', since: '2026-01-01T00:00:00.000Z' }));
    lock.release();
    expect(held().token).toBe('someone-else');
  });
});
