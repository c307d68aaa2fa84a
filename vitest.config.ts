import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // HiGHS runs in worker threads and several tests spawn the CLI: two cores, keep it calm.
    maxWorkers: 2,
  },
});
