/**
 * The watchdog stops the process it watches when its parent dies without cleaning up (SIGKILL), with
 * SIGKILL when SIGTERM is ignored, and the Ctrl-C that a terminal sends to the parent's whole process
 * group does not reach it. DynamoDB Local's own case, through the CLI, is in power-cut.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isAlive, startCli, until } from '../support/processes';

async function watched(args: string[] = []) {
  // Its own process group, like a twin started from a terminal.
  const cli = startCli('test/local/fixtures/watched-parent.ts', args, { detached: true });
  try {
    const pids = await until(() => {
      const line = /^\{.*\}$/m.exec(cli.out)?.[0];
      return line ? JSON.parse(line) as { victim: number; watchdog: number } : undefined;
    }, 30_000, 'the fixture\'s pids');
    await until(() => (isAlive(pids.watchdog) ? true : undefined), 10_000, 'the watchdog');
    return { cli, ...pids };
  } catch (e) {
    cleanUp(cli.child.pid);
    throw e;
  }
}

/** Whatever a failed assertion left running: the fixture first (it ignores SIGINT), then the others. */
function cleanUp(...pids: (number | undefined)[]): void {
  for (const pid of pids) if (isAlive(pid)) process.kill(pid!, 'SIGKILL');
}

const gone = (pid: number, what: string) => until(() => (isAlive(pid) ? undefined : true), 10_000, what);

describe('watchOver', () => {
  it('stops the watched process once the parent is SIGKILLed, then exits', async () => {
    const { cli, victim, watchdog } = await watched();
    try {
      expect(isAlive(victim)).toBe(true);
      cli.child.kill('SIGKILL');
      await gone(victim, 'the victim to be stopped');
      await gone(watchdog, 'the watchdog to exit');
    } finally {
      cleanUp(cli.child.pid, victim, watchdog);
    }
  });

  it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const { cli, victim, watchdog } = await watched(['stubborn']);
    try {
      cli.child.kill('SIGKILL');
      await gone(victim, 'the stubborn victim to be killed');
      await gone(watchdog, 'the watchdog to exit');
    } finally {
      cleanUp(cli.child.pid, victim, watchdog);
    }
  });

  it('is not in the parent\'s process group: a Ctrl-C there leaves it watching', async () => {
    const { cli, victim, watchdog } = await watched();
    try {
      // What a terminal does on Ctrl-C. The parent and the victim ignore it; the watchdog never gets it.
      process.kill(-cli.child.pid!, 'SIGINT');
      await new Promise((r) => setTimeout(r, 500));
      expect(isAlive(victim)).toBe(true);
      expect(isAlive(watchdog)).toBe(true);
      cli.child.kill('SIGKILL');
      await gone(victim, 'the victim to be stopped');
      await gone(watchdog, 'the watchdog to exit');
    } finally {
      cleanUp(cli.child.pid, victim, watchdog);
    }
  });
});
