/**
 * `npm run bench:scale -- --tenants 100000 --regions 50 --resources 4`: the
 * coordinator's own work at a size too large to plan here in full — generate
 * and write the world, parse and validate it, read the state, build the
 * planner's world and cut it into blocks, build the first blocks' models (as
 * the coordinator does before it sends them to workers), and assemble a plan
 * (diff, moves, score) from a whole-fleet target — each timed, with the
 * process's peak RSS, which must stay within the coordinator's 4 GB. Solving
 * is left out: that is the workers' part (bench:queue measures it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { deploymentOf } from '../schemas/state.js';
import { blockWorld } from '../planner/decompose/block-world.js';
import { DEFAULT_BLOCK_TENANTS, partitionFleet } from '../planner/decompose/partition.js';
import { buildPlacementModel } from '../planner/model/build-placement-model.js';
import { World } from '../planner/model/world.js';
import type { Placement } from '../schemas/placement.js';
import { scoreSolution } from '../planner/score.js';
import { resolveWeights } from '../planner/weights.js';
import { MemorySampler } from './memory-sampler.js';
import * as stage from './stages.js';

const whole = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${flag} takes a whole number ≥ 1, got \`${v}\``);
  return Number(v);
};

async function main(): Promise<number> {
  const p = new Command('npm run bench:scale --')
    .option('--tenants <n>', 'tenants', whole('--tenants'), 100000)
    .option('--regions <n>', 'regions', whole('--regions'), 50)
    .option('--resources <n>', 'hardware types', whole('--resources'), 4)
    .option('--seed <n>', 'generator seed', whole('--seed'), 1)
    .option('--models <n>', 'block models to build (the coordinator keeps 16 in flight)', whole('--models'), 16)
    .exitOverride()
    .allowExcessArguments(false);
  try {
    p.parse(process.argv.slice(2), { from: 'user' });
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const o = p.opts<{ tenants: number; regions: number; resources: number; seed: number; models: number }>();
  const memory = new MemorySampler();
  const rows: string[] = [];
  const time = async <T>(name: string, f: () => T | Promise<T>, note: (r: T) => string = () => ''): Promise<T> => {
    process.stderr.write(`${name} …\n`);
    const started = performance.now();
    const r = await f();
    const seconds = (performance.now() - started) / 1000;
    rows.push(`| ${name} | ${seconds.toFixed(1)} | ${(memory.peakBytes() / 2 ** 20).toFixed(0)} | ${note(r)} |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`); // as it goes: a run stopped early still tells what it measured
    return r;
  };
  const root = mkdtempSync(join(tmpdir(), 'globe-bench-scale-'));
  try {
    const dir = join(root, 'project');
    const generated = await time('generate world', () => stage.generate(o), (w) => `${w.dsl.size} files`);
    await time('write DSL project', () => stage.writeDsl(dir, generated));
    const project = await time('parse + validate', () => stage.parseAndValidate(dir));
    const state = await time('read state', () => stage.readState(dir));
    const weights = resolveWeights(project.spec.planner?.weights);
    const world = await time('planner world', () => new World(project.spec, deploymentOf(state)));
    const blocks = await time('partition into blocks', () => partitionFleet(world, weights, DEFAULT_BLOCK_TENANTS), (b) => `${b.length} blocks, largest ${Math.max(...b.map((x) => x.tenants.length))} tenants`);
    await time(
      `build ${Math.min(o.models, blocks.length)} block models`,
      () => blocks.slice(0, o.models).map((b) => buildPlacementModel(blockWorld(world, b), { ...weights, balance: 0 }, {}).model.pack()),
      (ms) => `${ms.reduce((a, m) => a + m.indices.length, 0)} non-zeros`,
    );
    // Assembly: the plan of a whole-fleet target (the current deployment stands in for the blocks' answers).
    const target = deploymentOf(state);
    const placement = { target, unserved: {}, unservedProducts: {}, disasterReadiness: {} } as unknown as Placement;
    await time('assemble: score the fleet', () => scoreSolution(project.spec, state, target, {}, {}, weights));
    await time('assemble: diff + moves', () => stage.diffAndMoves(project.spec, state, { ...placement, solver: { status: 'optimal' } } as Placement), (plan) => `${plan.moves.length} moves`);
    process.stdout.write(
      [`# globe coordinator at scale: ${o.tenants} tenants × ${o.regions} regions × ${o.resources} resources (seed ${o.seed})`, '', '| stage | s | peak RSS MB (so far) | |', '| --- | ---: | ---: | --- |', ...rows, ''].join('\n'),
    );
    return 0;
  } catch (e) {
    process.stderr.write(`bench:scale: ${(e as Error).message}\n${rows.join('\n')}\n`);
    return 1;
  } finally {
    await memory.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
