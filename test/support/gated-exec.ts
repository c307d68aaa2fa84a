/**
 * The exec-backend example with a hook wrapper a test can hold: the first
 * move's hook writes its pid to `gate-waiting` and waits until the test
 * creates `gate-open`. Nothing depends on timing: the test acts while the
 * move is held, then lets it go.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, globe, ROOT } from './cli.js';
import { copyExample } from './examples.js';

export function gatedExecProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-gated-'));
  copyExample(join(ROOT, 'examples', 'exec-backend'), dir);
  rmSync(join(dir, '.globe'), { recursive: true, force: true });
  writeFileSync(
    join(dir, 'hooks', 'gated.mjs'),
    `#!/usr/bin/env node
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const cmd = process.argv[2];
const input = cmd === 'get-state' ? '' : await new Promise((r) => { let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => r(s)); });
if (cmd !== 'get-state' && !existsSync('gate-waiting')) {
  writeFileSync('gate-waiting.tmp', String(process.pid));
  renameSync('gate-waiting.tmp', 'gate-waiting');
  while (!existsSync('gate-open')) await new Promise((r) => setTimeout(r, 20));
}
const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8' });
process.stdout.write(r.stdout);
process.stderr.write(cmd + ' hook says: ' + r.stderr);
process.exit(r.status ?? 1);
`,
  );
  chmodSync(join(dir, 'hooks', 'gated.mjs'), 0o755);
  writeFileSync(join(dir, 'backend.globe'), readFileSync(join(dir, 'backend.globe'), 'utf8').replaceAll('globe-hook.mjs', 'gated.mjs').replace('timeout = 10s', 'timeout = 120s'));
  const r = globe(['plan', dir, '--out', join(dir, 'plan.json')]);
  if (r.code !== 0) throw new Error(`plan failed: ${r.stderr}`);
  return dir;
}

/** `globe apply plan.json` in the background; `exited` resolves with its exit code and output. */
export function startApply(dir: string, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'apply', join(dir, 'plan.json'), '--project', dir, ...args], { env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exited, stderr: () => stderr };
}

export async function until(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const gateWaiting = (dir: string) => existsSync(join(dir, 'gate-waiting'));
export const openGate = (dir: string) => writeFileSync(join(dir, 'gate-open'), '');
