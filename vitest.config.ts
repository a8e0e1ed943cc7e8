import { defineConfig } from 'vitest/config';

// Two cores here and in CI: two workers. Tests that start servers are named *.connected.test.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
