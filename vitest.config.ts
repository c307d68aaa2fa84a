import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // HiGHS runs in worker threads and several tests spawn the CLI: two cores, keep it calm.
    maxWorkers: 2,
    // Temporary directories: one per run, one per test file inside it, all removed (see the files).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/temp-dir-per-file.ts'],
  },
});
