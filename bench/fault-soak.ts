/**
 * Fault soak: `npm run soak:faults -- [--trials 30] [--configs file,exec-fast,exec-slow,postgres] [--seed 1]`.
 *
 * examples/global, fully applied once; then the issue's change (the ranker kept out
 * of us-west with `max_surge = 2`: rounds that set the same keys again) is applied by
 * the compiled CLI and killed at a random moment — SIGKILL mostly, SIGTERM sometimes,
 * the resume itself killed sometimes — and resumed until it completes. With the exec
 * backend the example hook runs behind a wrapper that is fast, or slow (a random
 * 100–600 ms before it acts), and half the trials switch globe's reaper off, so that
 * the resume's own stop of a stray hook, and the hook's fencing, are exercised too.
 * Per trial, once no process started in the project is left: the world must equal
 * the one an uninterrupted apply leaves, and every state the journal went through
 * (the start state and each COMPLETE move in order) must keep the invariant
 * (schemas/invariants.ts). Prints the figures; exits 1 on any mismatch.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { applyMove } from '../schemas/apply-move.js';
import { checkInvariants, describeViolation, newViolations } from '../schemas/invariants.js';
import type { JournalRecord } from '../executor/journal.js';
import type { Deployment } from '../schemas/state.js';
import type { Plan } from '../schemas/plan.js';
import { canonicalJson } from '../lang/canonical-json.js';
import { Random } from './random.js';
import { planIdOf } from '../schemas/digest.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

type ConfigName = 'file' | 'exec-fast' | 'exec-slow' | 'postgres';

/** The example hook behind a wrapper: an optional random delay first, and a log line of what happened. */
const SOAK_HOOK = `#!/usr/bin/env node
import { appendFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const cmd = process.argv[2];
const input = cmd === 'get-state' ? '' : readFileSync(0, 'utf8');
const [min, max] = readFileSync('soak-delay', 'utf8').trim().split(' ').map(Number);
const ppid = process.ppid;
if (cmd !== 'get-state' && max > 0) await new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8' });
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
if (cmd !== 'get-state') {
  const move = JSON.parse(input);
  appendFileSync('hook-log.jsonl', JSON.stringify({ move: move.id, attempt: move.attempt, status: r.status, orphaned: process.ppid !== ppid }) + '\\n');
}
process.exit(r.status ?? 1);
`;

interface Figures {
  config: ConfigName;
  trials: number;
  kills: number;
  sigterms: number;
  resumes: number;
  strayStops: number;
  lateWrites: number;
  fencedWrites: number;
  mismatches: number;
  invariantBreaks: number;
  failures: string[];
  seconds: number;
}

function globe(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = globe(args, env);
  if (r.code !== 0) throw new Error(`globe ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The project before the change: examples/global on the config's backend, applied once. */
function template(config: ConfigName, env: NodeJS.ProcessEnv): string {
  const dir = mkdtempSync(join(tmpdir(), `globe-soak-${config}-`));
  cpSync(join(ROOT, 'examples', 'global'), dir, { recursive: true });
  rmSync(join(dir, '.globe'), { recursive: true, force: true });
  if (config.startsWith('exec')) {
    cpSync(join(ROOT, 'examples', 'exec-backend', 'hooks'), join(dir, 'hooks'), { recursive: true });
    writeFileSync(join(dir, 'hooks', 'soak-hook.mjs'), SOAK_HOOK);
    chmodSync(join(dir, 'hooks', 'soak-hook.mjs'), 0o755);
    writeFileSync(join(dir, 'backend.globe'), readFileSync(join(ROOT, 'examples', 'exec-backend', 'backend.globe'), 'utf8').replaceAll('globe-hook.mjs', 'soak-hook.mjs').replace('timeout = 10s', 'timeout = 60s'));
    writeFileSync(join(dir, 'soak-delay'), '0 0');
  }
  if (config === 'postgres') {
    writeFileSync(join(dir, 'backend.globe'), `backend postgres { url_env = GLOBE_PG_URL  schema = soak }\n`);
    must(['init', dir], env);
  }
  must(['plan', dir, '--out', join(dir, 'plan.json')], env);
  must(['apply', join(dir, 'plan.json'), '--project', dir], env);
  rmSync(join(dir, 'plan.json'));
  rmSync(join(dir, '.globe', 'journal'), { recursive: true, force: true });
  rmSync(join(dir, 'hook-log.jsonl'), { force: true });
  const file = join(dir, 'inference.globe');
  writeFileSync(file, readFileSync(file, 'utf8').replace('    max_surge = 4', '    max_surge = 2\n    avoid [us-west]'));
  if (config === 'exec-slow') writeFileSync(join(dir, 'soak-delay'), '100 600');
  return dir;
}

function deploymentIn(config: ConfigName, dir: string, env: NodeJS.ProcessEnv): Deployment {
  const doc =
    config === 'postgres'
      ? JSON.parse(must(['state', 'pull', dir], env))
      : JSON.parse(readFileSync(join(dir, '.globe', config === 'file' ? 'state.json' : 'exec-world.json'), 'utf8'));
  return { tenants: doc.tenants, reservations: doc.reservations, products: doc.products, followers: doc.followers };
}

/** Processes whose working directory is in the trial's project: its hooks, and anything they left. */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && state !== 'Z') out.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

async function settled(dir: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (processesIn(dir).length > 0) {
    if (Date.now() > deadline) throw new Error(`processes still running in ${dir}: ${processesIn(dir).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every state the journal says the world went through keeps the invariant (or is no worse than the start). */
function journalBreaks(plan: Plan, start: Deployment, records: JournalRecord[]): string[] {
  const spec = plan.spec;
  const allowance = new Map(plan.diff.regions.map((r) => [`${r.region}\u0000${r.resource}`, r.before]));
  const byId = new Map(plan.moves.map((m) => [m.id, m]));
  const base = checkInvariants(spec, start, allowance);
  const out: string[] = [];
  let d = start;
  for (const r of records) {
    if (r.type !== 'move' || r.status !== 'COMPLETE') continue;
    d = applyMove(d, byId.get(r.move)!);
    for (const v of newViolations(base, checkInvariants(spec, d, allowance))) out.push(`${r.move}: ${describeViolation(v)}`);
  }
  return out;
}

async function journalOf(config: ConfigName, dir: string, env: NodeJS.ProcessEnv, planId: string, schema: string): Promise<JournalRecord[]> {
  if (config === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: env.GLOBE_PG_URL });
    await client.connect();
    try {
      const r = await client.query<{ record: JournalRecord }>(`SELECT record FROM ${schema}.journal WHERE plan_id = $1 ORDER BY seq`, [planId]);
      return r.rows.map((row) => row.record);
    } finally {
      await client.end();
    }
  }
  const journalDir = join(dir, '.globe', 'journal');
  return readdirSync(journalDir).flatMap((f) => readFileSync(join(journalDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalRecord));
}

async function runOnce(dir: string, parallelism: number, env: NodeJS.ProcessEnv, kill?: { afterMs: number; signal: NodeJS.Signals }) {
  const child = spawn(process.execPath, [CLI, 'apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', String(parallelism)], { env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let killed = false;
  const timer = kill ? setTimeout(() => ((killed = child.kill(kill.signal)), undefined), kill.afterMs) : undefined;
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, stdout, stderr, killed: killed && !(code === 0 && stdout.includes('Apply complete')) };
}

async function soak(config: ConfigName, trials: number, random: () => number, env: NodeJS.ProcessEnv): Promise<Figures> {
  const started = Date.now();
  const f: Figures = { config, trials, kills: 0, sigterms: 0, resumes: 0, strayStops: 0, lateWrites: 0, fencedWrites: 0, mismatches: 0, invariantBreaks: 0, failures: [], seconds: 0 };
  const base = template(config, env);
  const start = deploymentIn(config, base, env);
  // The uninterrupted apply: its duration bounds the kill times, its world is what every trial must reach.
  const reference = mkdtempSync(join(tmpdir(), `globe-soak-${config}-ref-`));
  cpSync(base, reference, { recursive: true });
  if (config === 'postgres') copyPostgresWorld(base, reference, 'ref', env);
  must(['plan', reference, '--out', join(reference, 'plan.json')], env);
  const t0 = Date.now();
  const ref = await runOnce(reference, 2, env);
  if (ref.code !== 0) throw new Error(`the uninterrupted apply failed: ${ref.stderr}`);
  const durationMs = Date.now() - t0;
  const expected = deploymentIn(config, reference, env);
  rmSync(reference, { recursive: true, force: true });
  process.stderr.write(`[${config}] uninterrupted apply: ${durationMs} ms\n`);

  for (let i = 0; i < trials; i++) {
    const dir = mkdtempSync(join(tmpdir(), `globe-soak-${config}-${i}-`));
    cpSync(base, dir, { recursive: true });
    if (config === 'postgres') copyPostgresWorld(base, dir, `t${i}`, env);
    must(['plan', dir, '--out', join(dir, 'plan.json')], env);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    const noReaper = config.startsWith('exec') && random() < 0.5 ? { GLOBE_TEST_NO_REAPER: '1' } : {};
    const maxKills = random() < 0.3 ? 2 : 1;
    try {
      for (let run = 0; ; run++) {
        const kill = run < maxKills ? { afterMs: Math.floor(random() * durationMs * 1.1), signal: (random() < 0.15 ? 'SIGTERM' : 'SIGKILL') as NodeJS.Signals } : undefined;
        const r = await runOnce(dir, 1 + Math.floor(random() * 4), { ...env, ...noReaper }, kill);
        if (process.env.SOAK_DEBUG) process.stderr.write(`  run ${run}: kill ${kill ? `${kill.signal}@${kill.afterMs}ms` : 'none'} → exit ${r.code}${r.killed ? ' (killed)' : ''} ${r.stdout.split('\n').filter((l) => /Resuming|Stopped|complete/.test(l)).join(' / ')}\n`);
        if (run > 0) f.resumes++;
        if (r.stdout.includes('Stopped the hooks an earlier apply left running')) f.strayStops++;
        if (r.killed) {
          f.kills++;
          if (kill!.signal === 'SIGTERM') f.sigterms++;
          if (config.startsWith('exec') && kill!.signal === 'SIGKILL' && !noReaper) await settled(dir); // a reaper's work is done once the hooks are gone
          continue;
        }
        if (r.code !== 0) throw new Error(`apply exited ${r.code}: ${r.stderr.trim()}`);
        break;
      }
      await settled(dir);
      const world = deploymentIn(config, dir, env);
      if (canonicalJson(world) !== canonicalJson(expected)) {
        f.mismatches++;
        f.failures.push(`trial ${i}: the world differs from the uninterrupted one`);
      }
      const breaks = journalBreaks(plan, start, await journalOf(config, dir, env, planIdOf(plan), `soakt${i}`));
      if (breaks.length > 0) {
        f.invariantBreaks++;
        f.failures.push(`trial ${i}: ${breaks[0]}`);
      }
      if (existsSync(join(dir, 'hook-log.jsonl'))) {
        for (const line of readFileSync(join(dir, 'hook-log.jsonl'), 'utf8').split('\n').filter(Boolean)) {
          const h = JSON.parse(line) as { status: number; orphaned: boolean };
          if (h.orphaned && h.status === 0) f.lateWrites++;
          if (h.status === 3) f.fencedWrites++;
        }
      }
    } catch (e) {
      f.mismatches++;
      f.failures.push(`trial ${i}: ${(e as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`[${config}] trial ${i + 1}/${trials}: kills ${f.kills}, mismatches ${f.mismatches}\n`);
  }
  rmSync(base, { recursive: true, force: true });
  f.seconds = Math.round((Date.now() - started) / 1000);
  return f;
}

/** Postgres: each trial gets its own schema, holding a copy of the template's state. */
function copyPostgresWorld(from: string, to: string, schema: string, env: NodeJS.ProcessEnv): void {
  const state = must(['state', 'pull', from], env);
  writeFileSync(join(to, 'backend.globe'), `backend postgres { url_env = GLOBE_PG_URL  schema = soak${schema} }\n`);
  writeFileSync(join(to, 'template-state.json'), state);
  must(['init', to], env);
  must(['state', 'push', join(to, 'template-state.json'), to], env);
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--trials <n>', 'trials per configuration', '30')
    .option('--configs <list>', 'file, exec-fast, exec-slow, postgres', 'file,exec-fast,exec-slow,postgres')
    .option('--seed <n>', 'random seed', '1')
    .parse()
    .opts<{ trials: string; configs: string; seed: string }>();
  const rng = new Random(Number(o.seed));
  const random = () => rng.next();
  const results: Figures[] = [];
  let stopCluster: (() => void) | undefined;
  for (const config of o.configs.split(',') as ConfigName[]) {
    let env: NodeJS.ProcessEnv = {};
    if (config === 'postgres') {
      const { startCluster } = await import('./throwaway-postgres.js');
      const cluster = await startCluster();
      stopCluster = cluster.stop;
      env = { GLOBE_PG_URL: cluster.url };
    }
    try {
      results.push(await soak(config, Number(o.trials), random, env));
    } finally {
      stopCluster?.();
      stopCluster = undefined;
    }
  }
  process.stdout.write('| backend | trials | kills (SIGTERM) | resumes | stray hooks stopped | late writes | fenced writes | mismatches | invariant breaks | seconds |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n');
  for (const f of results) {
    process.stdout.write(`| ${f.config} | ${f.trials} | ${f.kills} (${f.sigterms}) | ${f.resumes} | ${f.strayStops} | ${f.lateWrites} | ${f.fencedWrites} | ${f.mismatches} | ${f.invariantBreaks} | ${f.seconds} |\n`);
  }
  for (const f of results) for (const line of f.failures) process.stdout.write(`${f.config}: ${line}\n`);
  process.exitCode = results.some((f) => f.mismatches + f.invariantBreaks > 0) ? 1 : 0;
}

await main();
