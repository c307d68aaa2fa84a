/**
 * `npm run bench -- --tenants 1000 --regions 20 --resources 4` (or
 * `--sizes standard` for 100×10, 1,000×20 and 10,000×30): the whole path —
 * write the DSL, parse and validate, build and solve, diff and moves — timed
 * per stage, with peak memory, model size, objective, bounds and gap, and
 * the independent placement checker run on the result.
 */
import { Command } from 'commander';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitGlobe } from '../lang/dsl/index.js';
import { loadAndCheckProject } from '../lang/load.js';
import { emptySpec, type Spec } from '../lang/spec.js';
import { buildPlan, deploymentOf } from '../planner/build-plan.js';
import { planPlacement } from '../planner/index.js';
import { checkPlacement } from '../test/support/placement-checker.js';
import { generateWorld } from './generate-world.js';

interface Row {
  stage: string;
  seconds: number;
  peakMb: number;
}

function writeProject(spec: Spec, current: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-bench-'));
  const world = { ...emptySpec(), resources: spec.resources, regions: spec.regions, latency: spec.latency, reservations: spec.reservations };
  writeFileSync(join(dir, 'world.globe'), emitGlobe(world));
  const services = Object.keys(spec.services).sort();
  for (let i = 0; i < services.length; i += 50) {
    const part = { ...emptySpec(), services: Object.fromEntries(services.slice(i, i + 50).map((s) => [s, spec.services[s]])) };
    writeFileSync(join(dir, `services-${String(i / 50).padStart(3, '0')}.globe`), emitGlobe(part));
  }
  mkdirSync(join(dir, '.globe'));
  writeFileSync(join(dir, '.globe', 'state.json'), JSON.stringify(current));
  return dir;
}

async function measure<T>(rows: Row[], stage: string, f: () => Promise<T> | T): Promise<T> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  try {
    return await f();
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    rows.push({ stage, seconds: (performance.now() - started) / 1000, peakMb: peak / 1024 / 1024 });
  }
}

async function benchOne(tenants: number, regions: number, resources: number, seed: number, timeLimit: number): Promise<void> {
  const rows: Row[] = [];
  const { spec, current } = await measure(rows, 'generate', () => generateWorld({ tenants, regions, resources, seed }));
  const dir = await measure(rows, 'write DSL', () => writeProject(spec, current));
  const project = await measure(rows, 'parse + validate', () => loadAndCheckProject(dir));
  const errors = project.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`generated world is invalid: ${errors[0].message}`);
  const result = await measure(rows, 'build + solve', () => planPlacement(project.spec, deploymentOf(current), { timeLimitSeconds: timeLimit, gapLimit: 0.01 }));
  const plan = await measure(rows, 'diff + moves', () => buildPlan({ spec: project.spec, current, placement: result.placement, globeVersion: 'bench' }));
  const problems = await measure(rows, 'check placement', () => checkPlacement(project.spec, deploymentOf(current), result.placement));
  const s = result.placement.solver;
  console.log(`\n## ${tenants} tenants × ${regions} regions × ${resources} resources (seed ${seed})\n`);
  console.log('| stage | wall s | peak RSS MB |\n| --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.stage} | ${r.seconds.toFixed(2)} | ${r.peakMb.toFixed(0)} |`);
  const total = rows.filter((r) => r.stage !== 'generate' && r.stage !== 'write DSL' && r.stage !== 'check placement').reduce((a, r) => a + r.seconds, 0);
  console.log(`\nplan total (parse → moves): ${total.toFixed(2)} s; model ${s.model.rows} rows × ${s.model.columns} columns, ${s.model.nonzeros} non-zeros, ${s.model.integers} integers`);
  console.log(`solver: ${s.status}, objective ${s.objective}, LP bound ${s.lpBound}, best bound ${s.bound} (${s.boundKind}), gap ${(s.gap * 100).toFixed(2)}%`);
  console.log(`moves: ${plan.moves.length}; placement checker: ${problems.length === 0 ? 'passes' : `${problems.length} problems, e.g. ${problems[0]}`}`);
}

const program = new Command()
  .option('--tenants <n>', 'tenants', '100')
  .option('--regions <n>', 'regions', '10')
  .option('--resources <n>', 'resource types', '3')
  .option('--seed <n>', 'seed', '1')
  .option('--time-limit <s>', 'solver time limit, seconds', '60')
  .option('--sizes <list>', '`standard` (100×10, 1000×20, 10000×30) or e.g. 100x10,1000x20')
  .parse();
const o = program.opts<{ tenants: string; regions: string; resources: string; seed: string; timeLimit: string; sizes?: string }>();
const sizes = o.sizes === 'standard' ? '100x10,1000x20,10000x30' : o.sizes ?? `${o.tenants}x${o.regions}`;
console.log(`globe benchmark — node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
for (const size of sizes.split(',')) {
  const [t, r] = size.split('x').map(Number);
  try {
    await benchOne(t, r, Number(o.resources), Number(o.seed), Number(o.timeLimit));
  } catch (e) {
    console.log(`\n## ${t} × ${r}: FAILED — ${(e as Error).message}`);
  }
}
