/**
 * `npm test` without the twin's and the functions' JSON log lines (Powertools, the twin's event log):
 * lines starting `{"level":`, and Powertools Metrics' EMF lines starting `{"_aws":` (which a function
 * writes at the end of each invocation, as CloudWatch reads them from its log), on stdout or stderr,
 * are held back per test and printed only when that test fails (or, for
 * those written outside a test, when any test of the file failed). Everything else goes through as
 * before. Tests that capture process.stdout.write themselves (test/contract/logs.test.ts) replace
 * this wrapper for their duration and put it back, so they still see every line.
 */
import { afterAll, afterEach, beforeEach } from 'vitest';

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
let held: [Write, string][] = [];
let outsideTests: [Write, string][] = [];
let inTest = false;
let fileFailed = false;

const isLogLine = (text: string): boolean => text.startsWith('{"level":') || text.startsWith('{"_aws":');

// Powertools writes WARN and ERROR to stderr, the rest to stdout.
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as Write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!isLogLine(text)) return write(chunk, ...rest);
    (inTest ? held : outsideTests).push([write, text]);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

const flush = (lines: [Write, string][]): void => { for (const [write, line] of lines) write(line); };

beforeEach(() => { inTest = true; held = []; });
afterEach((ctx) => {
  inTest = false;
  const failed = ctx.task.result?.state === 'fail' || (ctx.task.result?.errors?.length ?? 0) > 0;
  if (failed) {
    fileFailed = true;
    flush(outsideTests);
    outsideTests = [];
    flush(held);
  }
  held = [];
});
afterAll(() => { if (fileFailed) flush(outsideTests); outsideTests = []; });
