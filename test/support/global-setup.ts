/**
 * Every test run gets its own temporary directory (TMPDIR, which every test
 * and every globe it starts inherits). At the end it must be empty: each test
 * file's directory is removed when the file ends (temp-dir-per-file.ts), so
 * anything left means a process outlived its test. The run's directory is
 * removed either way, so a run never leaves `globe-*` directories behind.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const run = mkdtempSync(join(tmpdir(), 'globe-test-run-'));
  chmodSync(run, 0o755); // the throwaway PostgreSQL server runs as another user and must reach its directory
  process.env.TMPDIR = run;
  process.env.GLOBE_TEST_RUN_DIR = run;
  return () => {
    const left = readdirSync(run).sort();
    rmSync(run, { recursive: true, force: true });
    if (left.length === 0) return;
    process.exitCode = 1; // vitest reports an error thrown here but would still exit 0
    throw new Error(`the tests left temporary directories behind (now removed): ${left.join(', ')}`);
  };
}
