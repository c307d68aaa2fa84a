/**
 * Long waits are never silent: a lock wait names its holder, a plan off a terminal prints
 * one line per block, and apply ends with what it did by kind of move (also when it stops).
 * Every assertion is about lines and counts, never about durations.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../executor/lock.js';
import type { Plan } from '../../schemas/plan.js';
import { ApplyTally } from '../../cli/apply-tally.js';
import { CLI, ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
/** A copy of an example: a plan takes the state lock, which lives in the project's .globe/. */
function project(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-feedback-'));
  dirs.push(dir);
  copyExample(join(ROOT, 'examples', example), dir);
  return dir;
}
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('plan progress off a terminal', () => {
  it('prints one line per block on stderr, counted like the plan counts its blocks, and nothing on the JSON stdout', () => {
    const r = globe(['plan', project('global'), '--block-tenants', '2', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan; // stdout is the JSON document alone
    const blocks = plan.placement.solver.blocks!.count;
    expect(blocks).toBeGreaterThan(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('Planning: block '));
    expect(lines.map((l) => l.replace(/ \(.*\)$/, ''))).toEqual(Array.from({ length: blocks }, (_, i) => `Planning: block ${i + 1} of ${blocks} done`));
    for (const l of lines) expect(l).toMatch(/\(\d+ tenants?, \w[\w-]*, \d+\.\d s\)$/);
    const repairs = r.stderr.split('\n').filter((l) => l.startsWith('Planning: re-planned '));
    expect(repairs).toHaveLength(plan.placement.solver.blocks!.repaired > 0 ? 1 : 0);
  });

  it('a plan of one model prints no progress line', () => {
    const r = globe(['plan', project('quickstart'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Planning:');
  });
});

describe('waiting for the state lock', () => {
  it('says who holds it and since when, then goes on once it is released', async () => {
    const dir = project('quickstart');
    const held = await acquireLock(join(dir, '.globe', 'state.json.lock'), 'apply', 0);
    let released = false;
    try {
      const child = spawn(process.execPath, [CLI, 'plan', dir, '--lock-timeout', '600s'], { env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      // wait for the line (an event), then release: the plan must go on and succeed
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          if (stderr.includes('\n') && stderr.includes('Waiting for the state lock')) resolve();
        });
        child.on('close', () => reject(new Error(`plan ended without waiting:\n${stderr}`)));
      });
      expect(stderr.split('\n')[0]).toBe(`Waiting for the state lock held by ${held.info.who} (pid ${process.pid}, apply) since ${held.info.since}…`);
      await held.release();
      released = true;
      expect(await exited, stderr).toBe(0);
      expect(stdout).toContain('Plan:');
      expect(stderr.match(/Waiting for the state lock/g)).toHaveLength(1);
    } finally {
      if (!released) await held.release();
    }
  });

  it('an uncontended lock prints nothing', () => {
    const r = globe(['plan', project('quickstart')]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('Waiting for the state lock');
  });
});

describe("apply's summary by kind", () => {
  const kinds = (plan: Plan) => {
    const count = new Map<string, number>();
    for (const m of plan.moves) count.set(m.kind, (count.get(m.kind) ?? 0) + 1);
    return count;
  };

  it('counts each kind of move it ran, and the counts add up to the moves of the plan', () => {
    const dir = project('quickstart');
    expect(globe(['plan', dir, '--out', join(dir, 'plan.json')]).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    const r = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('Apply complete:'))!;
    expect(line).toMatch(new RegExp(`^Apply complete: ${plan.moves.length} moves — .*\\.$`));
    const told = new Map([...line.matchAll(/(\d+) (upsize|route|downsize|shift) \(\d+\.\d s\)/g)].map((m) => [m[2], Number(m[1])]));
    expect(told).toEqual(kinds(plan));
  });

  it('tells the same tally when a move fails: what was done, what failed, what did not run', () => {
    const dir = project('exec-backend');
    writeFileSync(
      join(dir, 'hooks', 'no-route.mjs'),
      `#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
const cmd = process.argv[2];
if (cmd === 'route') { process.stderr.write('no route today\\n'); process.exit(3); }
const input = cmd === 'get-state' ? '' : await new Promise((r) => { let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => r(s)); });
const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8' });
process.stdout.write(r.stdout); process.stderr.write(r.stderr);
process.exit(r.status ?? 1);
`,
    );
    chmodSync(join(dir, 'hooks', 'no-route.mjs'), 0o755);
    writeFileSync(join(dir, 'backend.globe'), readFileSync(join(dir, 'backend.globe'), 'utf8').replaceAll('globe-hook.mjs', 'no-route.mjs').replace('timeout = 10s', 'timeout = 60s'));
    expect(globe(['plan', dir, '--out', join(dir, 'plan.json')]).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    const r = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(r.code).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('Done before it stopped:'))!;
    expect(line).toMatch(/; failed: 1 route; \d+ not run\.$/);
    const done = [...line.matchAll(/(\d+) (upsize|route|downsize|shift) \(\d+\.\d s\)/g)].reduce((a, m) => a + Number(m[1]), 0);
    const notRun = Number(/(\d+) not run\.$/.exec(line)![1]);
    expect(done + 1 + notRun).toBe(plan.moves.length);
    expect(done).toBe(r.stdout.split('\n').filter((l) => l.endsWith('… done')).length);
  });

  it('counts the moves an earlier run completed apart', () => {
    const tally = new ApplyTally();
    const move = { id: 'm1', kind: 'upsize' } as Plan['moves'][number];
    tally.event({ type: 'resume', completed: 3, rerun: [], tornLine: false });
    tally.event({ type: 'move-done', move, seconds: 1.25 });
    expect(tally.completeLine(4)).toBe('Apply complete: 4 moves — 1 upsize (1.3 s); 3 completed by an earlier run.');
    expect(new ApplyTally().stoppedLine(5)).toBe('Done before it stopped: no move; 5 not run.');
  });
});
