/**
 * A backend globe cannot reach fails with `backend-unavailable`, whichever command meets it, and the
 * commands keep that code (and any stage's) instead of turning it into a plain command error. The
 * postgres cases (refused connection, unknown host, refused password, missing database) are in
 * postgres.test.ts, against its throwaway server; the file backend has nothing to reach.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../executor/backends/index.js';
import { BackendUnavailable } from '../../executor/backends/unavailable.js';
import { LockError } from '../../executor/lock.js';
import { CliError, userError } from '../../cli/output.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const work = mkdtempSync(join(tmpdir(), 'globe-unavailable-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The exec-backend example whose get_state command does not exist. */
function missingCommandProject(): string {
  const dir = join(work, 'exec');
  copyExample(join(ROOT, 'examples', 'exec-backend'), dir);
  const file = join(dir, 'backend.globe');
  writeFileSync(file, readFileSync(file, 'utf8').replace('get_state = ["./hooks/globe-hook.mjs", "get-state"]', 'get_state = ["./hooks/no-such-hook", "get-state"]'));
  return dir;
}

describe('the exec backend whose command does not exist', () => {
  const dir = missingCommandProject();
  const says = 'cannot run the get_state hook ["./hooks/no-such-hook","get-state"]';

  it('is unavailable, with the message it always had', async () => {
    const project = await loadAndCheckProject(dir);
    const backend = await openBackend(project.spec, project.dir);
    try {
      const failure = await backend.getState().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(BackendUnavailable);
      expect((failure as BackendUnavailable).diagnostic()).toMatchObject({ severity: 'error', code: 'backend-unavailable' });
      expect((failure as Error).message.startsWith(says)).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('plan says so with that code (a GitHub annotation), and the same text on stderr', () => {
    const r = globe(['plan', dir, '--format', 'markdown'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(1);
    expect(annotations[0].startsWith(`::error::backend-unavailable: ${says}`), annotations[0]).toBe(true);
    expect(r.stderr).toContain(`globe: ${says}`);
    const pull = globe(['state', 'pull', dir]);
    expect(pull.code).toBe(1);
    expect(pull.stderr).toContain(`globe: ${says}`);
  });
});

describe('userError: what a command rethrows', () => {
  it("keeps a stage's error as it is, code and all", () => {
    const lock = new LockError('the state is locked by someone');
    expect(userError(lock)).toBe(lock);
    expect(userError(lock).diagnostic().code).toBe('lock');
  });

  it('rewords without losing the code', () => {
    const e = userError(new BackendUnavailable('connection refused'), (m) => `${m}; the job goes back to the queue`);
    expect(e.diagnostic()).toEqual({ severity: 'error', code: 'backend-unavailable', message: 'connection refused; the job goes back to the queue' });
    expect(e.message).toBe('connection refused; the job goes back to the queue');
  });

  it('turns anything else into a plain command error with its message', () => {
    const e = userError(new Error('socket hang up'));
    expect(e).toBeInstanceOf(CliError);
    expect(e.diagnostic()).toEqual({ severity: 'error', code: 'command', message: 'socket hang up' });
  });
});
