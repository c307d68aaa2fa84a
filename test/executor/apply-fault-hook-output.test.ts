/**
 * Issue 14: hooks that hold on to their output. A hook that leaves a process
 * in a session of its own (setsid) holding its stdout used to keep globe
 * waiting for ever — past its `timeout`, and even after the hook had exited
 * successfully; and a hook's stdout was unbounded (700 MB → a stack trace).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from '../support/cli.js';
import { running } from '../support/fault-project.js';
import { copyExample } from '../support/examples.js';

/** `odd.mjs MODE CMD`: the example hook, except where MODE says to misbehave. */
const ODD = `#!/usr/bin/env node
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
const [mode, cmd] = process.argv.slice(2);
const input = cmd === 'get-state' ? '' : readFileSync(0, 'utf8');
// A process in a session of its own that keeps this hook's stdout and stderr open until the test ends.
const leaveGrandchild = () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
  appendFileSync('grandchild.pids', child.pid + '\\n');
  child.unref();
};
if (mode === 'hang-with-grandchild' && cmd === 'upsize') {
  leaveGrandchild();
  setInterval(() => {}, 1000); // and never finish
} else if (mode === 'huge-state' && cmd === 'get-state') {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  for (let i = 0; i < 17; i++) process.stdout.write(chunk);
} else {
  const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (mode === 'exit-with-grandchild' && cmd === 'get-state') leaveGrandchild();
  process.exit(r.status ?? 1);
}
`;

const dirs: string[] = [];
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) {
    const pidFile = join(d, 'grandchild.pids');
    if (existsSync(pidFile)) for (const pid of readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number)) if (running(pid)) process.kill(pid, 'SIGKILL');
    rmSync(d, { recursive: true, force: true });
  }
});

function project(mode: string, timeout: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-hook-output-'));
  dirs.push(dir);
  copyExample(join(ROOT, 'examples', 'exec-backend'), dir);
  rmSync(join(dir, '.globe'), { recursive: true, force: true });
  writeFileSync(join(dir, 'hooks', 'odd.mjs'), ODD);
  chmodSync(join(dir, 'hooks', 'odd.mjs'), 0o755);
  const backend = readFileSync(join(dir, 'backend.globe'), 'utf8').replace(/"\.\/hooks\/globe-hook\.mjs", /g, `"./hooks/odd.mjs", "${mode}", `).replace('timeout = 10s', `timeout = ${timeout}`);
  writeFileSync(join(dir, 'backend.globe'), backend);
  return dir;
}

/** The CLI, waited for by its exit event (a test that hangs here is the bug). */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('a hook whose output outlives it', () => {
  it('a hook that hangs and leaves a setsid grandchild holding its stdout is stopped at its timeout; the move FAILED', async () => {
    const dir = project('hang-with-grandchild', '5s');
    const r = await run(['apply', dir, '--auto-approve', '--parallelism', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed: the upsize hook timed out after 5s and was stopped\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 300_000);

  it('a get_state hook that exits 0 and leaves a setsid grandchild holding its stdout: globe reads its output and carries on', async () => {
    const dir = project('exit-with-grandchild', '60s');
    const r = await run(['apply', dir, '--auto-approve', '--parallelism', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Apply complete');
  }, 300_000);

  it('a get_state hook that prints more than 16 MiB is stopped with a clear error, not a stack trace', async () => {
    const dir = project('huge-state', '60s');
    const r = await run(['plan', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('globe: the get_state hook printed more than 16 MiB on stdout and was stopped (a State document is far smaller: is it printing something else?)\n');
  }, 300_000);
});
