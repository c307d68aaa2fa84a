/**
 * The lock lives with the state it protects: two projects whose
 * `backend file { path }` name one state file take turns. And that path stays
 * inside the project: no absolute path, no `..` out of it, no symbolic link
 * leading elsewhere.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../executor/lock.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'globe-lock-path-'));
  dirs.push(d);
  return d;
};
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The quickstart project in `dir`, its state where `backend file { path }` says. */
function project(dir: string, statePath: string): string {
  mkdirSync(dir, { recursive: true });
  copyExample(join(ROOT, 'examples', 'quickstart'), dir);
  writeFileSync(join(dir, 'backend.globe'), `backend file { path = "${statePath}" }\n`);
  return dir;
}

describe('two projects sharing one state file', () => {
  it('take turns: while one holds the lock the other cannot apply, and nothing is written', async () => {
    // Project a keeps its state in shared/state.json; project b lives in shared/ and names the same file.
    const a = project(tempDir(), 'shared/state.json');
    const b = project(join(a, 'shared'), 'state.json');
    const held = await acquireLock(join(a, 'shared', 'state.json.lock'), 'apply', 0);
    try {
      for (const dir of [a, b]) {
        const r = globe(['apply', dir, '--auto-approve', '--lock-timeout', '0s']);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toContain(`the state is locked by ${held.info.who} (pid ${process.pid}, apply)`);
      }
      expect(existsSync(join(a, 'shared', 'state.json'))).toBe(false);
    } finally {
      await held.release();
    }
    const r = globe(['apply', b, '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(a, 'shared', 'state.json'))).toBe(true);
    expect(existsSync(join(a, 'shared', 'state.json.lock'))).toBe(false); // released
  }, 120_000);
});

describe('the file backend path', () => {
  it.each([
    ['../../x/state.json', 'must stay inside the project directory'],
    ['/etc/passwd', 'must be relative to the project directory, not absolute'],
  ])('%s is refused with file:line:col', (path, says) => {
    const dir = project(tempDir(), path);
    const r = globe(['validate', dir]);
    expect(r.code, r.stderr).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`error[invalid-value]: the file backend's path ${says}`);
    expect(out).toContain(`--> ${join(dir, 'backend.globe')}:1:23`);
    const plan = globe(['plan', dir]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).not.toContain('root:');
  });

  it('a symbolic link that leads out of the project is refused, and the file there is neither read nor echoed', () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'state.json'), 'SECRET-BYTES of a foreign file');
    const dir = project(tempDir(), 'link/state.json');
    symlinkSync(outside, join(dir, 'link'));
    const r = globe(['plan', dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`the file backend's path "link/state.json" must stay inside the project directory (it leads elsewhere through a symbolic link)`);
    expect(r.stderr).not.toContain('SECRET');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const apply = globe(['apply', dir, '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(readFileSync(join(outside, 'state.json'), 'utf8')).toBe('SECRET-BYTES of a foreign file');
  });
});

describe('apply without the lock', () => {
  it('is refused before anything runs: two applies could otherwise interleave one journal', () => {
    const dir = project(tempDir(), '.globe/state.json');
    const r = globe(['apply', dir, '--auto-approve', '--lock', 'false']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('globe: --lock false is for `globe plan` only: apply always takes the state lock (two applies would interleave one journal)');
    expect(existsSync(join(dir, '.globe'))).toBe(false);
  });
});
