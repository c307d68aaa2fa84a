/**
 * One block of the fleet — or the whole fleet when it is small — as one
 * model: build it, solve it with HiGHS in a worker, read the answer back.
 * The planner assembles a Placement from one or more of these.
 */
import type { PlannerWeights } from '../lang/spec.js';
import type { Deployment } from '../executor/state.js';
import { disasterReadiness, extractTarget, round6, unservedDemand, unservedProducts } from './extract.js';
import { buildPlacementModel, type ModelGoals } from './model/build-placement-model.js';
import { currentAsStart } from './model/warm-start.js';
import type { World } from './model/world.js';
import type { Placement, SolverStatus } from './placement.js';
import { solveInWorker, type SolvePool, type SolveProgress } from './solve/solve.js';

export interface BlockSettings {
  timeLimitSeconds: number;
  gapLimit: number;
  onProgress?: (p: SolveProgress) => void;
  /** Solve the LP relaxation too, for its bound (default true). */
  lpBound?: boolean;
  /** Workers to solve in (a large fleet's blocks share them); default: a worker of its own. */
  pool?: SolvePool;
}

export interface BlockResult {
  target: Deployment;
  unserved: Placement['unserved'];
  unservedProducts: Placement['unservedProducts'];
  disasterReadiness: Placement['disasterReadiness'];
  status: Extract<SolverStatus, 'optimal' | 'time-limit'>;
  /** The weighted main objective, churn measured as |target − current| (its constant removed). */
  objective: number;
  /** Best valid lower bound on `objective` (MIP dual bound or LP relaxation), same measure. */
  bound: number;
  boundKind: 'mip-dual' | 'lp-relaxation';
  lpBound: number;
  /** Σ of the unserved stages' optima (priority-weighted rps and units): what the block could not serve. */
  unservedTotal: number;
  /** Objective terms, unweighted (churn without its constant). */
  terms: Record<string, number>;
  seconds: number;
  model: { rows: number; columns: number; nonzeros: number; integers: number };
}

export class BlockError extends Error {}

export async function solveBlock(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings): Promise<BlockResult> {
  const pm = buildPlacementModel(world, weights, goals);
  const packed = pm.model.pack();
  const model = { rows: packed.numRows, columns: packed.numCols, nonzeros: pm.model.nonzeros, integers: pm.model.integers };
  const stages = pm.stages.map((name) => ({ name, cost: pm.model.objectiveVector(name) }));
  const solve = settings.pool ? settings.pool.solve.bind(settings.pool) : solveInWorker;
  const outcome = await solve(packed, stages, {
    timeLimitSeconds: settings.timeLimitSeconds,
    gapLimit: settings.gapLimit,
    onProgress: settings.onProgress,
    start: currentAsStart(pm),
    lpBound: settings.lpBound,
  });
  if (!outcome.ok) {
    throw new BlockError(outcome.error ?? `the solver could not find a plan (HiGHS: ${outcome.status}); this is a bug in globe's model, please report it`);
  }
  const x = outcome.colValue;
  const target = extractTarget(world, pm, x);
  const unserved = unservedDemand(world, pm, x);
  const terms: Record<string, number> = {};
  for (const [name, coefs] of pm.terms) {
    let v = 0;
    for (const [c, a] of coefs) v += a * x[c];
    if (name === 'churn') v -= pm.churnConstant;
    terms[name] = round6(v);
  }
  const shortfalls = outcome.stages.filter((s) => s.name.startsWith('unserved:'));
  terms.unserved = round6(shortfalls.reduce((a, s) => a + s.objective, 0));
  const main = outcome.stages[outcome.stages.length - 1];
  // The solver minimises churn as 2·max(n, current) − n, which is |n − current| + current: remove that constant.
  const constant = weights.churn * pm.churnConstant;
  const mainBound = Number.isFinite(main.bound) ? main.bound : -Infinity;
  const lpBound = Number.isFinite(outcome.lpBound) ? outcome.lpBound : -Infinity;
  const bound = Math.max(mainBound, lpBound);
  return {
    target,
    unserved,
    unservedProducts: unservedProducts(pm, x),
    disasterReadiness: disasterReadiness(world, target, unserved, { pm, x }),
    status: outcome.status,
    objective: main.objective - constant,
    bound: Math.min(bound, main.objective) - constant,
    boundKind: mainBound >= lpBound ? 'mip-dual' : 'lp-relaxation',
    lpBound: lpBound - constant,
    unservedTotal: terms.unserved,
    terms,
    seconds: outcome.seconds,
    model,
  };
}
