import type { Command } from 'commander';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject, type Project } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { readCurrentState } from '../current-state.js';
import type { Deployment, State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { buildPlan } from '../../planner/build-plan.js';
import { deploymentOf } from '../../schemas/state.js';
import { planPlacement, type PlannerOptions } from '../../planner/index.js';
import { simulateFailure, type FailureReport } from '../../planner/simulate.js';
import { failuresDocument, SIMULATE_FORMATS, type FailuresDocument, type SweepDocument } from '../render/simulate-document.js';
import { renderFailures, renderSweep, renderWhatIf } from '../render/render-simulate.js';
import { turnUpLine } from '../render/simulate-text.js';
import { applySetting, evacuationReport, exitRegion, parseSweep, scaleDemand, totalReplicas, turnUpRegion } from '../../planner/what-if.js';
import { addFormatOption, parseFormat } from '../format-option.js';
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
  format?: string;
}

export function registerSimulate(program: Command): void {
  const command = program
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
    .option('--sweep <key=v1,v2,...>', 'plan once per value and compare cost and replicas, e.g. inference/ranker.latency.read=20ms,70ms');
  addFormatOption(command, 'text, markdown or json').action(action(runSimulate));
}

async function runSimulate(dir: string, flags: SimulateFlags): Promise<number> {
  const format = parseFormat(flags, SIMULATE_FORMATS);
  const project = await loadAndCheckProject(dir);
  printDiagnostics(project.diagnostics, project.files);
  if (hasErrors(project.diagnostics)) throw new CliError('the project has errors; nothing was simulated');
  // A bad --set, --demand or --sweep is a WhatIfError: it carries its diagnostic, which action() prints.
  let spec = project.spec;
  for (const s of flags.set ?? []) spec = applySetting(spec, s);
  if (flags.demand) spec = scaleDemand(spec, flags.demand);
  const state = await readCurrentState(spec, project.dir);
  const current = deploymentOf(state);

  if (flags.sweep) {
    process.stdout.write(renderSweep(await sweep(spec, current, flags.sweep), format));
    return 0;
  }
  if (flags.exit) {
    const maxWaves = flags.maxWaves === undefined ? undefined : parseMaxWaves(flags.maxWaves);
    const plan = await whatIfPlan(exitRegion(spec, flags.exit), state, { maxWaves });
    process.stdout.write(renderWhatIf(plan, evacuationReport(plan, flags.exit), format));
    return Object.keys(plan.placement.unserved).length > 0 ? 2 : 0;
  }
  if (flags.turnUp) {
    const plan = await whatIfPlan(turnUpRegion(spec, flags.turnUp, flags.locality, flags.supply, flags.latency), state);
    process.stdout.write(renderWhatIf(plan, turnUpLine(plan, flags.turnUp), format));
    return 0;
  }
  if (flags.fail) {
    const doc = await failures(spec, current, flags, project);
    process.stdout.write(renderFailures(doc, format));
    return doc.failures.some((r) => r.violated.length > 0 || r.violatedProducts.length > 0) ? 2 : 0;
  }
  throw new CliError('say what to simulate: --fail, --exit, --turn-up or --sweep (with --set / --demand overrides)');
}

/** The plan the changed Spec would give, diffed against what is deployed now (as `globe plan` would show it). */
async function whatIfPlan(spec: Spec, state: State | null, options: PlannerOptions = {}): Promise<Plan> {
  const { placement, intermediate } = await planPlacement(spec, deploymentOf(state), options);
  return buildPlan({ spec, current: state, placement, intermediate, globeVersion: globeVersion() });
}

async function failures(spec: Spec, current: Deployment, flags: SimulateFlags, project: Project): Promise<FailuresDocument> {
  const deployment = flags.planned ? (await planPlacement(spec, current, {}, project.sourceMap)).placement.target : current;
  if (Object.keys(deployment.tenants).length === 0 && Object.keys(deployment.products).length === 0) throw new CliError('nothing is deployed: simulate the planned placement with --planned');
  const regions = flags.fail === 'all' ? Object.keys(spec.regions).sort() : [flags.fail!];
  for (const r of regions) if (!spec.regions[r]) throw new CliError(`--fail: no region ${r}`);
  const reports: FailureReport[] = [];
  for (const r of regions) reports.push(await simulateFailure(spec, deployment, r));
  return failuresDocument(reports, spec, flags.planned ? 'planned' : 'current');
}

/** Plan once per value of the swept setting: cost, replicas, unserved demand and the solver's status. */
async function sweep(spec: Spec, current: Deployment, setting: string): Promise<SweepDocument> {
  const { key, values } = parseSweep(setting);
  const rows: SweepDocument['rows'] = [];
  for (const value of values) {
    const s = applySetting(spec, `${key}=${value}`);
    const { placement } = await planPlacement(s, current, {} as PlannerOptions);
    const unserved = Object.values(placement.unserved).reduce((a, byCls) => a + Object.values(byCls).reduce((b, byClient) => b + Object.values(byClient).reduce((c, d) => c + d, 0), 0), 0);
    rows.push({ value, cost: placement.solver.terms.cost ?? 0, replicas: totalReplicas(placement.target.tenants), unserved, status: placement.solver.status });
  }
  return { sweep: key, rows };
}
