/**
 * The planner: Spec + current Deployment → Placement, solved with HiGHS.
 */
import type { SourceMap } from '../lang/source-map.js';
import { lookupSpan } from '../lang/source-map.js';
import type { PlannerWeights, Spec } from '../lang/spec.js';
import type { Deployment } from '../executor/state.js';
import { explainPlacement, type PlannerFinding } from './explain.js';
import { disasterReadiness, extractTarget, failoverOrder, round6, supplyUse, unservedDemand, unservedProducts } from './extract.js';
import { buildPlacementModel } from './model/build-placement-model.js';
import { World } from './model/world.js';
import { PLACEMENT_VERSION, type Placement, type SolverReport } from './placement.js';
import { solveInWorker } from './solve/solve.js';
import { resolveWeights } from './weights.js';

export { DEFAULT_WEIGHTS, WEIGHT_DOCS } from './weights.js';
export type { PlannerFinding } from './explain.js';

export interface PlannerOptions {
  weights?: Partial<PlannerWeights>;
  timeLimitSeconds?: number;
  gapLimit?: number;
  onProgress?: (p: { seconds: number; objective?: number; bound?: number; gap?: number }) => void;
  /** Units to keep free per region and resource (a refresh or a launch): the plan shifts demand to make room. */
  free?: { region: string; resource: string; units: number }[];
  /** Largest share (0..1) of each product's traffic this plan may move; larger changes take several plans. */
  maxShift?: number;
}

export const DEFAULT_TIME_LIMIT_SECONDS = 60;
export const DEFAULT_GAP_LIMIT = 1e-4;

export class PlannerError extends Error {}

export async function planPlacement(
  spec: Spec,
  current: Deployment,
  options: PlannerOptions = {},
  sourceMap?: SourceMap,
): Promise<{ placement: Placement; findings: PlannerFinding[] }> {
  const world = new World(spec, current);
  const weights = resolveWeights(spec.planner?.weights, options.weights);
  const pm = buildPlacementModel(world, weights, { free: options.free, maxShift: options.maxShift });
  const packed = pm.model.pack();
  const stages = pm.stages.map((name) => {
    const cost = pm.model.objectiveVector(name);
    return { name, cost, empty: !cost.some((c) => c !== 0) };
  });
  const outcome = await solveInWorker(packed, stages, {
    timeLimitSeconds: options.timeLimitSeconds ?? spec.planner?.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS,
    gapLimit: options.gapLimit ?? spec.planner?.gapLimit ?? DEFAULT_GAP_LIMIT,
    onProgress: options.onProgress,
  });
  if (!outcome.ok) {
    throw new PlannerError(outcome.error ?? `the solver could not find a plan (HiGHS: ${outcome.status}); this is a bug in globe's model, please report it`);
  }
  const x = outcome.colValue;
  const target = extractTarget(world, pm, x);
  const unserved = unservedDemand(world, pm, x);
  const main = outcome.stages[outcome.stages.length - 1];
  const terms: Record<string, number> = {};
  for (const [name, coefs] of pm.terms) {
    let v = 0;
    for (const [c, a] of coefs) v += a * x[c];
    if (name === 'churn') v -= pm.churnConstant;
    terms[name] = round6(v);
  }
  terms.unserved = round6(outcome.stages.filter((s) => s.name.startsWith('unserved:')).reduce((a, s) => a + s.objective, 0));
  const bound = Math.max(main.bound, outcome.lpBound);
  const solver: SolverReport = {
    status: outcome.status,
    objective: round6(main.objective),
    bound: round6(bound),
    boundKind: main.bound >= outcome.lpBound ? 'mip-dual' : 'lp-relaxation',
    lpBound: round6(outcome.lpBound),
    gap: round6(relativeGap(main.objective, bound)),
    seconds: round6(outcome.seconds),
    model: { rows: packed.numRows, columns: packed.numCols, nonzeros: pm.model.nonzeros, integers: pm.model.integers },
    terms,
  };
  const placement: Placement = {
    version: PLACEMENT_VERSION,
    target,
    failover: failoverOrder(world, target),
    unserved,
    unservedProducts: unservedProducts(pm, x),
    usage: supplyUse(world, current, target),
    disasterReadiness: disasterReadiness(world, target, unserved, { pm, x }),
    solver,
  };
  const findings = explainPlacement(world, placement).map((f) => (f.path && sourceMap ? { ...f, span: lookupSpan(sourceMap, f.path) } : f));
  return { placement, findings };
}

export function relativeGap(objective: number, bound: number): number {
  if (Math.abs(objective - bound) < 1e-9) return 0;
  return Math.max(0, (objective - bound) / Math.max(Math.abs(objective), 1e-9));
}
