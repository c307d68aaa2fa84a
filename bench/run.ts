/**
 * `npm run bench -- --tenants 10000 --regions 30 --resources 4` (or
 * `--sizes standard`): for each size, generate a world, write it as a DSL
 * project, and measure the whole path of `globe plan` — parse and validate,
 * read the state, build and solve, diff and moves, render — stage by stage
 * (wall time, peak RSS), with the model size, objective, LP bound, gap and
 * moves; then the incremental re-plan after one tenant changes, and the
 * monolithic MIP on the same instance, with ratios. Prints markdown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { State } from '../schemas/state.js';
import type { PlannerWeights, Spec } from '../lang/spec.js';
import { resolveWeights } from '../planner/weights.js';
import { DEFAULT_BLOCK_GAP_LIMIT, DEFAULT_GAP_LIMIT } from '../planner/index.js';
import { parseBenchArgs, type BenchOptions, type BenchSize } from './cli-args.js';
import { MemorySampler } from './memory-sampler.js';
import type { MonolithicRun } from './monolithic.js';
import { scoreSolution } from '../planner/score.js';
import { printSize, printSummary, type MonolithicSummary, type RunResult, type SizeResult } from './report.js';
import * as stage from './stages.js';

async function benchSize(size: BenchSize, o: BenchOptions, root: string, memory: MemorySampler): Promise<SizeResult> {
  const label = `${size.tenants}×${size.regions}×${o.resources}`;
  const timer = new stage.StageTimer(memory, (name) => process.stderr.write(`[${label}] ${name} …\n`));
  const result: SizeResult = { size, resources: o.resources, seed: o.seed, stages: timer.rows };
  try {
    const world = await timer.time('generate world', () => stage.generate({ ...size, resources: o.resources, seed: o.seed }));
    result.world = { ...world.stats, files: world.dsl.size, dslBytes: [...world.dsl.values()].reduce((a, t) => a + Buffer.byteLength(t), 0) };
    const dir = join(root, `${size.tenants}x${size.regions}x${o.resources}-seed${o.seed}`);
    await timer.time('write DSL project', () => stage.writeDsl(dir, world));
    result.dir = dir;

    const project = await timer.time('parse + validate', () => stage.parseAndValidate(dir));
    const state = await timer.time('read state', () => stage.readState(dir));
    const settings = { timeLimitSeconds: o.timeLimitSeconds, gapLimit: o.gapLimit };
    const weights = resolveWeights(project.spec.planner?.weights);
    try {
      const { placement, findings, intermediate } = await timer.time('plan: build + solve', () => stage.plan(project, state, settings));
      const plan = await timer.time('diff + moves', () => stage.diffAndMoves(project.spec, state, placement, intermediate));
      const text = await timer.time('render', () => stage.render(plan));
      const s = placement.solver;
      result.globe = {
        solver: s,
        gapLimit: o.gapLimit ?? (placement.solver.blocks ? DEFAULT_BLOCK_GAP_LIMIT : DEFAULT_GAP_LIMIT),
        findings: findings.length,
        moves: plan.moves.length,
        movesByKind: plan.summary.movesByKind,
        planBytes: Buffer.byteLength(text),
        score: scoreSolution(project.spec, state, placement.target, placement.unserved, placement.unservedProducts, weights),
      };
      const runs = size.tenants <= 100 ? 5 : 1; // a median where one run is a second, one run where it is a minute
      process.stderr.write(`[${label}] globe plan as a command, ${runs} run(s) …\n`);
      result.command = stage.planCommandSeconds(dir, o.timeLimitSeconds, runs);
      if (o.check) result.globe.checker = await timer.time('check placement (not part of plan)', () => stage.check(project.spec, state, placement, intermediate));
      if (o.replan) {
        const changed = stage.oneTenantChanged(project.spec, state, placement);
        const again = await timer.time('re-plan after one tenant changes', () => stage.replan(changed.spec, changed.state, settings));
        result.replan = { tenant: changed.tenant, seconds: timer.seconds('re-plan after one tenant changes'), moves: again.plan.moves.length, status: again.placement.solver.status, gap: again.placement.solver.gap, incremental: again.placement.solver.incremental };
      }
    } catch (e) {
      result.globe = { error: message(e) };
    }

    if (o.monolithic) {
      const mono = await timer.time('monolithic MIP (1% gap)', () => stage.monolithic(project.spec, state, weights, 0.01, o.timeLimitSeconds));
      result.monolithic = summarise(mono, project.spec, state, weights);
      if (size.tenants <= o.referenceUpTo) {
        const ref = await timer.time('monolithic MIP (0.1% gap, reference)', () => stage.monolithic(project.spec, state, weights, 0.001, o.referenceTimeLimitSeconds));
        result.reference = summarise(ref, project.spec, state, weights);
      }
    }
  } catch (e) {
    result.error = message(e);
  }
  return result;
}

function summarise(run: MonolithicRun, spec: Spec, state: State, weights: PlannerWeights): MonolithicSummary {
  const { solution, ...rest } = run;
  return { ...rest, score: solution ? scoreSolution(spec, state, solution.target, solution.unserved, solution.unservedProducts, weights) : undefined };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2; // commander has printed the help or the error
  }
  const root = o.outDir ?? mkdtempSync(join(tmpdir(), 'globe-bench-'));
  const memory = new MemorySampler();
  const run: RunResult = {
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), platform: `${process.platform} ${process.arch}` },
    options: { resources: o.resources, seed: o.seed, timeLimitSeconds: o.timeLimitSeconds, gapLimit: o.gapLimit ?? DEFAULT_GAP_LIMIT, referenceTimeLimitSeconds: o.referenceTimeLimitSeconds },
    sizes: [],
  };
  process.stdout.write(`# globe benchmark\n\nnode ${run.machine.node}, ${run.machine.cpus} × ${run.machine.cpuModel}, ${run.machine.memoryGb} GiB, ${run.machine.platform}\n`);
  try {
    for (const size of o.sizes) {
      const result = await benchSize(size, o, root, memory);
      run.sizes.push(result);
      process.stdout.write(printSize(result));
    }
    process.stdout.write(printSummary(run));
    if (o.json) writeFileSync(o.json, `${JSON.stringify(run, null, 2)}\n`);
  } finally {
    await memory.stop();
    if (!o.outDir) rmSync(root, { recursive: true, force: true });
  }
  return run.sizes.some((s) => s.error) ? 1 : 0;
}

process.exitCode = await main();
