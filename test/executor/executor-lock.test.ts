import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../executor/journal.js';
import { acquireLock, forceUnlock, readLockInfo } from '../../executor/lock.js';
import type { Plan } from '../../schemas/plan.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { gatedExecProject, gateWaiting, openGate, startApply, until } from '../support/gated-exec.js';

const dirs: string[] = [];
/** A fresh lock path beside a state file, in a temporary directory removed after the tests. */
const lockPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'globe-lock-'));
  dirs.push(dir);
  return join(dir, '.globe', 'state.json.lock');
};

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What another globe (another process) leaves when it holds the lock. */
function otherHolder(path: string, holder: object): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'holder.json'), JSON.stringify(holder));
}

describe('the state lock', () => {
  it('a holder whose lock was forced away sees it lost at once, and its release leaves the next holder’s lock alone', async () => {
    const path = lockPath();
    const first = await acquireLock(path, 'apply', 0);
    expect(first.lost?.()).toBe(false);
    forceUnlock(path, first.info.id);
    expect(first.lost?.()).toBe(true);

    const other = { id: 'another-globe', who: 'ci@build-agent-7', operation: 'apply', since: new Date().toISOString(), pid: 1 };
    otherHolder(path, other);
    await first.release();
    expect(first.lost?.()).toBe(true);
    expect(readLockInfo(path)).toEqual(other);
    await expect(acquireLock(path, 'plan', 0)).rejects.toThrow('the state is locked by ci@build-agent-7 (pid 1, apply)');
  });

  it('a lock whose directory someone removed is lost, and its release removes nothing', async () => {
    const path = lockPath();
    const held = await acquireLock(path, 'apply', 0);
    rmSync(path, { recursive: true, force: true });
    expect(held.lost?.()).toBe(true);
    const next = await acquireLock(path, 'apply', 0);
    await held.release();
    expect(readLockInfo(path)?.id).toBe(next.info.id);
    await next.release();
    expect(existsSync(path)).toBe(false);
  });

  it('a globe killed while taking the lock leaves no lock without a holder: the next takes it at once', async () => {
    const path = lockPath();
    // What an older globe left when killed between its mkdir and its holder record: an empty directory.
    mkdirSync(path, { recursive: true });
    // What this globe leaves when killed before its rename: a temporary directory of a process that is gone.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(`${path}.tmp-${dead}-abc123`);
    writeFileSync(join(`${path}.tmp-${dead}-abc123`, 'holder.json'), '{"id":"half"');
    const held = await acquireLock(path, 'apply', 0);
    expect(readLockInfo(path)?.id).toBe(held.info.id);
    expect(readdirSync(join(path, '..')).sort()).toEqual(['state.json.lock']);
    await held.release();
  });

  it('a lock held by a process of this host that died is reclaimed at once', async () => {
    const path = lockPath();
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    otherHolder(path, { id: 'dead', who: `${userInfo().username}@${hostname()}`, operation: 'apply', since: new Date().toISOString(), pid: dead });
    const held = await acquireLock(path, 'apply', 0);
    expect(readLockInfo(path)?.id).toBe(held.info.id);
    await held.release();
  });

  it('a lock directory with no readable holder record is reported as such, with a force-unlock that works', async () => {
    const path = lockPath();
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'something-else'), '');
    const err = await acquireLock(path, 'apply', 0).catch((e: Error) => e);
    expect((err as Error).message).toBe(`the state lock ${path} has no readable holder record (it was not made by this globe). If no other globe is running against this state, remove it: globe force-unlock any`);
    forceUnlock(path, 'any');
    const held = await acquireLock(path, 'apply', 0);
    await held.release();
  });

  it('of many globes taking the lock at once, exactly one holds it', async () => {
    const path = lockPath();
    const script = `import('${join(ROOT, 'dist', 'executor', 'lock.js').replaceAll('\\', '/')}').then(async ({ acquireLock }) => { try { await acquireLock(${JSON.stringify(path)}, 'apply', 0); process.stdout.write('got'); process.stdin.resume(); } catch { process.stdout.write('refused'); process.exit(0); } })`;
    const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const answers = await Promise.all(children.map((c) => new Promise<string>((r) => c.stdout!.once('data', (d: Buffer) => r(d.toString())))));
    expect(answers.filter((a) => a === 'got')).toHaveLength(1);
    for (const c of children) c.stdin!.end();
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  });
});

describe('force-unlock while an apply runs', () => {
  it('the running move finishes, apply stops with one clear line (no crash), leaves the new holder’s lock alone, and resumes later', async () => {
    const dir = gatedExecProject();
    dirs.push(dir);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(plan.moves.length).toBeGreaterThan(1);
    const apply = startApply(dir, ['--parallelism', '1']);
    await until(() => gateWaiting(dir), 'the first move to start');

    const lock = join(dir, '.globe', 'state.lock');
    const holder = readLockInfo(lock);
    expect(holder?.operation).toBe('apply');
    const unlocked = globe(['force-unlock', holder!.id, dir]);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    const next = await acquireLock(lock, 'apply', 0); // someone else takes it
    try {
      openGate(dir);
      const r = await apply.exited;
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toContain('ECOMPROMISED');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Apply stopped after 1 of ${plan.moves.length} moves: the state lock was lost (removed with force-unlock, or the connection holding it dropped)`);
      expect(readLockInfo(lock)?.id).toBe(next.info.id);
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
