/**
 * Each test file writes its temporary directories under one of its own, made
 * before the file is imported and removed after its last hook (after hooks run
 * last-registered first, so this one runs after the file's own clean-up, e.g.
 * a PostgreSQL server stopping).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const mine = mkdtempSync(join(process.env.GLOBE_TEST_RUN_DIR ?? tmpdir(), 'file-'));
chmodSync(mine, 0o755);
process.env.TMPDIR = mine;

afterAll(() => {
  rmSync(mine, { recursive: true, force: true });
});
