import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: a limit is a hang detector, not a speed check — the suite must pass when run twice at
    // once on two busy cores (speed is measured by bench/, never here).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // HiGHS runs in worker threads and several tests spawn the CLI: two cores, keep it calm.
    maxWorkers: 2,
    // Temporary directories: one per run, one per test file inside it, all removed (see the files).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/temp-dir-per-file.ts'],
  },
});
