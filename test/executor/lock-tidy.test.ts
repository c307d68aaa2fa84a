/**
 * `globe plan` takes the state lock, whose directory lives in the project's `.globe/`: planning a
 * project that has no state must leave the project as it found it. The lock removes what it
 * created once empty (rmdir: never anything that holds a file), and a globe taking the lock while
 * another removes the emptied directory takes it all the same.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, readLockInfo } from '../../executor/lock.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'globe-lock-tidy-'));
  dirs.push(dir);
  return dir;
};

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every file and directory under `dir`, hidden ones included, sorted. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => `${relative(dir, join(e.parentPath, e.name))}${e.isDirectory() ? '/' : ''}`)
    .sort();
}

describe('a plan leaves the project as it found it', () => {
  it('planning a copy of examples/quickstart (no state) leaves its directory listing unchanged: no empty .globe/', () => {
    const dir = join(tempDir(), 'quickstart');
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    const before = listing(dir);
    const r = globe(['plan', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(listing(dir)).toEqual(before);
  });

  it('a .globe/ that holds anything else (a state, a journal, a user’s file) is kept, with what it holds', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.globe', 'journal'), { recursive: true });
    writeFileSync(join(dir, '.globe', 'journal', 'p.jsonl'), '');
    const lock = join(dir, '.globe', 'state.json.lock');
    const held = await acquireLock(lock, 'plan', 0, undefined, { removeWhenEmpty: [join(dir, '.globe')] });
    await held.release();
    expect(listing(dir)).toEqual(['.globe/', '.globe/journal/', '.globe/journal/p.jsonl']);
  });

  it('directories the lock created for a state path of the project’s own are removed too; ones that were there are not', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'ops'));
    const held = await acquireLock(join(dir, 'ops', 'world', 'state.json.lock'), 'plan', 0);
    expect(listing(dir)).toEqual(['ops/', 'ops/world/', 'ops/world/state.json.lock/', 'ops/world/state.json.lock/holder.json']);
    await held.release();
    expect(listing(dir)).toEqual(['ops/']);
  });

  it('while another globe holds the lock, a release leaves .globe/ and that lock alone; the last release removes it', async () => {
    const dir = tempDir();
    const lock = join(dir, '.globe', 'state.json.lock');
    const options = { removeWhenEmpty: [join(dir, '.globe')] };
    const first = await acquireLock(lock, 'plan', 0, undefined, options);
    const second = acquireLock(lock, 'plan', 60_000, undefined, options);
    await first.release();
    const next = await second;
    expect(readLockInfo(lock)?.id).toBe(next.info.id);
    await next.release();
    expect(listing(dir)).toEqual([]);
  });

  it('globes taking and releasing the lock over and over, each removing the emptied .globe/, never fail for the directory the other removed', async () => {
    // A release removes .globe/ between another globe's mkdir of it and its taking the lock (ENOENT):
    // that globe must make it again and carry on. Each child takes the lock 60 times.
    const dir = tempDir();
    const lock = join(dir, '.globe', 'state.json.lock');
    const lockJs = join(ROOT, 'dist', 'executor', 'lock.js').replaceAll('\\', '/');
    const script = `import('${lockJs}').then(async ({ acquireLock }) => {
      for (let i = 0; i < 60; i++) {
        const held = await acquireLock(${JSON.stringify(lock)}, 'plan', 120000, undefined, { removeWhenEmpty: [${JSON.stringify(join(dir, '.globe'))}] });
        await held.release();
      }
    }).catch((e) => { process.stderr.write(String(e.message)); process.exit(1); })`;
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] }));
    const results = await Promise.all(
      children.map(
        (c) =>
          new Promise<{ code: number | null; stderr: string }>((done) => {
            let stderr = '';
            c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
            c.once('close', (code) => done({ code, stderr }));
          }),
      ),
    );
    expect(results).toEqual(children.map(() => ({ code: 0, stderr: '' })));
    expect(listing(dir)).toEqual([]);
  }, 120_000);
});
