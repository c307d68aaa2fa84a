/**
 * Running the real, compiled CLI the way a user does. `npm test` compiles
 * first; a bare `vitest` run compiles here if dist/ is missing.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const r = spawnSync('npx', ['tsc', '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function globe(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  ensureBuilt();
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    input: options.input,
    env: { ...process.env, NO_COLOR: '1', CI: 'true', ...options.env },
    timeout: 280_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
