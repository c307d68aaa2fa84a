/**
 * Ctrl-C twice during `globe apply` with the exec backend: globe gives up on
 * the running move and exits — and must not leave its hook running behind
 * it, unlocked and unwatched (hooks run in their own process group, so the
 * terminal's Ctrl-C never reaches them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, globe } from '../support/cli.js';
import { gatedExecProject, gateWaiting, openGate, startApply, until } from '../support/gated-exec.js';

beforeAll(() => ensureBuilt());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Ctrl-C twice during apply', () => {
  it('stops the running move’s hook, exits 130, and the same command later re-checks that move and finishes', async () => {
    const dir = gatedExecProject();
    const apply = startApply(dir, ['--parallelism', '1']);
    let hookPid = 0;
    try {
      await until(() => gateWaiting(dir), 'the first move to start');
      hookPid = Number(readFileSync(join(dir, 'gate-waiting'), 'utf8'));
      expect(alive(hookPid)).toBe(true);
      apply.child.kill('SIGINT');
      await until(() => apply.stderr().includes('Interrupt: no new move will start'), 'the first Ctrl-C to be handled');
      apply.child.kill('SIGINT');
      const r = await apply.exited;
      expect(r.code).toBe(130);
      await until(() => !alive(hookPid), 'the hook to stop', 120_000);
      expect(r.stderr).toContain('Abandoned the running moves (their hooks were stopped)');
    } finally {
      if (hookPid && alive(hookPid)) process.kill(-hookPid, 'SIGKILL');
    }
    openGate(dir);
    const resumed = globe(['apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/Resuming: 0 moves already complete; re-checking m001-/);
  }, 120_000);
});
