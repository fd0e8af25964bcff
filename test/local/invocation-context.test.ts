/**
 * The twin runs invocations of different functions at once in one process; each must log with its
 * own function's context (shared/logger is one Powertools Logger for every handler), as it would in
 * its own Lambda execution environment.
 */
import { describe, expect, it } from 'vitest';
import { lambdaContext, loadHandler } from '../../local/lambda';

describe('invocations in the twin', () => {
  it('log with their own function name and request id, however they interleave', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      const handler = await loadHandler('test/local/fixtures/log-context-handler.ts');
      // A starts first and finishes last: B's context is set in between.
      await Promise.all([
        handler({ waitMs: 150, tag: 'A' }, lambdaContext('PostUsage', 30_000, 'req-A')),
        new Promise((r) => setTimeout(r, 30)).then(() => handler({ waitMs: 10, tag: 'B' }, lambdaContext('DebitUsage', 30_000, 'req-B'))),
      ]);
    } finally {
      process.stdout.write = write;
    }
    const logged = lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.tag === 'A' || l.tag === 'B');
    expect(logged).toHaveLength(4);
    for (const l of logged) {
      expect([l.tag, l.function_name, l.function_request_id]).toEqual(l.tag === 'A' ? ['A', 'PostUsage', 'req-A'] : ['B', 'DebitUsage', 'req-B']);
    }
  });
});
