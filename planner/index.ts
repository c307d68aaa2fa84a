/**
 * The planner: Spec + current Deployment → Placement, solved with HiGHS.
 */
import type { SourceMap } from '../lang/source-map.js';
import type { PlannerWeights, Spec } from '../lang/spec.js';
import type { Deployment, IntentDigests } from '../schemas/state.js';
import { explainPlacement, type PlannerFinding } from './explain.js';
import { productReadiness } from './product-loss.js';
import { failoverOrder, round6, supplyUse } from './extract.js';
import type { ModelGoals } from './model/build-placement-model.js';
import { World } from './model/world.js';
import { DEFAULT_BLOCK_TENANTS, partitionFleet, tiedTenants, type Block } from './decompose/partition.js';
import { planInBlocks, type BlockedOptions } from './decompose/plan-in-blocks.js';
import { planIncrementally, tenantsToReplan } from './incremental.js';
import { changedTenants } from '../schemas/intent-digests.js';
import { PLACEMENT_VERSION, relativeGap, type Placement, type SolverReport } from '../schemas/placement.js';

export { relativeGap } from '../schemas/placement.js';
import { scoreSolution, totalUnserved, type Score } from './score.js';
import { BlockError, solveBlock, type BlockResult, type BlockSettings } from './solve-block.js';
import { resolveWeights } from './weights.js';
import { loopTurn, unitOfWork } from './loop-turn.js';
import { DEFAULT_MAX_WAVES, planWaves, wavesUsage } from './waves.js';
import { wavesInBlocks } from './decompose/waves-in-blocks.js';
import { residualBeyondSupply } from './residual-fit.js';
import { solveConcurrency, solverPool, useBaselineSolverCode, type SolvePool } from './solve/solve.js';
import { GlobeError } from '../schemas/diagnostic.js';

export { DEFAULT_WEIGHTS, WEIGHT_DOCS } from './weights.js';
export { DEFAULT_MAX_WAVES } from './waves.js';
export type { FindingReason, Limit, LimitFamily, PlannerFinding } from './explain.js';

export interface PlannerOptions {
  weights?: Partial<PlannerWeights>;
  timeLimitSeconds?: number;
  gapLimit?: number;
  onProgress?: (p: { seconds: number; objective?: number; bound?: number; gap?: number }) => void;
  /** Units to keep free per region and resource (a refresh or a launch): the plan shifts demand to make room. */
  free?: { region: string; resource: string; units: number }[];
  /** Largest share (0..1) of each product's traffic this plan, or each wave of a plan in waves, may move (docs/language.md). */
  maxShift?: number;
  /** Plan fleets of more than this many tenants in blocks of about this size (planner/decompose). */
  blockTenants?: number;
  /** Told as each block of a large fleet is planned. */
  onBlock?: BlockedOptions['onBlock'];
  /** The intent the current deployment was planned from (State.plannedFrom): a large fleet re-plans only what changed. */
  plannedFrom?: IntentDigests;
  /**
   * Let the planner choose how V8 compiles HiGHS for this fleet (useBaselineSolverCode). It is a
   * process-wide V8 flag, so only a caller that owns its process opts in: the CLI and the benchmark.
   */
  tuneSolverCode?: boolean;
  /** Solver workers to use (many plans in one process share them); default: a pool of the plan's own. */
  pool?: SolvePool;
  /**
   * Most waves (safe steps applied one after another) the plan may take to reach its target
   * (planner/waves.ts); 1 plans one safe step, as before waves. Default DEFAULT_MAX_WAVES.
   * Fleets planned in blocks plan in waves the part of the fleet that needs them (planner/decompose/waves-in-blocks.ts).
   */
  maxWaves?: number;
  /**
   * Tenants whose reasons are searched for (default MAX_EXPLAINED, explain.ts). The random-world soak
   * and suite pass 0 for most worlds: the reason searches are ~70% of a small world's planning time,
   * and what they assert is the placement; their findings are still made, without a reason.
   */
  explainTenants?: number;
}

export const DEFAULT_TIME_LIMIT_SECONDS = 60;
export const DEFAULT_GAP_LIMIT = 1e-4;
/** Gap limit of each block when a large fleet is planned in blocks, unless one is set. */
export const DEFAULT_BLOCK_GAP_LIMIT = 5e-3;

/** Fleets up to this size solve in well under a second: HiGHS's optimised WebAssembly would not pay for its compilation. */
const QUICK_FLEET_TENANTS = 200;

export class PlannerError extends GlobeError {
  readonly code = 'planner';
}

export async function planPlacement(
  spec: Spec,
  current: Deployment,
  options: PlannerOptions = {},
  sourceMap?: SourceMap,
): Promise<{ placement: Placement; findings: PlannerFinding[]; intermediate: Deployment[] }> {
  await loopTurn(); // the caller's own work (the terminal's spinner starting) and the planner's set-up are two units
  const world = new World(spec, current);
  const unfit = residualBeyondSupply(world, sourceMap);
  if (unfit) throw new PlannerError(unfit);
  const weights = resolveWeights(spec.planner?.weights, options.weights);
  const goals = { free: options.free, maxShift: options.maxShift };
  const settings = {
    timeLimitSeconds: options.timeLimitSeconds ?? spec.planner?.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS,
    gapLimit: options.gapLimit ?? spec.planner?.gapLimit ?? DEFAULT_GAP_LIMIT,
    onProgress: options.onProgress,
    onBlock: options.onBlock,
  };
  const blocks = partitionFleet(world, weights, options.blockTenants ?? DEFAULT_BLOCK_TENANTS);
  // Quick solves: a small fleet in blocks, or one model no larger than a block (an exact model of 200
  // tenants runs for seconds: optimised code pays off there).
  if (options.tuneSolverCode) useBaselineSolverCode(world.tenants.length <= (blocks.length > 1 ? QUICK_FLEET_TENANTS : DEFAULT_BLOCK_TENANTS));
  let placement: Placement;
  // The deployments after each wave but the last (planner/waves.ts); empty for a one-wave plan.
  let intermediate: Deployment[] = [];
  // The world the last wave is planned from: the findings explain the limits of that wave.
  let lastWorld = world;
  // One pool of solver workers for every solve of this plan: its blocks, their region-loss rounds, the
  // products' failover LPs (HiGHS loads once per worker, not once per solve).
  // (A caller that plans many worlds in one process passes its own pool, and closes it itself.)
  const pool = options.pool ?? solverPool(solveConcurrency());
  try {
    placement = await planWith(pool);
    const products = await productReadiness(world.spec, placement.target, pool);
    if (Object.keys(products).length > 0) placement = { ...placement, productReadiness: products };
    const findings = await explainPlacement(lastWorld, placement, { goals, weights, sourceMap, pool, maxTenants: options.explainTenants });
    return { placement, findings, intermediate };
  } finally {
    if (pool !== options.pool) void pool.close(); // the workers are told to stop now; the plan need not wait until they have
  }

  async function planWith(pool: SolvePool): Promise<Placement> {
    const pooled = { ...settings, pool };
    try {
      if (blocks.length <= 1) return await planOneModelInWaves(pooled);
      // Each block's own gap: the fleet's gap is then certified from the blocks' bounds.
      const blockSettings = { ...pooled, gapLimit: options.gapLimit ?? spec.planner?.gapLimit ?? DEFAULT_BLOCK_GAP_LIMIT };
      const one = (await planOnlyWhatChanged(world, weights, goals, blockSettings, options)) ?? (await planAsBlocks(world, weights, goals, blockSettings, blocks));
      return await planBlocksInWaves(one, blockSettings);
    } catch (e) {
      if (e instanceof BlockError) throw new PlannerError(e.message);
      throw e;
    }
  }

  /**
   * A fleet planned in blocks, and when that plan leaves demand that waves could serve, the sub-fleet
   * that can use them planned in waves, the rest at its block-plan target (planner/decompose/waves-in-blocks.ts).
   * The report is the block plan's, scored for the plan's target; its gap is the blocks' and the last
   * wave's own gaps together, carried over to that objective (certified step by step, as an incremental plan's).
   */
  async function planBlocksInWaves(one: Placement, pooled: BlockSettings): Promise<Placement> {
    const w = await wavesInBlocks(world, weights, goals, one, blocks, options.maxWaves ?? DEFAULT_MAX_WAVES, pooled);
    if (!w) return one;
    intermediate = w.intermediate;
    lastWorld = new World(spec, intermediate[intermediate.length - 1]);
    const score = scoreSolution(spec, world.current, w.target, w.unserved, w.unservedProducts, weights);
    const certified = one.solver.gap < 1;
    const bound = score.weighted - Math.max(0, one.solver.objective - one.solver.bound) - w.last.gap;
    const solver: SolverReport = {
      ...one.solver,
      status: one.solver.status === 'optimal' && w.last.status === 'optimal' ? 'optimal' : 'time-limit',
      objective: round6(score.weighted),
      bound: certified ? round6(bound) : 0,
      gap: certified ? round6(relativeGap(score.weighted, bound)) : 1,
      seconds: round6(one.solver.seconds + w.seconds),
      terms: termsOf(score),
    };
    const placement = assemble(world, w, solver);
    return { ...placement, usage: wavesUsage(world, [world.current, ...intermediate, w.target]), ...(w.wavesShortOf ? { wavesShortOf: w.wavesShortOf } : {}) };
  }

  /** One model, and when its target needs room someone else frees first, waves (planner/waves.ts). */
  async function planOneModelInWaves(pooled: BlockSettings): Promise<Placement> {
    const one = await planAsOneModel(world, weights, goals, pooled);
    let seconds = one.solver.seconds;
    const solveFrom = async (from: Deployment, g: ModelGoals) => {
      const p = await planAsOneModel(new World(spec, from), weights, g, pooled);
      seconds += p.solver.seconds;
      return p;
    };
    const waves = await planWaves(world, one, goals, options.maxWaves ?? DEFAULT_MAX_WAVES, { plan: solveFrom, target: solveFrom });
    intermediate = waves.intermediate;
    if (intermediate.length > 0) lastWorld = new World(spec, intermediate[intermediate.length - 1]);
    if (seconds === waves.placement.solver.seconds) return waves.placement;
    // The report is the last solve's; its time is that of every solve the plan took (the waves, the target without the peak).
    return { ...waves.placement, solver: { ...waves.placement.solver, seconds: round6(seconds) } };
  }
}

/** The whole fleet as one model: exact, for fleets up to a few hundred tenants. */
async function planAsOneModel(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings & Pick<BlockedOptions, 'onBlock'>): Promise<Placement> {
  const r = await solveBlock(world, weights, goals, settings);
  const solver: SolverReport = {
    status: r.status,
    objective: round6(r.objective),
    bound: round6(r.bound),
    boundKind: r.boundKind,
    lpBound: round6(r.lpBound),
    gap: round6(relativeGap(r.objective, r.bound)),
    seconds: round6(r.seconds),
    model: r.model,
    terms: r.terms,
  };
  return assemble(world, r, solver);
}

/** A large fleet in blocks (planner/decompose): scored with the full objective, its gap certified by the blocks' bounds. */
async function planAsBlocks(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings & Pick<BlockedOptions, 'onBlock'>, blocks: Block[]): Promise<Placement> {
  const r = await planInBlocks(world, weights, goals, blocks, { ...settings, concurrency: solveConcurrency() });
  // Scoring and assembling the whole fleet are a unit each, a loop turn apart (planner/loop-turn.ts).
  await loopTurn();
  const score = unitOfWork('fleet score', () => scoreSolution(world.spec, world.current, r.target, r.unserved, r.unservedProducts, weights));
  const bound = r.boundHolds ? Math.min(r.bound, score.weighted) : -Infinity;
  const solver: SolverReport = {
    status: r.status,
    objective: round6(score.weighted),
    bound: Number.isFinite(bound) ? round6(bound) : 0,
    boundKind: 'decomposition',
    gap: Number.isFinite(bound) ? round6(relativeGap(score.weighted, bound)) : 1,
    seconds: round6(r.seconds),
    model: r.model,
    terms: termsOf(score),
    blocks: { count: r.blocks, repaired: r.repaired },
  };
  await loopTurn();
  return unitOfWork('fleet assembly', () => assemble(world, r, solver));
}

/** A large fleet whose shared intent is unchanged: plan again only the tenants whose intent changed (planner/incremental.ts). */
async function planOnlyWhatChanged(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings, options: PlannerOptions): Promise<Placement | undefined> {
  if ((goals.free?.length ?? 0) > 0) return undefined;
  const changed = changedTenants(world.spec, options.plannedFrom);
  if (!changed) return undefined;
  const replan = tenantsToReplan(world, changed, tiedTenants(world), options.blockTenants ?? DEFAULT_BLOCK_TENANTS);
  if (!replan) return undefined;
  const r = await planIncrementally(world, weights, goals, replan, settings);
  if (!r) return undefined;
  const score = scoreSolution(world.spec, world.current, r.target, r.unserved, r.unservedProducts, weights);
  // Certified for the re-planned tenants only: their block's own gap, carried over to the fleet's objective.
  const bound = score.weighted - Math.max(0, r.block.objective - r.block.bound);
  const solver: SolverReport = {
    status: r.block.status,
    objective: round6(score.weighted),
    bound: round6(bound),
    boundKind: 'incremental',
    gap: round6(relativeGap(score.weighted, bound)),
    seconds: round6(r.block.seconds),
    model: r.block.model,
    terms: termsOf(score),
    incremental: { replanned: r.replanned, kept: r.kept },
  };
  return assemble(world, r, solver);
}

/** The report's terms of a plan scored from its documents (planner/score.ts), unweighted. */
function termsOf(score: Score): Record<string, number> {
  return {
    cost: round6(score.cost),
    churn: round6(score.churn),
    balance: round6(score.balance),
    distance: round6(score.distance),
    unserved: round6(totalUnserved(score) + score.unservedProducts),
  };
}

function assemble(world: World, r: Pick<BlockResult, 'target' | 'unserved' | 'unservedProducts' | 'disasterReadiness'>, solver: SolverReport): Placement {
  return {
    version: PLACEMENT_VERSION,
    target: r.target,
    failover: failoverOrder(world, r.target),
    unserved: sortedRecord(r.unserved),
    unservedProducts: sortedRecord(r.unservedProducts),
    usage: supplyUse(world, world.current, r.target),
    disasterReadiness: sortedRecord(r.disasterReadiness),
    solver,
  };
}

function sortedRecord<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

