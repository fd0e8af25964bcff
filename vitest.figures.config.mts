import { defineConfig } from 'vitest/config';

/**
 * The test that prints a timing the README quotes (the contract's burst), run after the others and
 * alone: on the main run it shares the two cores with another test file, and its figure then says
 * more about that file than about the twin. It still asserts exactness as any test does.
 */
export const FIGURE_TESTS = ['test/exactly-once/burst.test.ts', 'test/readme/readme-blocks.test.ts'];

export default defineConfig({
  test: {
    include: FIGURE_TESTS,
    // The JSON log lines of passing tests are dropped (test/support/quiet-logs.ts).
    setupFiles: ['test/support/quiet-logs.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
});
