import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../executor/journal.js';
import { acquireLock, forceUnlock, readLockInfo } from '../executor/lock.js';
import type { Plan } from '../planner/plan.js';
import { ensureBuilt, globe } from './support/cli.js';
import { gatedExecProject, gateWaiting, openGate, startApply, until } from './support/gated-exec.js';

const stateDir = () => join(mkdtempSync(join(tmpdir(), 'globe-lock-')), '.globe');

beforeAll(() => ensureBuilt());

describe('the state lock', () => {
  it('a holder whose lock was forced away sees it lost at once, and its release leaves the next holder’s lock alone', async () => {
    const dir = stateDir();
    const first = await acquireLock(dir, 'apply', 0);
    expect(first.lost?.()).toBe(false);
    forceUnlock(dir, first.info.id);
    expect(first.lost?.()).toBe(true);

    // Another globe (another process) takes the lock: its directory and its holder record.
    const other = { id: 'another-globe', who: 'ci@build-agent-7', operation: 'apply', since: new Date().toISOString(), pid: 1 };
    mkdirSync(join(dir, 'state.lock.target.lock'));
    writeFileSync(join(dir, 'lock-info.json'), JSON.stringify(other));
    await first.release();
    expect(first.lost?.()).toBe(true);
    expect(readLockInfo(dir)).toEqual(other);
    expect(existsSync(join(dir, 'state.lock.target.lock'))).toBe(true);
    await expect(acquireLock(dir, 'plan', 0)).rejects.toThrow('the state is locked by ci@build-agent-7 (pid 1, apply)');
  });

  it('a lock whose directory someone removed is lost', async () => {
    const dir = stateDir();
    const held = await acquireLock(dir, 'apply', 0);
    rmSync(join(dir, 'state.lock.target.lock'), { recursive: true, force: true });
    expect(held.lost?.()).toBe(true);
    await held.release();
    expect(existsSync(join(dir, 'lock-info.json'))).toBe(true); // not ours to tidy any more
  });
});

describe('force-unlock while an apply runs', () => {
  it('the running move finishes, apply stops with one clear line (no crash), leaves the new holder’s lock alone, and resumes later', async () => {
    const dir = gatedExecProject();
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(plan.moves.length).toBeGreaterThan(1);
    const apply = startApply(dir, ['--parallelism', '1']);
    await until(() => gateWaiting(dir), 'the first move to start');

    const holder = readLockInfo(join(dir, '.globe'));
    expect(holder?.operation).toBe('apply');
    const unlocked = globe(['force-unlock', holder!.id, dir]);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    const next = await acquireLock(join(dir, '.globe'), 'apply', 0); // someone else takes it
    try {
      // The forced-out apply's lock library refreshes its lock every 5 s and only then finds it
      // taken; keep the move running past that, so that moment comes while apply is still at work.
      await new Promise((r) => setTimeout(r, 7000));
      openGate(dir);
      const r = await apply.exited;
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toContain('ECOMPROMISED');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Apply stopped after 1 of ${plan.moves.length} moves: the state lock was lost (removed with force-unlock, or the connection holding it dropped)`);
      expect(readLockInfo(join(dir, '.globe'))?.id).toBe(next.info.id);
      expect(existsSync(join(dir, '.globe', 'state.lock.target.lock'))).toBe(true);
      const journalDir = join(dir, '.globe', 'journal');
      const [file] = readdirSync(journalDir);
      const statuses = [...readJournal(join(journalDir, file)).status.values()];
      expect(statuses.filter((s) => s === 'COMPLETE')).toHaveLength(1);
      expect(statuses).not.toContain('RUNNING');
    } finally {
      await next.release();
    }
    const resumed = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Resuming: 1 moves already complete');
  }, 120_000);
});
