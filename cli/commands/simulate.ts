import type { Command } from 'commander';
import { canonicalJson } from '../../lang/canonical-json.js';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject, type Project } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { backendFor } from '../../executor/backends/index.js';
import type { Deployment, State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { buildPlan } from '../../planner/build-plan.js';
import { deploymentOf } from '../../schemas/state.js';
import { planPlacement, type PlannerOptions } from '../../planner/index.js';
import { simulateFailure, type FailureReport } from '../../planner/simulate.js';
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
    const backend = backendFor(spec, project.dir);
    const state = await backend.getState().finally(() => backend.close?.());
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
  process.stdout.write(renderFailures(reports, spec, flags.format));
  return reports.some((r) => r.violated.length > 0 || r.violatedProducts.length > 0) ? 2 : 0;
}

export function renderFailures(reports: FailureReport[], spec: Spec, format: string): string {
  if (format === 'json') return `${canonicalJson({ failures: reports })}\n`;
  const tenants = Object.entries(spec.services)
    .flatMap(([s, svc]) => Object.keys(svc.tenants).map((t) => `${s}/${t}`))
    .sort();
  const lost = (r: FailureReport, id: string) => r.lost[id as keyof typeof r.lost] ?? 0;
  const md = format === 'markdown';
  const lines: string[] = [];
  lines.push(md ? '## globe simulate: region failures' : 'Demand that cannot be served when a region fails (rps):', '');
  const header = ['failed region', ...tenants, 'max utilization after failover'];
  const rows = reports.map((r) => [
    r.region,
    ...tenants.map((id) => {
      const x = lost(r, id);
      const violated = r.violated.includes(id as never);
      return x > 0 ? `${num(x)}${violated ? ' !' : ''}` : '–';
    }),
    `${(Math.max(0, ...Object.values(r.utilization)) * 100).toFixed(1)}%`,
  ]);
  if (md) {
    lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`));
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    lines.push(...[header, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()));
  }
  const violations = [
    ...reports.flatMap((r) => r.violated.map((id) => `${id} does not survive the loss of ${r.region}`)),
    ...reports.flatMap((r) => r.violatedProducts.map((P) => `product ${P} does not survive the loss of ${r.region}`)),
  ];
  const lostTraffic = reports.flatMap((r) =>
    Object.entries(r.unservedProducts).map(([P, byClient]) => `${P}: ${num(Object.values(byClient).reduce((a, b) => a + b, 0))} units lost with ${r.region}`),
  );
  if (lostTraffic.length > 0) lines.push('', `Product traffic that cannot be re-routed: ${lostTraffic.join('; ')}.`);
  lines.push('');
  lines.push(violations.length > 0 ? `${md ? '> [!WARNING]\n> ' : ''}Violated: ${violations.join('; ')} (marked !).` : 'Every tenant that asks to tolerate a region failure survives each simulated failure.');
  return `${lines.join('\n')}\n`;
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
