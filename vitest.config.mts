import { defineConfig } from 'vitest/config';
import { FIGURE_TESTS } from './vitest.figures.config.mjs';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Run alone afterwards (vitest.figures.config.mts).
    exclude: [...FIGURE_TESTS, '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // The JSON log lines of passing tests are dropped (test/support/quiet-logs.ts).
    setupFiles: ['test/support/quiet-logs.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only fight over them (and DynamoDB Local's JVM).
    maxWorkers: 2,
  },
});
