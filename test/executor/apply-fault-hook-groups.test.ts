/**
 * A later apply kills the hook process groups an earlier one journalled — and
 * must never signal a group that only shares the number: one of another boot
 * (or machine), or one whose leader is a later process (the id was reused).
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { groupOf, groupRunning, stopGroup } from '../../executor/backends/hook-groups.js';
import { running } from '../support/fault-project.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (running(pid)) process.kill(-pid, 'SIGKILL');
});

/** A stand-in hook: a process group of its own, with a child in it, that runs until killed. */
async function hookGroup(): Promise<number> {
  const child = spawn(process.execPath, ['-e', "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' }); console.log('up'); setInterval(() => {}, 1000)"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child.pid!);
  await new Promise((r) => child.stdout.once('data', r));
  child.unref();
  return child.pid!;
}

describe('the process groups of hooks', () => {
  it('a journalled group still running is killed, with what it started, and waited out', async () => {
    const pid = await hookGroup();
    const g = groupOf(pid);
    expect(g.started).toBeGreaterThan(0);
    expect(groupRunning(g)).toBe(true);
    expect(await stopGroup(g, 'the test hook')).toBe(true);
    expect(groupRunning(g)).toBe(false);
    expect(await stopGroup(g, 'the test hook')).toBe(false);
  });

  it('a group of another boot, or whose leader started at another time (a reused id), is left alone', async () => {
    const pid = await hookGroup();
    const g = groupOf(pid);
    expect(groupRunning({ ...g, boot: 'another-boot' })).toBe(false);
    expect(await stopGroup({ ...g, started: g.started - 1 }, 'a reused id')).toBe(false);
    expect(running(pid)).toBe(true);
  });
});
