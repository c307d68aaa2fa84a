/**
 * Planning a fleet too large for one model (issue "Fleet scale"): the fleet is
 * cut into blocks (partition.ts), each planned as its own small model in a
 * worker thread, two at a time, with the supply it may use (room.ts).
 *
 *   1. Every block with relaxed room: the sum of the blocks' optima is a valid
 *      lower bound on the fleet's optimum (balance, a fleet-wide term, is left
 *      out of the blocks: it is ≥ 0, so the bound stays valid).
 *   2. Where the blocks together overrun a (region, resource), the tenants
 *      that use it are planned again as one block, with exactly the room the
 *      rest of the fleet leaves. Keeping what runs now always fits, so this
 *      block always has a plan; the result fits the supply everywhere.
 *   3. The assembled plan is scored with the full objective (planner/score.ts),
 *      and its gap certified against the bound of step 1 — valid when the
 *      plan serves as much demand, priority by priority, as the relaxation did.
 *
 * The time limit bounds each block's solve, not the whole: a block cut short
 * by a share of the time would hand back demand it could have served.
 */
import type { Deployment } from '../../schemas/state.js';
import type { PlannerWeights, TenantId } from '../../lang/spec.js';
import type { ModelGoals } from '../model/build-placement-model.js';
import type { World } from '../model/world.js';
import { relativeGap, type Placement } from '../../schemas/placement.js';
import { solveBlock, type BlockResult, type BlockSettings } from '../solve-block.js';
import { solverPool } from '../solve/solve.js';
import { blockWorld } from './block-world.js';
import type { Block } from './partition.js';
import { exactRoom, itemsUse, peakLimits, relaxedRoom, type Use } from './room.js';

/** What the planner needs from the blocks to assemble a Placement. */
export interface BlockedPlan {
  target: Deployment;
  unserved: Placement['unserved'];
  unservedProducts: Placement['unservedProducts'];
  disasterReadiness: Placement['disasterReadiness'];
  status: 'optimal' | 'time-limit';
  /** Σ of the first pass's bounds: a lower bound on the objective (balance, ≥ 0, left out). */
  bound: number;
  /** Whether the plan serves what the relaxation served (the bound then holds for it). */
  boundHolds: boolean;
  seconds: number;
  model: { rows: number; columns: number; nonzeros: number; integers: number };
  blocks: number;
  /** Tenants planned again in the repair block (0 when the first pass fitted the supply). */
  repaired: number;
  /** Region-loss rounds after the blocks' first solves, summed over the blocks (BlockResult.rounds). */
  rounds: { whole: number; few: number };
}

export interface BlockedOptions extends BlockSettings {
  concurrency: number;
  /** Told when each block is planned: which, how many tenants, and how it went. */
  onBlock?: (b: { index: number; of: number; tenants: number; repair: boolean; seconds: number; status: string; gap: number }) => void;
}

const TOLERANCE = 1e-6;

export async function planInBlocks(world: World, weights: PlannerWeights, goals: ModelGoals, blocks: Block[], options: BlockedOptions): Promise<BlockedPlan> {
  if (options.pool) return planWithPool(world, weights, goals, blocks, options);
  const pool = solverPool(options.concurrency);
  try {
    return await planWithPool(world, weights, goals, blocks, { ...options, pool });
  } finally {
    void pool.close(); // the workers are told to stop now; the plan need not wait until they have (~35 ms)
  }
}

async function planWithPool(world: World, weights: PlannerWeights, goals: ModelGoals, blocks: Block[], options: BlockedOptions): Promise<BlockedPlan> {
  const started = Date.now();
  const blockWeights = { ...weights, balance: 0 };
  const limits = peakLimits(world);
  const currentAll = itemsUse(world, world.current, world.current, world.tenants.map((t) => t.id), true).peak;
  const absGapLimit = blockGapShare(world, weights, currentAll, options.gapLimit, blocks.length);

  // 1. Every block apart, with relaxed room.
  // One block more in flight than there are workers: its model is built (on this thread) while the
  // workers solve and waits in the pool's queue, so a worker that finishes starts the next block at once.
  const results = await mapConcurrently(blocks, options.concurrency + 1, async (block, index) => {
    const bw = blockWorld(world, block);
    const own = itemsUse(world, world.current, world.current, block.tenants, block.coupled).peak;
    const room = relaxedRoom(world, limits, currentAll, own);
    const r = await solveBlock(bw, blockWeights, { ...goals, room }, { ...options, absGapLimit, onProgress: undefined, lpBound: false });
    options.onBlock?.({ index, of: blocks.length, tenants: block.tenants.length, repair: false, seconds: r.seconds, status: r.status, gap: relativeGap(r.objective, r.bound) });
    return r;
  });

  const target: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  for (const r of results) mergeInto(target, r.target);
  const plan: BlockedPlan = {
    target,
    unserved: Object.assign({}, ...results.map((r) => r.unserved)),
    unservedProducts: Object.assign({}, ...results.map((r) => r.unservedProducts)),
    disasterReadiness: Object.assign({}, ...results.map((r) => r.disasterReadiness)),
    status: results.every((r) => r.status === 'optimal') ? 'optimal' : 'time-limit',
    bound: results.reduce((a, r) => a + r.bound, 0),
    boundHolds: true,
    seconds: 0,
    model: sumModels(results),
    blocks: blocks.length,
    repaired: 0,
    rounds: sumRounds(results),
  };

  // 2. Repair what overruns the supply.
  const overrun = overrunKeys(world, goals, limits, target);
  if (overrun.size > 0) {
    const coupledIndex = blocks.findIndex((b) => b.coupled);
    // In each overrun pair, what grew there is planned again: everything else holds no more than it holds
    // now, so the repaired part can always keep what it has and the repair always has a plan. Where
    // nothing grew (the supply shrank below what runs), everything placed there is planned again.
    const affected = new Set<TenantId>();
    let withCoupled = false;
    const uses = world.tenants.map((t) => ({ id: t.id, next: itemsUse(world, world.current, target, [t.id], false), now: itemsUse(world, world.current, world.current, [t.id], false).final }));
    const coupledUse = coupledIndex >= 0 ? { next: itemsUse(world, world.current, target, [], true), now: itemsUse(world, world.current, world.current, [], true).final } : undefined;
    for (const k of overrun) {
      const grew = (u: { next: { peak: Use }; now: Use }) => (u.next.peak.get(k) ?? 0) > (u.now.get(k) ?? 0) + TOLERANCE;
      const there = (u: { next: { final: Use; peak: Use } }) => (u.next.final.get(k) ?? 0) > 0 || (u.next.peak.get(k) ?? 0) > 0;
      let picked = uses.filter(grew);
      let coupledToo = coupledUse !== undefined && grew(coupledUse);
      if (picked.length === 0 && !coupledToo) {
        picked = uses.filter(there);
        coupledToo = coupledUse !== undefined && there(coupledUse);
      }
      for (const u of picked) affected.add(u.id);
      withCoupled ||= coupledToo;
    }
    const repairTenants = new Set<TenantId>([...affected, ...(withCoupled ? blocks[coupledIndex].tenants : [])]);
    const repairBlock: Block = { tenants: [...repairTenants].sort(), coupled: withCoupled };
    const fixedTenants = world.tenants.map((t) => t.id).filter((id) => !repairTenants.has(id));
    const fixed = itemsUse(world, world.current, target, fixedTenants, !withCoupled && coupledIndex >= 0);
    const room = exactRoom(world, limits, fixed);
    const known = knownScenarios(goals, results, repairTenants, withCoupled ? results[coupledIndex] : undefined);
    const absGapLimit = repairGapBudget(results, options.gapLimit);
    const repair = await solveBlock(blockWorld(world, repairBlock), blockWeights, { ...goals, room, ...known }, { ...options, absGapLimit, onProgress: undefined, lpBound: false });
    options.onBlock?.({ index: blocks.length, of: blocks.length, tenants: repairBlock.tenants.length, repair: true, seconds: repair.seconds, status: repair.status, gap: relativeGap(repair.objective, repair.bound) });
    for (const id of repairBlock.tenants) {
      delete plan.unserved[id];
      delete plan.disasterReadiness[id];
    }
    mergeInto(target, repair.target);
    if (withCoupled) plan.unservedProducts = repair.unservedProducts;
    Object.assign(plan.unserved, repair.unserved);
    Object.assign(plan.disasterReadiness, repair.disasterReadiness);
    if (repair.status !== 'optimal') plan.status = 'time-limit';
    plan.repaired = repairBlock.tenants.length;
    plan.rounds = sumRounds([...results, repair]);
    // Conservative: the bound is certified for the plan when the repair left nothing unserved
    // (then the plan serves at least what the relaxation served, stage by stage).
    plan.boundHolds = repair.unservedTotal <= TOLERANCE;
  }
  plan.seconds = (Date.now() - started) / 1000;
  return plan;
}

/**
 * How far from its bound a block of the first pass may stop, besides its own relative gap: its share of
 * the fleet's allowance, gap × the weighted hardware cost of what runs now ÷ the number of blocks. The
 * plan's gap is the fleet's, so a block whose objective is small next to the fleet's would otherwise
 * prove far more than the plan states (at 10,000 × 30 a block of objective 44 explored 670 nodes to
 * close 0.2 of its 0.5% — a thousandth of a percent of the fleet). A fleet that runs nothing yet has no
 * such share: its blocks stop at their relative gap only.
 */
function blockGapShare(world: World, weights: PlannerWeights, currentUse: Use, gapLimit: number, blocks: number): number | undefined {
  let cost = 0;
  for (const [id, units] of currentUse) cost += units * (world.spec.resources[id.slice(id.indexOf('\u0000') + 1)]?.cost ?? 0);
  const share = (gapLimit * weights.cost * cost) / Math.max(1, blocks);
  return share > 0 ? share : undefined;
}

/**
 * How far from its bound the repair may stop: the plan's gap is the fleet's (its objective against the
 * sum of the first pass's bounds), so the repair — a small part of the fleet, asked for the same
 * relative gap — would prove far more than the plan states. It gets what the first pass left of the
 * fleet's allowance, gap × Σ bounds − Σ (objective − bound), when that is wider than its own gap; the
 * plan's gap is measured afterwards as always. (At 10,000 × 30 the repair, 100 tenants with 25 region
 * losses, otherwise ran into the time limit three times for a plan 0.54% from its bound.)
 */
function repairGapBudget(results: BlockResult[], gapLimit: number): number | undefined {
  const bound = results.reduce((a, r) => a + r.bound, 0);
  const used = results.reduce((a, r) => a + Math.max(0, r.objective - r.bound), 0);
  const left = gapLimit * bound - used;
  return left > 0 ? left : undefined;
}

/**
 * The region losses the first pass already found its tenants must be planned for: the repair re-plans
 * them with less room, where those losses bind at least as hard, so it starts from them instead of
 * finding them again one solve at a time (at 10,000 × 30 the repair's first round alone took ~50 s).
 */
function knownScenarios(goals: ModelGoals, results: BlockResult[], tenants: ReadonlySet<string>, coupled: BlockResult | undefined): Pick<ModelGoals, 'drScenarios' | 'productScenarios'> {
  const drScenarios = new Map<string, ReadonlySet<string>>(goals.drScenarios ?? []);
  for (const r of results) {
    for (const [id, regions] of r.scenarios.tenants) {
      if (tenants.has(id) && regions.size > 0) drScenarios.set(id, new Set([...(drScenarios.get(id) ?? []), ...regions]));
    }
  }
  return { drScenarios, productScenarios: new Set([...(goals.productScenarios ?? []), ...(coupled?.scenarios.products ?? [])]) };
}

/** (region, resource) pairs where the assembled target or its apply peak exceeds what the fleet may use. */
function overrunKeys(world: World, goals: ModelGoals, limits: Use, target: Deployment): Set<string> {
  const all = itemsUse(world, world.current, target, world.tenants.map((t) => t.id), true);
  const keepFree = new Map<string, number>();
  for (const g of goals.free ?? []) keepFree.set(`${g.region}\u0000${g.resource}`, (keepFree.get(`${g.region}\u0000${g.resource}`) ?? 0) + g.units);
  const out = new Set<string>();
  for (const r of world.regions) {
    for (const k of world.resources) {
      const id = `${r}\u0000${k}`;
      const finalCap = Math.max(0, world.supply(r, k) - (keepFree.get(id) ?? 0));
      if ((all.final.get(id) ?? 0) > finalCap + TOLERANCE || (all.peak.get(id) ?? 0) > (limits.get(id) ?? 0) + TOLERANCE) out.add(id);
    }
  }
  return out;
}

function mergeInto(into: Deployment, from: Deployment): void {
  Object.assign(into.tenants, from.tenants);
  Object.assign(into.reservations, from.reservations);
  Object.assign(into.products, from.products);
  Object.assign(into.followers, from.followers);
}

function sumRounds(results: BlockResult[]): BlockedPlan['rounds'] {
  return results.reduce((a, r) => ({ whole: a.whole + r.rounds.whole, few: a.few + r.rounds.few }), { whole: 0, few: 0 });
}

function sumModels(results: BlockResult[]): BlockedPlan['model'] {
  return results.reduce((a, r) => ({ rows: a.rows + r.model.rows, columns: a.columns + r.model.columns, nonzeros: a.nonzeros + r.model.nonzeros, integers: a.integers + r.model.integers }), { rows: 0, columns: 0, nonzeros: 0, integers: 0 });
}

/** Run `task` over `items`, at most `concurrency` at once; results in the items' order. */
async function mapConcurrently<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
  return out;
}
