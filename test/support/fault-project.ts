/**
 * The deterministic scenario for a killed apply's hooks: examples/global
 * with the exec backend (the example hook behind a wrapper a test can hold), after
 * one full apply; then the ranker is kept out of us-west with `max_surge = 2`, so
 * its move takes rounds that set the same keys again (us-central a100 2 → 4 → 5,
 * us-west h100 3 → 2 → 1 → 0). The test arms the wrapper on one move: its hook
 * writes its pid to `gate-waiting` and waits until the test creates `gate-open`
 * (with `gate-escape`, it first moves itself into a session of its own, where no
 * kill of its process group reaches it, and leaves its outcome in `escaped-result`).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan, ResizeMove } from '../../schemas/plan.js';
import type { Deployment } from '../../schemas/state.js';
import { globe, ROOT } from './cli.js';
import { copyExample } from './examples.js';

const WRAPPER = `#!/usr/bin/env node
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
const cmd = process.argv[2];
const input = cmd === 'get-state' ? '' : await new Promise((r) => { let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => r(s)); });
const gated = cmd !== 'get-state' && input !== '' && existsSync('gate-armed') && !existsSync('gate-waiting') && JSON.parse(input).id === readFileSync('gate-armed', 'utf8').trim();
if (gated && existsSync('gate-escape') && !process.env.ESCAPED) {
  // Out of globe's reach: a new session (setsid), so no kill of the hook's process group stops it.
  const child = spawn(process.execPath, [process.argv[1], cmd], { detached: true, stdio: ['pipe', 'inherit', 'inherit'], env: { ...process.env, ESCAPED: '1' } });
  child.stdin.end(input);
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  if (gated || process.env.ESCAPED) {
    writeFileSync('gate-waiting.tmp', String(process.pid));
    renameSync('gate-waiting.tmp', 'gate-waiting');
    while (!existsSync('gate-open')) await new Promise((r) => setTimeout(r, 20));
  }
  const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (process.env.ESCAPED) appendFileSync('escaped-result', 'exit ' + r.status + ': ' + r.stderr);
  process.exit(r.status ?? 1);
}
`;

export interface FaultProject {
  dir: string;
  plan: Plan;
  /** A move whose key a later round sets again: the one the test holds. */
  held: ResizeMove;
}

/** examples/global on the exec backend, fully applied once (slow: make it once and copy it). */
export function appliedGlobalExec(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-fault-template-'));
  copyExample(join(ROOT, 'examples', 'global'), dir);
  copyExample(join(ROOT, 'examples', 'exec-backend', 'hooks'), join(dir, 'hooks'));
  rmSync(join(dir, '.globe'), { recursive: true, force: true });
  writeFileSync(join(dir, 'hooks', 'gated.mjs'), WRAPPER);
  chmodSync(join(dir, 'hooks', 'gated.mjs'), 0o755);
  const backend = readFileSync(join(ROOT, 'examples', 'exec-backend', 'backend.globe'), 'utf8').replaceAll('globe-hook.mjs', 'gated.mjs').replace('timeout = 10s', 'timeout = 120s');
  writeFileSync(join(dir, 'backend.globe'), backend);
  for (const args of [['plan', dir, '--out', join(dir, 'plan.json')], ['apply', join(dir, 'plan.json'), '--project', dir]]) {
    const r = globe(args);
    if (r.code !== 0) throw new Error(`${args[0]} failed: ${r.stderr}`);
  }
  rmSync(join(dir, 'plan.json'));
  rmSync(join(dir, '.globe', 'journal'), { recursive: true, force: true });
  return dir;
}

/** A copy of the applied template, the ranker's change planned into plan.json and the wrapper armed on a move. */
export function surgeScenario(template: string): FaultProject {
  const dir = mkdtempSync(join(tmpdir(), 'globe-fault-'));
  cpSync(template, dir, { recursive: true });
  const file = join(dir, 'inference.globe');
  writeFileSync(file, readFileSync(file, 'utf8').replace('    max_surge = 4', '    max_surge = 2\n    avoid [us-west]'));
  const r = globe(['plan', dir, '--out', join(dir, 'plan.json')]);
  if (r.code !== 0) throw new Error(`plan failed: ${r.stderr}`);
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
  const resizes = plan.moves.filter((m): m is ResizeMove => m.kind === 'upsize' || m.kind === 'downsize');
  const key = (m: ResizeMove) => `${JSON.stringify(m.subject)} ${m.region} ${m.resource}`;
  const held = resizes.find((m) => m.kind === 'upsize' && resizes.some((l) => l.round > m.round && key(l) === key(m)));
  if (!held) throw new Error(`the scenario needs a key set in two rounds: ${plan.moves.map((m) => m.id).join(', ')}`);
  writeFileSync(join(dir, 'gate-armed'), held.id);
  return { dir, plan, held };
}

/** The world the example hook keeps, as a Deployment (without the units per replica it records beside the counts). */
export function worldOf(dir: string): Deployment {
  const w = JSON.parse(readFileSync(join(dir, '.globe', 'exec-world.json'), 'utf8')) as Deployment;
  const tenants = Object.fromEntries(Object.entries(w.tenants).map(([id, t]) => [id, { replicas: t.replicas, routing: t.routing }]));
  return { tenants, reservations: w.reservations, products: w.products, followers: w.followers };
}

/** Running, not a zombie (an orphan's zombie may never be reaped where init does not reap). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export const gatePid = (dir: string) => Number(readFileSync(join(dir, 'gate-waiting'), 'utf8'));
export const escapedResult = (dir: string) => (existsSync(join(dir, 'escaped-result')) ? readFileSync(join(dir, 'escaped-result'), 'utf8') : undefined);
