import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: server-starting test files contend for CPU, so keep the parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
