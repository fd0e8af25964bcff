/** Reading `java -version`, old and new numbering, and the one-line errors (the CLI's are in startup-errors.test.ts). */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from '../../local/errors';
import { checkJava, parseJavaMajor } from '../../local/java';

const dir = mkdtempSync(join(tmpdir(), 'paygo-java-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeJava(name: string, stderr: string, exitCode = 0): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\ncat >&2 <<'EOF'\n${stderr}\nEOF\nexit ${exitCode}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_381"', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
    ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "22.0.1" 2024-04-16', 22],
    ['no version here', undefined],
  ])('%j → %s', (output, major) => {
    expect(parseJavaMajor(output)).toBe(major);
  });
});

describe('checkJava', () => {
  it('accepts 17 and newer, after a JAVA_TOOL_OPTIONS line too', async () => {
    await expect(checkJava(fakeJava('java17', 'openjdk version "17.0.15" 2025-04-15'))).resolves.toBeUndefined();
    await expect(checkJava(fakeJava('java21', 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "21.0.2" 2024-01-16'))).resolves.toBeUndefined();
  });

  it('refuses Java 8 with what it found and what to install, in one line', async () => {
    const e = await checkJava(fakeJava('java8', 'java version "1.8.0_381"\nJava(TM) SE Runtime Environment')).catch((err: unknown) => err);
    if (!(e instanceof StartupError)) throw new Error(`expected a StartupError, got ${String(e)}`);
    const message = e.message;
    expect(message).toMatch(/^Java 17 or newer is needed to run DynamoDB Local \(`[^`]*java8 -version` said: java version "1\.8\.0_381"\): install /);
    expect(message).toContain('apt-get install openjdk-17-jre-headless');
    expect(message).not.toContain('\n');
  });

  it('says when there is no such command, and when it prints no version', async () => {
    await expect(checkJava(join(dir, 'no-such-java'))).rejects.toThrow(/\(no `[^`]*no-such-java` on PATH\)/);
    await expect(checkJava(fakeJava('broken', 'Error: could not find libjvm.so', 1))).rejects.toThrow(/said: Error: could not find libjvm\.so\)/);
  });
});
