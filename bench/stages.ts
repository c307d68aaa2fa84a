/**
 * The stages of the benchmark, each a small function over plain documents,
 * and a timer that records every stage's wall time and peak RSS. The globe
 * stages are exactly the path of `globe plan`: load and check the project,
 * read the state, plan the placement, build the plan (diff and moves),
 * render it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPlan } from '../cli/render/render-plan.js';
import { readStateFile } from '../executor/state-file.js';
import type { Deployment, State } from '../schemas/state.js';
import { loadAndCheckProject, type Project } from '../lang/load.js';
import { packageRoot } from '../lang/schema-files.js';
import type { PlannerWeights, Spec } from '../lang/spec.js';
import { buildPlan } from '../planner/build-plan.js';
import { deploymentOf } from '../schemas/state.js';
import { intentDigests } from '../schemas/intent-digests.js';
import { planPlacement, type PlannerFinding } from '../planner/index.js';
import { prestartSolverPool, SOLVER_WORKERS } from '../planner/solve/solve.js';
import type { Placement } from '../schemas/placement.js';
import type { Plan } from '../schemas/plan.js';
import { checkPlacement } from '../planner/check/placement-checker.js';
import { generateWorld, type GeneratedWorld, type WorldParams } from './generate-world.js';
import type { MemorySampler } from './memory-sampler.js';
import { runMonolithic, type MonolithicRun } from './monolithic.js';
import { writeProject } from './write-project.js';

export interface StageRow {
  stage: string;
  /** Wall time. */
  seconds: number;
  /** CPU time of the whole process (all threads) during the stage: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  peakRssMb: number;
}

/** Runs stages one after another, recording wall time and peak RSS of each. */
export class StageTimer {
  readonly rows: StageRow[] = [];

  /** `onStart` hears of each stage as it begins (progress for a human watching a long run). */
  constructor(
    private readonly memory: MemorySampler,
    private readonly onStart: (stage: string) => void = () => {},
  ) {}

  async time<T>(stage: string, run: () => T | Promise<T>): Promise<T> {
    this.onStart(stage);
    this.memory.reset();
    const cpu = process.cpuUsage();
    const started = performance.now();
    try {
      return await run();
    } finally {
      const used = process.cpuUsage(cpu);
      this.rows.push({ stage, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: this.memory.peakBytes() / 2 ** 20 });
    }
  }

  seconds(stage: string): number {
    return this.rows.find((r) => r.stage === stage)?.seconds ?? 0;
  }
}

/** A stage that cannot go on, with the reason in the user's terms. */
export class StageFailure extends Error {}

export function generate(params: WorldParams): GeneratedWorld {
  return generateWorld(params);
}

export function writeDsl(dir: string, world: GeneratedWorld): void {
  writeProject(dir, world.dsl, world.current);
}

export async function parseAndValidate(dir: string): Promise<Project> {
  prestartSolverPool(SOLVER_WORKERS); // as `globe plan` does: the solver workers start while the project is read
  const project = await loadAndCheckProject(dir);
  const errors = project.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const first = errors.slice(0, 3).map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.message}`);
    throw new StageFailure(`the generated project has ${errors.length} errors (a generator or parser bug): ${first.join('; ')}`);
  }
  return project;
}

export async function readState(dir: string): Promise<State> {
  const state = await readStateFile(join(dir, '.globe', 'state.json'));
  if (!state) throw new StageFailure(`no state in ${dir}/.globe/state.json`);
  return state;
}

export interface PlanSettings {
  timeLimitSeconds: number;
  gapLimit?: number;
}

export async function plan(project: Project, state: State, settings: PlanSettings): Promise<{ placement: Placement; findings: PlannerFinding[]; intermediate: Deployment[] }> {
  return planPlacement(project.spec, deploymentOf(state), { timeLimitSeconds: settings.timeLimitSeconds, gapLimit: settings.gapLimit, tuneSolverCode: true }, project.sourceMap);
}

export function diffAndMoves(spec: Spec, state: State, placement: Placement, intermediate: Deployment[] = []): Plan {
  return buildPlan({ spec, current: state, placement, intermediate, globeVersion: packageVersion() });
}

let version: string | undefined;

/** globe's version from package.json, as `globe plan` stamps it on a plan. */
function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

/** What `globe plan` prints (plain text, no colour). */
export function render(plan: Plan): string {
  return renderPlan(plan, 'text');
}

/** The independent checker's findings on globe's placement (empty: every promise holds). */
export function check(spec: Spec, state: State, placement: Placement, intermediate: Deployment[] = []): string[] {
  return checkPlacement(spec, deploymentOf(state), placement, intermediate);
}

/**
 * The incremental case: the plan was applied (its target is now the state),
 * then one tenant's demand grows by 20% — a typical pull request. Which
 * tenant: the median one in name order, so the choice is stable.
 */
export function oneTenantChanged(spec: Spec, state: State, placement: Placement): { spec: Spec; state: State; tenant: string } {
  const ids = Object.entries(spec.services).flatMap(([s, svc]) => Object.keys(svc.tenants).sort().map((t) => [s, t] as const));
  if (ids.length === 0) throw new StageFailure('the world has no tenant to change');
  ids.sort((a, b) => (`${a[0]}/${a[1]}` < `${b[0]}/${b[1]}` ? -1 : 1));
  const [service, name] = ids[Math.floor(ids.length / 2)];
  const changed: Spec = structuredClone(spec);
  const demand = changed.services[service].tenants[name].demand;
  for (const byClient of Object.values(demand)) for (const client of Object.keys(byClient)) byClient[client] = Math.ceil(byClient[client] * 1.2);
  // As `globe apply` leaves it: the target, and (all demand served) the intent it was planned from.
  const served = Object.keys(placement.unserved).length === 0 && Object.keys(placement.unservedProducts).length === 0;
  const applied: State = { ...state, serial: state.serial + 1, ...placement.target, ...(served ? { plannedFrom: intentDigests(spec) } : {}) };
  return { spec: changed, state: applied, tenant: `${service}/${name}` };
}

export async function replan(spec: Spec, state: State, settings: PlanSettings): Promise<{ placement: Placement; plan: Plan }> {
  const { placement, intermediate } = await planPlacement(spec, deploymentOf(state), { timeLimitSeconds: settings.timeLimitSeconds, gapLimit: settings.gapLimit, plannedFrom: state.plannedFrom, tuneSolverCode: true });
  return { placement, plan: diffAndMoves(spec, state, placement, intermediate) };
}

export function monolithic(spec: Spec, state: State, weights: PlannerWeights, gapLimit: number, timeLimitSeconds: number): Promise<MonolithicRun> {
  return runMonolithic(spec, deploymentOf(state), { weights, gapLimit, timeLimitSeconds });
}

/**
 * The real command, `globe plan DIR`, in a new Node process each time (start-up
 * and module loading included): wall seconds of each of `runs` runs.
 */
export function planCommandSeconds(dir: string, timeLimitSeconds: number, runs: number): number[] {
  const cli = join(packageRoot(), 'dist', 'cli', 'main.js');
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    // --fail-on none: the bench times the command; the promises a plan keeps (its gap, its
    // readiness) are reported from the in-process stage, and exit 3 would hide the figures.
    const r = spawnSync(process.execPath, [cli, 'plan', dir, '--time-limit', `${timeLimitSeconds}s`, '--fail-on', 'none'], { encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const seconds = (performance.now() - started) / 1000;
    // --detailed-exitcode is not passed: 0 is success whether or not the plan has changes
    if (r.status !== 0) throw new StageFailure(`globe plan exited ${r.status}: ${(r.stderr ?? '').split('\n').slice(0, 3).join(' ')}`);
    out.push(seconds);
  }
  return out;
}
