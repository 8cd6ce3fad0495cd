import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start Java ZooKeeper servers and broker processes: two cores, so few at once.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
