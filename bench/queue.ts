/**
 * `npm run bench:queue -- --tenants 10000 --regions 30 --workers 1,2`: the
 * same generated world planned by `globe plan` in-process and with N `globe
 * worker` processes through a PostgreSQL job queue on loopback (GLOBE_BENCH_PG,
 * or a throwaway cluster). Each run is the real command: wall time, the
 * coordinator's peak RSS (/usr/bin/time), whether the plan's bytes equal the
 * in-process plan's, its gap. From the 1-worker and N-worker times, the serial
 * fraction (Amdahl) and a projection for more machines — on paper.
 * Prints markdown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { benchDatabase } from './loopback-postgres.js';
import * as stage from './stages.js';
import { MemorySampler } from './memory-sampler.js';

interface Options {
  tenants: number;
  regions: number;
  resources: number;
  seed: number;
  workers: number[];
  timeLimit: number;
  local: boolean;
  baselineWorkers: boolean;
  outDir?: string;
}

interface Run {
  mode: string;
  seconds: number;
  peakMb: number;
  identical: boolean | undefined;
  blocks?: number;
  gap?: number;
  status?: string;
  jobs?: number;
  /** The coordinator's CPU seconds (user + system): work no worker can take over. */
  cpuSeconds: number;
  /** Σ of the workers' solve times, from their log lines. */
  solveSeconds?: number;
}

const URL_ENV = 'GLOBE_BENCH_QUEUE_PG';
const CLI = join(import.meta.dirname, '..', 'cli', 'main.js');

function parse(argv: string[]): Options {
  const whole = (flag: string) => (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${flag} takes a whole number ≥ 1, got \`${v}\``);
    return Number(v);
  };
  const list = (v: string) => v.split(',').map((x) => whole('--workers')(x.trim()));
  const p = new Command('npm run bench:queue --')
    .option('--tenants <n>', 'tenants', whole('--tenants'), 1000)
    .option('--regions <n>', 'regions', whole('--regions'), 20)
    .option('--resources <n>', 'hardware types', whole('--resources'), 4)
    .option('--seed <n>', 'generator seed', whole('--seed'), 1)
    .option('--workers <list>', 'queue runs with these numbers of `globe worker` processes, e.g. 1,2', list, [1, 2])
    .option('--time-limit <seconds>', 'time limit of each block solve', whole('--time-limit'), 60)
    .option('--baseline-workers', 'start the workers with --baseline-code (no optimising recompilation of HiGHS)')
    .option('--no-local', 'skip the in-process plan (identity is then not checked)')
    .option('--out-dir <dir>', 'keep the project and plans here')
    .exitOverride()
    .allowExcessArguments(false);
  p.parse(argv, { from: 'user' });
  return p.opts<Options>();
}

/** One `globe plan` as a command, timed, with its peak RSS. */
function planOnce(dir: string, mode: string, o: Options, env: NodeJS.ProcessEnv, extra: string[]): Run {
  const out = join(dir, `plan-${mode}.json`);
  const timeFile = join(dir, `time-${mode}.txt`);
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, process.execPath, CLI, 'plan', dir, '--time-limit', `${o.timeLimit}s`, '--out', out, ...extra], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`globe plan (${mode}) exited ${r.status}: ${(r.stderr ?? '').split('\n').filter((l) => !l.startsWith('queue:')).slice(-3).join(' ')}`);
  const plan = JSON.parse(readFileSync(out, 'utf8')) as { placement: { solver: { gap: number; status: string; blocks?: { count: number } } } };
  const local = join(dir, 'plan-local.json');
  const [rssKb, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return {
    mode,
    seconds,
    cpuSeconds: user + system,
    peakMb: rssKb / 1024,
    identical: mode === 'local' || !existsSync(local) ? undefined : readFileSync(out, 'utf8') === readFileSync(local, 'utf8'),
    blocks: plan.placement.solver.blocks?.count,
    gap: plan.placement.solver.gap,
    status: plan.placement.solver.status,
  };
}

async function startWorkers(dir: string, n: number, env: NodeJS.ProcessEnv, baseline: boolean): Promise<{ children: ChildProcess[]; logs: string[] }> {
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const child = spawn(process.execPath, [CLI, 'worker', dir, '--name', `bench-${i + 1}`, ...(baseline ? ['--baseline-code'] : [])], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      logs.push('');
      return new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          logs[i] += d.toString();
          if (logs[i].includes('is taking block solves')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`globe worker exited ${code} before taking jobs`)));
      });
    }),
  );
  return { children, logs };
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : (c.on('exit', () => resolve()), c.kill('SIGTERM'))))));
}

function report(o: Options, runs: Run[], generation: { seconds: number; peakMb: number }, load: { before: number }): string {
  const lines = [
    `# globe queue benchmark: ${o.tenants} tenants × ${o.regions} regions × ${o.resources} resources (seed ${o.seed})`,
    '',
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}; PostgreSQL on loopback; block time limit ${o.timeLimit} s; workers ${o.baselineWorkers ? 'baseline' : 'optimising'} WebAssembly`,
    `generate + write project: ${generation.seconds.toFixed(1)} s, peak RSS ${generation.peakMb.toFixed(0)} MB`,
    '',
    `load average (1 min) before / after: ${load.before.toFixed(1)} / ${os.loadavg()[0].toFixed(1)} on ${cpus().length} cores (other work on the machine slows every run)`,
    '',
    '| mode | wall s | coordinator CPU s | coordinator peak RSS MB | blocks | jobs | Σ solve s (workers) | status | gap | plan bytes = in-process |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    ...runs.map(
      (r) =>
        `| ${r.mode} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${r.peakMb.toFixed(0)} | ${r.blocks ?? '–'} | ${r.jobs ?? '–'} | ${r.solveSeconds?.toFixed(1) ?? '–'} | ${r.status ?? ''} | ` +
        `${r.gap !== undefined ? `${(r.gap * 100).toFixed(3)}%` : ''} | ${r.identical === undefined ? '–' : r.identical ? 'yes' : '**NO**'} |`,
    ),
  ];
  const one = runs.find((r) => r.mode === 'queue×1');
  const workersOf = (r: Run) => Number(r.mode.slice('queue×'.length));
  const most = runs.filter((r) => r.mode.startsWith('queue×')).sort((a, b) => workersOf(a) - workersOf(b)).pop();
  const n = most ? workersOf(most) : 1;
  const local = runs.find((r) => r.mode === 'local');
  if (local && most) lines.push('', `queue with ${n} workers / in-process: ${(most.seconds / local.seconds).toFixed(2)}×`);
  if (one && most && n > 1) {
    // Amdahl fitted to wall times: T(n) = T(1)·(s + (1 − s)/n)  ⇒  s = (n·T(n)/T(1) − 1) / (n − 1). Meaningful only on an idle machine.
    const fitted = Math.min(1, Math.max(0, ((n * most.seconds) / one.seconds - 1) / (n - 1)));
    lines.push(`serial fraction fitted to wall times (Amdahl, 1 and ${n} workers): ${(fitted * 100).toFixed(1)}%`);
  }
  const measured = most ?? one;
  if (measured?.solveSeconds !== undefined) {
    // Accounting: the coordinator's CPU time is the serial part (one coordinator does it, however many workers);
    // the workers' solve time is the part that spreads over workers.
    const serial = measured.cpuSeconds;
    const total = serial + measured.solveSeconds;
    const s = serial / total;
    lines.push(
      `serial fraction by accounting (${measured.mode}): coordinator CPU ${serial.toFixed(1)} s / (that + Σ solve ${measured.solveSeconds.toFixed(1)} s) = ${(s * 100).toFixed(1)}%`,
      '',
      'PROJECTION (not measured; from the serial fraction by accounting, 2 workers per machine, queue latency ignored):',
      '',
      '| machines | workers | projected wall s | speed-up over 1 worker |',
      '| ---: | ---: | ---: | ---: |',
    );
    for (const machines of [1, 4, 16, 64]) {
      const w = 2 * machines;
      const t = total * (s + (1 - s) / w);
      lines.push(`| ${machines} | ${w} | ${t.toFixed(1)} | ${(total / t).toFixed(1)}× |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const root = o.outDir ?? mkdtempSync(join(tmpdir(), 'globe-bench-queue-'));
  const db = await benchDatabase();
  const env = { ...process.env, CI: 'true', NO_COLOR: '1', [URL_ENV]: db.url };
  const memory = new MemorySampler();
  try {
    const dir = join(root, `${o.tenants}x${o.regions}x${o.resources}-seed${o.seed}`);
    const started = performance.now();
    memory.reset();
    const world = stage.generate({ tenants: o.tenants, regions: o.regions, resources: o.resources, seed: o.seed });
    stage.writeDsl(dir, world);
    const generation = { seconds: (performance.now() - started) / 1000, peakMb: memory.peakBytes() / 2 ** 20 };
    writeFileSync(join(dir, 'backend.globe'), `backend postgres { url_env = ${URL_ENV}  schema = bench-${process.pid} }\n`);
    for (const args of [['init', dir], ['state', 'push', join(dir, '.globe', 'state.json'), dir, '--force']]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
      if (r.status !== 0) throw new Error(`globe ${args[0]} failed: ${r.stderr}`);
    }
    const runs: Run[] = [];
    const load = { before: os.loadavg()[0] };
    if (o.local) {
      process.stderr.write('in-process plan …\n');
      runs.push(planOnce(dir, 'local', o, env, []));
    }
    for (const n of o.workers) {
      process.stderr.write(`queue plan with ${n} worker(s) …\n`);
      const { children, logs } = await startWorkers(dir, n, env, o.baselineWorkers);
      try {
        const run = planOnce(dir, `queue×${n}`, o, env, ['--workers', 'queue']);
        await stopWorkers(children);
        const solved = logs.join('').split('\n').map((l) => / solve \d+ of .* in ([0-9.]+) s$/.exec(l)).filter((m) => m !== null);
        run.jobs = solved.length;
        run.solveSeconds = solved.reduce((a, m) => a + Number(m[1]), 0);
        runs.push(run);
      } finally {
        await stopWorkers(children);
      }
    }
    process.stdout.write(report(o, runs, generation, load));
    return runs.some((r) => r.identical === false) ? 1 : 0;
  } catch (e) {
    process.stderr.write(`bench:queue: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await memory.stop();
    db.stop();
    if (!o.outDir) rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
