/**
 * One block of the fleet — or the whole fleet when it is small — as one
 * model: build it, solve it with HiGHS in a worker, read the answer back.
 * The planner assembles a Placement from one or more of these.
 */
import type { PlannerWeights, TenantId } from '../lang/spec.js';
import type { Deployment } from '../schemas/state.js';
import { disasterReadiness, extractTarget, round6, unservedDemand, unservedProducts } from './extract.js';
import { buildPlacementModel, type ModelGoals } from './model/build-placement-model.js';
import { LOSS_TOLERANCE, readinessMode, tenantReadiness, TenantNetwork } from './region-loss.js';
import { productLossesByRegion, servingRegions } from './product-loss.js';
import { currentAsStart, startFrom } from './model/warm-start.js';
import type { TenantEntry, World } from './model/world.js';
import type { Placement, SolverStatus } from '../schemas/placement.js';
import { workTurn } from './loop-turn.js';
import { blockWorld } from './decompose/block-world.js';
import { itemsUse } from './decompose/room.js';
import { scoreSolution } from './score.js';
import { solveInWorker, type SolveOutcome, type SolvePool, type SolveProgress } from './solve/solve.js';

export interface BlockSettings {
  timeLimitSeconds: number;
  gapLimit: number;
  /** Main may also stop this close to its bound in absolute terms (see SolveOptions.absGapLimit). */
  absGapLimit?: number;
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
  /**
   * The region losses the final model planned per failure (tenant → regions; products: regions). A later
   * solve of some of these tenants (the repair of a fleet planned in blocks) starts from them instead of
   * finding them again one round at a time.
   */
  scenarios: { tenants: ReadonlyMap<string, ReadonlySet<string>>; products: ReadonlySet<string> };
  /** Region-loss rounds after the first: those that solved the whole block again, and those that re-planned only the tenants found short. */
  rounds: { whole: number; few: number };
}

export class BlockError extends Error {}

/** Rounds of adding violated region-loss scenarios before a block's plan is taken as it is. */
const MAX_SCENARIO_ROUNDS = 8;
/**
 * Gap of the rounds that only look for violated region losses when a much tighter one is asked for
 * (below EXPLORE_BELOW: an exact plan's 0.01%, not a block's 0.5%, which a round would hardly speed up).
 */
const EXPLORE_GAP = 0.01;
const EXPLORE_BELOW = 1e-3;

/**
 * Solve, check every region loss of every DR tenant with the verdict function (planner/region-loss.ts),
 * model the violated losses with per-failure routing, and solve again until none is violated that is
 * not modelled: most losses never bind, so most tenants never carry failure scenarios. The plan is
 * then optimal for the full model (every scenario it leaves out has no shortfall).
 */
export async function solveBlock(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings): Promise<BlockResult> {
  const scenarios = new Map<string, Set<string>>();
  for (const [id, regions] of goals.drScenarios ?? []) scenarios.set(id, new Set(regions));
  for (const [id, regions] of likelyScenarios(world)) scenarios.set(id, new Set([...(scenarios.get(id) ?? []), ...regions]));
  const productScenarios = new Set(goals.productScenarios ?? []);
  let seconds = 0;
  let previous: Deployment | undefined;
  // A tight gap is proven once, at the end: the rounds that look for violated losses stop at EXPLORE_GAP.
  const asksReadiness = world.tenants.some((t) => t.spec.tolerateRegionFailure && readinessMode(t.spec) === 'per-failure') || Object.values(world.spec.products).some((p) => p.tolerateRegionFailure);
  let exploring = asksReadiness && settings.gapLimit < EXPLORE_BELOW;
  let last: SolvedOnce | undefined;
  let newlyModelled = new Set<TenantId>();
  const rounds = { whole: 0, few: 0 };
  for (let round = 1; ; round++) {
    await workTurn();
    const roundSettings = exploring ? { ...settings, gapLimit: EXPLORE_GAP, lpBound: false } : settings;
    const roundGoals = { ...goals, drScenarios: scenarios, productScenarios };
    const few = last && !exploring ? await solveFewAgain(world, weights, roundGoals, roundSettings, last, newlyModelled) : undefined;
    const result = few ?? (await solveOnce(world, weights, roundGoals, roundSettings, previous));
    if (round > 1) rounds[few ? 'few' : 'whole']++;
    seconds += result.seconds;
    previous = result.target;
    last = result;
    newlyModelled = violatedScenarios(world, result.target, scenarios);
    const added = newlyModelled.size + (await violatedProductScenarios(world, result.target, productScenarios, settings.pool));
    if (process.env.GLOBE_DEBUG_SOLVER === '1') process.stderr.write(`[solver] region-loss round ${round}${few ? ` (${few.replanned} tenants again)` : ''}: ${world.tenants.length} tenants, ${result.seconds.toFixed(2)} s, ${added} scenarios added\n`);
    if (added > 0 && round < MAX_SCENARIO_ROUNDS) {
      if (added > newlyModelled.size) newlyModelled = new Set<TenantId>(); // a product's loss: the whole block again
      continue;
    }
    if (!exploring) return { ...result, seconds, scenarios: { tenants: scenarios, products: productScenarios }, rounds };
    exploring = false; // one more solve, at the gap asked for, from this plan
  }
}

/**
 * The next region-loss round of a block, re-planning only the tenants whose losses it newly models:
 * the others keep their plan, and those few get the room the others leave. A block is far larger than
 * the few tenants a round finds short (at 10,000 × 30, 46 rounds of 50-tenant blocks re-solved the
 * whole block for one or two tenants: a quarter of the plan's solver time).
 *
 * The block's bound stays the last full solve's. That model is a relaxation of this one (fewer regions
 * with per-failure routing; the aggregate rows it has instead are implied by per-failure routing), and
 * when the few tenants are planned with nothing short, every shortfall stage is no higher than that
 * solve held it at — so this plan is feasible in its main stage, and its bound holds. The plan is taken
 * when it is within the block's gap of that bound; otherwise (or when anything is short, or the block
 * carries products, reservations, waves or relaxed limits) the whole block is solved again as before.
 */
async function solveFewAgain(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings, last: SolvedOnce, tenants: ReadonlySet<TenantId>): Promise<(SolvedOnce & { replanned: number }) | undefined> {
  const room = goals.room;
  if (!room || goals.wave || goals.relax?.size || tenants.size === 0 || 2 * tenants.size > world.tenants.length) return undefined;
  if (Object.keys(world.spec.products).length > 0 || Object.keys(world.spec.reservations).length > 0) return undefined;
  if ([...tenants].some((id) => last.unserved[id])) return undefined;
  const few = blockWorld(world, { tenants: [...tenants].sort(), coupled: false });
  const others = world.tenants.map((t) => t.id).filter((id) => !tenants.has(id));
  const held = itemsUse(world, world.current, last.target, others, false);
  const fewRoom: NonNullable<ModelGoals['room']> = new Map();
  for (const [key, r] of room) fewRoom.set(key, { final: Math.max(0, r.final - (held.final.get(key) ?? 0)), peak: Math.max(0, r.peak - (held.peak.get(key) ?? 0)) });
  const r = await solveOnce(few, weights, { ...goals, room: fewRoom }, settings, last.target);
  if (r.unservedTotal > UNSERVED_TOLERANCE) return undefined;
  const target: Deployment = { ...last.target, tenants: { ...last.target.tenants } };
  for (const id of tenants) {
    if (r.target.tenants[id]) target.tenants[id] = r.target.tenants[id];
    else delete target.tenants[id];
  }
  // The block's objective is separable by tenant (balance is not in a block): the few tenants' part moves by
  // what their own objective moved, measured by one scorer for both plans.
  const before = scoreSolution(few.spec, few.current, last.target, {}, {}, weights);
  const after = scoreSolution(few.spec, few.current, r.target, {}, {}, weights);
  const objective = last.objective + after.weighted - before.weighted;
  const allowed = Math.max(settings.gapLimit * Math.abs(objective), settings.absGapLimit ?? 0);
  if (objective - last.bound > allowed + 1e-9) return undefined;
  const terms = { ...last.terms };
  for (const term of ['cost', 'churn', 'distance'] as const) if (term in terms) terms[term] = round6(terms[term] + after[term] - before[term]);
  return {
    ...last,
    target,
    // A tenant's verdict depends on its own deployment only (no products here): the few tenants' verdicts
    // are those of the solve that re-planned them, the others' are unchanged.
    disasterReadiness: { ...Object.fromEntries(Object.entries(last.disasterReadiness).filter(([id]) => !tenants.has(id as TenantId))), ...r.disasterReadiness },
    status: last.status === 'optimal' && r.status === 'optimal' ? 'optimal' : 'time-limit',
    objective,
    terms,
    seconds: r.seconds,
    replanned: tenants.size,
  };
}

/** Unserved demand (priority-weighted rps) below this is solver tolerance. */
const UNSERVED_TOLERANCE = 1e-6;

/** Adds to `scenarios` every region loss the target does not survive that is not modelled yet; returns the tenants it added to. */
function violatedScenarios(world: World, target: Deployment, scenarios: Map<string, Set<string>>): Set<TenantId> {
  const added = new Set<TenantId>();
  for (const t of world.tenants) {
    if (!t.spec.tolerateRegionFailure || readinessMode(t.spec) !== 'per-failure') continue;
    const modelled = scenarios.get(t.id) ?? new Set<string>();
    const verdict = tenantReadiness(world.spec, target, t.id, t.spec);
    for (const loss of verdict.losses) {
      if (modelled.has(loss.region)) continue;
      // A loss no placement avoids (clients only f can serve) gains nothing from its scenario.
      if (loss.lost <= unavoidableLoss(world, t, target, loss.region) + LOSS_TOLERANCE) continue;
      modelled.add(loss.region);
      added.add(t.id);
    }
    if (modelled.size > 0) scenarios.set(t.id, modelled);
  }
  return added;
}

/** rps a tenant loses with f lost whatever the placement: what it serves to clients no other region can reach. */
export function unavoidableLoss(world: World, t: TenantEntry, target: Deployment, f: string): number {
  let lost = 0;
  const hosts = hostRegions(world, t);
  for (const d of TenantNetwork.of(world.spec, target, t.id, t.spec).demand) {
    if (hosts.every((r) => r === f || world.latency(d.client, r) > d.drThreshold)) lost += d.rps;
  }
  return lost;
}

/**
 * Whether a tenant's unmet region-loss readiness in `target` is one some placement could avoid: a lost
 * region whose loss costs more than the demand only it can serve. (What no placement avoids, no other
 * plan — more scenarios, or waves — can make ready.)
 */
export function avoidablyShort(world: World, t: TenantEntry, target: Deployment, lost: Record<string, number>): boolean {
  return Object.entries(lost).some(([f, rps]) => rps > unavoidableLoss(world, t, target, f) + LOSS_TOLERANCE);
}

/** Regions where a tenant may run and one of its replicas fits the supply. */
function hostRegions(world: World, t: TenantEntry): string[] {
  return t.regions.filter((r) => t.resources.some((k) => world.supply(r, k) >= t.spec.replicas[k].units));
}

/**
 * Region losses to model with per-failure routing from the first solve: where a client of a DR tenant
 * can be served from at most LIKELY_REACH regions within its (DR) threshold, losing one of them is
 * what the aggregate count misses — so those come first, and most blocks need no second solve.
 */
const LIKELY_REACH = 3;

function likelyScenarios(world: World): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const t of world.tenants) {
    if (!t.spec.tolerateRegionFailure || readinessMode(t.spec) !== 'per-failure') continue;
    const hosts = hostRegions(world, t);
    const regions = new Set<string>();
    for (const [cls, byClient] of Object.entries(t.spec.demand)) {
      const threshold = Math.max(t.spec.latency[cls] ?? 0, t.spec.drLatency ?? 0);
      for (const client of Object.keys(byClient)) {
        const reach = hosts.filter((r) => world.latency(client, r) <= threshold);
        // one region in reach: its loss is lost whatever the plan, nothing to model
        if (reach.length > 1 && reach.length <= LIKELY_REACH) for (const r of reach) regions.add(r);
      }
    }
    if (regions.size > 0) out.set(t.id, regions);
  }
  return out;
}

/** Adds to `scenarios` every region whose loss a product that asks for readiness does not survive, not modelled yet. */
async function violatedProductScenarios(world: World, target: Deployment, scenarios: Set<string>, pool?: SolvePool): Promise<number> {
  const asking = Object.keys(world.spec.products).filter((P) => world.spec.products[P].tolerateRegionFailure);
  if (asking.length === 0) return 0;
  const regions = servingRegions(target, asking).filter((r) => !scenarios.has(r));
  const lost = await productLossesByRegion(world.spec, target, regions, pool);
  let added = 0;
  for (const byRegion of lost.values()) {
    for (const r of Object.keys(byRegion)) {
      if (scenarios.has(r)) continue;
      scenarios.add(r);
      added++;
    }
  }
  return added;
}

type SolvedOnce = Omit<BlockResult, 'scenarios' | 'rounds'>;

async function solveOnce(world: World, weights: PlannerWeights, goals: ModelGoals, settings: BlockSettings, previous?: Deployment): Promise<SolvedOnce> {
  const pm = buildPlacementModel(world, weights, goals);
  const packed = pm.model.pack();
  const model = { rows: packed.numRows, columns: packed.numCols, nonzeros: pm.model.nonzeros, integers: pm.model.integers };
  const stages = pm.stages.map((name) => ({ name, cost: pm.model.objectiveVector(name) }));
  const solve = settings.pool ? settings.pool.solve.bind(settings.pool) : solveInWorker;
  // Nothing to decide (regions without supply, tenants without demand): HiGHS calls a model without
  // columns "empty" rather than solving it, and there is only one plan, placing nothing.
  const outcome: SolveOutcome = packed.numCols === 0 ? nothingToDecide(stages.map((s) => s.name)) : await solve(packed, stages, {
    timeLimitSeconds: settings.timeLimitSeconds,
    gapLimit: settings.gapLimit,
    absGapLimit: settings.absGapLimit,
    onProgress: settings.onProgress,
    start: previous ? startFrom(pm, plannedCounts(world, previous)) : currentAsStart(pm),
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
    disasterReadiness: disasterReadiness(world, target),
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

function nothingToDecide(stages: string[]): SolveOutcome {
  return { ok: true, status: 'optimal', colValue: new Float64Array(0), stages: stages.map((name) => ({ name, objective: 0, bound: 0, gap: 0, status: 'optimal' })), lpBound: 0, seconds: 0 };
}

/** Replica, reservation and follower counts of a deployment, as the warm start reads them. */
function plannedCounts(world: World, d: Deployment): Parameters<typeof startFrom>[1] {
  return {
    replicas: (v) => d.tenants[world.tenants[v.tenant].id]?.replicas[v.region]?.[v.resource] ?? 0,
    reservation: (v) => d.reservations[v.name]?.[v.region] ?? 0,
    follower: (v) => d.followers[v.service]?.[v.region]?.[v.resource] ?? 0,
  };
}
