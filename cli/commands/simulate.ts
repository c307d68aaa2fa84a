import type { Command } from 'commander';
import { canonicalJson } from '../../lang/canonical-json.js';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject, type Project } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { openBackend } from '../../executor/backends/index.js';
import type { Deployment, State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { buildPlan } from '../../planner/build-plan.js';
import { deploymentOf } from '../../schemas/state.js';
import { planPlacement, type PlannerOptions } from '../../planner/index.js';
import { simulateFailure, type FailureReport } from '../../planner/simulate.js';
import { renderFailures, type SimulateFormat } from '../render/simulate-text.js';
import { applySetting, evacuationReport, exitRegion, parseSweep, scaleDemand, totalReplicas, turnUpRegion, WhatIfError } from '../../planner/what-if.js';
import { num } from '../render/format.js';
import { renderPlan } from '../render/render-plan.js';
import { action, CliError, printDiagnostics } from '../output.js';
import { globeVersion } from '../version.js';
import { parseMaxWaves } from '../plan-options.js';

interface SimulateFlags {
  turnUp?: string;
  locality?: string;
  supply?: string;
  latency?: string;
  fail?: string;
  planned?: boolean;
  exit?: string;
  maxWaves?: string;
  set?: string[];
  demand?: string;
  sweep?: string;
  format: string;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('what if: a region fails, a region exits, a threshold or a supply changes — before anything moves')
    .argument('[dir]', 'project directory', '.')
    .option('--fail <region|all>', 're-route every tenant without this region (or each region in turn); exit 2 if an intent is violated')
    .option('--planned', 'simulate the planned placement instead of the current one')
    .option('--exit <region>', "plan the region's evacuation (its supply to zero), in waves, and say how many it takes")
    .option('--max-waves <n>', 'most waves the evacuation may take (as for plan)')
    .option('--turn-up <region>', 'add a region (with --locality, --supply, --latency) and plan what moves there')
    .option('--locality <name>', 'locality of the --turn-up region')
    .option('--supply <resource=units,...>', 'supply of the --turn-up region, e.g. cpu=300,h100=8')
    .option('--latency <location=rtt,...>', 'RTTs of the --turn-up region, e.g. eu-west=12ms,eu-central=15ms')
    .option('--set <key=value...>', 'override: service/tenant.latency.CLASS=20ms, region.NAME.supply.RESOURCE=10')
    .option('--demand <multiplier>', 'scale all demand, e.g. x1.3')
    .option('--sweep <key=v1,v2,...>', 'plan once per value and compare cost and replicas, e.g. inference/ranker.latency.read=20ms,70ms')
    .option('--format <format>', 'text, markdown or json', 'text')
    .action(action(runSimulate));
}

async function runSimulate(dir: string, flags: SimulateFlags): Promise<number> {
  if (!['text', 'markdown', 'json'].includes(flags.format)) throw new CliError(`--format must be text, markdown or json, not ${flags.format}`);
  const project = await loadAndCheckProject(dir);
  printDiagnostics(project.diagnostics, project.files);
  if (hasErrors(project.diagnostics)) throw new CliError('the project has errors; nothing was simulated');
  try {
    let spec = project.spec;
    for (const s of flags.set ?? []) spec = applySetting(spec, s);
    if (flags.demand) spec = scaleDemand(spec, flags.demand);
    const backend = await openBackend(spec, project.dir);
    const state = await backend.getState().finally(() => backend.close());
    const current = deploymentOf(state);

    if (flags.sweep) return await sweep(spec, current, flags);
    if (flags.exit) {
      const maxWaves = flags.maxWaves === undefined ? undefined : parseMaxWaves(flags.maxWaves);
      const plan = await whatIfPlan(exitRegion(spec, flags.exit), state, { maxWaves });
      if (flags.format === 'text') process.stdout.write(`${evacuationReport(plan, flags.exit)}\n\n`);
      process.stdout.write(renderPlan(plan, flags.format as 'text'));
      return Object.keys(plan.placement.unserved).length > 0 ? 2 : 0;
    }
    if (flags.turnUp) {
      const grown = turnUpRegion(spec, flags.turnUp, flags.locality, flags.supply, flags.latency);
      const plan = await whatIfPlan(grown, state);
      if (flags.format === 'text') {
        const takes = Object.entries(plan.placement.usage[flags.turnUp] ?? {}).map(([k, u]) => `${num(u.used)} of ${u.supply} ${k}`);
        process.stdout.write(`${flags.turnUp} would take ${takes.length > 0 ? takes.join(', ') : 'nothing'}.\n\n`);
      }
      process.stdout.write(renderPlan(plan, flags.format as 'text'));
      return 0;
    }
    if (flags.fail) return await failures(spec, current, flags, project);
    throw new CliError('say what to simulate: --fail, --exit, --turn-up or --sweep (with --set / --demand overrides)');
  } catch (e) {
    if (e instanceof WhatIfError) throw new CliError(e.message);
    throw e;
  }
}

/** The plan the changed Spec would give, diffed against what is deployed now (as `globe plan` would show it). */
async function whatIfPlan(spec: Spec, state: State | null, options: PlannerOptions = {}): Promise<Plan> {
  const { placement, intermediate } = await planPlacement(spec, deploymentOf(state), options);
  return buildPlan({ spec, current: state, placement, intermediate, globeVersion: globeVersion() });
}

async function failures(spec: Spec, current: Deployment, flags: SimulateFlags, project: Project): Promise<number> {
  const deployment = flags.planned ? (await planPlacement(spec, current, {}, project.sourceMap)).placement.target : current;
  if (Object.keys(deployment.tenants).length === 0 && Object.keys(deployment.products).length === 0) throw new CliError('nothing is deployed: simulate the planned placement with --planned');
  const regions = flags.fail === 'all' ? Object.keys(spec.regions).sort() : [flags.fail!];
  for (const r of regions) if (!spec.regions[r]) throw new CliError(`--fail: no region ${r}`);
  const reports: FailureReport[] = [];
  for (const r of regions) reports.push(await simulateFailure(spec, deployment, r));
  process.stdout.write(renderFailures(reports, spec, flags.format as SimulateFormat, flags.planned ? 'planned' : 'current'));
  return reports.some((r) => r.violated.length > 0 || r.violatedProducts.length > 0) ? 2 : 0;
}

async function sweep(spec: Spec, current: Deployment, flags: SimulateFlags): Promise<number> {
  const { key, values } = parseSweep(flags.sweep!);
  const rows: { value: string; cost: number; replicas: number; unserved: number; status: string }[] = [];
  for (const value of values) {
    const s = applySetting(spec, `${key}=${value}`);
    const { placement } = await planPlacement(s, current, {} as PlannerOptions);
    const unserved = Object.values(placement.unserved).reduce((a, byCls) => a + Object.values(byCls).reduce((b, byClient) => b + Object.values(byClient).reduce((c, d) => c + d, 0), 0), 0);
    rows.push({ value, cost: placement.solver.terms.cost ?? 0, replicas: totalReplicas(placement.target.tenants), unserved, status: placement.solver.status });
  }
  if (flags.format === 'json') {
    process.stdout.write(`${canonicalJson({ sweep: key, rows })}\n`);
    return 0;
  }
  const header = [key, 'cost', 'replicas', 'unserved rps', 'solver'];
  const body = rows.map((r) => [r.value, num(r.cost), String(r.replicas), num(r.unserved), r.status]);
  if (flags.format === 'markdown') {
    process.stdout.write([`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((b) => `| ${b.join(' | ')} |`)].join('\n') + '\n');
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    process.stdout.write([header, ...body].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n');
  }
  return 0;
}
