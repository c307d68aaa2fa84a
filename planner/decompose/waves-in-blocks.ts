/**
 * Waves for a fleet planned in blocks (issue 16). The block plan is one safe step; when it leaves
 * demand unserved (or a region-loss readiness short) while some (region, resource) holds its whole
 * supply mid-apply, the part of the fleet that can use waves is planned in waves, the rest fixed at
 * its block-plan target:
 *
 *   - the sub-fleet: every tenant that holds, or is planned to hold, units in a full (region,
 *     resource) — a region over its supply (an exit) or one whose apply-time peak reaches its
 *     supply — every tenant the block plan leaves short, and the coupled block (products, followers,
 *     reservations) when it is among them or its traffic is short. Tenants elsewhere have room and
 *     need no wave to get it.
 *   - the rest of the fleet moves to its block-plan target in wave 1 and holds it afterwards. Each
 *     wave of the sub-fleet is planned (planner/waves.ts, a WaveSolver over the sub-fleet) with
 *     exactly the room the rest leaves in that wave (room.ts's exactRoom, as the blocks' repair):
 *     in wave 1 what the rest holds at its peak, max(current, target), afterwards its target. So
 *     every wave keeps Σ max(before, after) within the supply for the whole fleet.
 *
 * Room the rest of the fleet frees is used from wave 2 on; room it needs is taken in wave 1 already
 * (the rest never waits). A plan one wave suffices for is returned unchanged (undefined here).
 */
import type { PlannerWeights, TenantId } from '../../lang/spec.js';
import type { Deployment } from '../../schemas/state.js';
import { PLACEMENT_VERSION, relativeGap, type Placement } from '../../schemas/placement.js';
import type { ModelGoals } from '../model/build-placement-model.js';
import { World } from '../model/world.js';
import { avoidablyShort, solveBlock, type BlockSettings } from '../solve-block.js';
import { transitionMayBind, wavesToward, type WaveSolver } from '../waves.js';
import { blockWorld } from './block-world.js';
import type { Block } from './partition.js';
import { exactRoom, itemsUse, peakLimits, type Room } from './room.js';

const TOLERANCE = 1e-6;

/** Most tenants a fleet planned in blocks plans again in waves (four blocks' worth). */
export const MAX_WAVE_TENANTS = 200;

/**
 * Whether waves could serve more than the block plan: it leaves demand or product traffic unserved,
 * or a region-loss readiness short that some placement avoids. (A readiness no placement meets —
 * its clients reach no other region within `dr_latency` — stays short in any wave; at 1,000 × 20
 * all 11 short tenants are of that kind, and trying waves cost 26% more CPU for nothing.)
 */
function waveMayServe(world: World, plan: Placement): boolean {
  if (Object.keys(plan.unserved).length > 0 || Object.keys(plan.unservedProducts).length > 0) return true;
  return world.tenants.some((t) => {
    const dr = plan.disasterReadiness[t.id];
    return dr !== undefined && (dr.shortfall ?? 0) > TOLERANCE && (dr.lost === undefined || avoidablyShort(world, t, plan.target, dr.lost));
  });
}

export interface BlockWaves {
  /** The fleet's deployment after the last wave, and what it leaves short. */
  target: Deployment;
  unserved: Placement['unserved'];
  unservedProducts: Placement['unservedProducts'];
  disasterReadiness: Placement['disasterReadiness'];
  /** The fleet's deployment after each wave but the last (at least one). */
  intermediate: Deployment[];
  wavesShortOf?: Placement['wavesShortOf'];
  /** Tenants planned in waves (the sub-fleet). */
  tenants: number;
  /** Seconds of the sub-fleet's solves. */
  seconds: number;
  /** The last wave's solve: its status and its own absolute gap (objective − bound). */
  last: { status: 'optimal' | 'time-limit'; gap: number };
}

/**
 * The block plan `plan` (assembled for the whole fleet) in waves, or undefined when one wave is
 * all it takes: the transition rule costs it nothing, or waves would serve no more.
 */
export async function wavesInBlocks(
  world: World,
  weights: PlannerWeights,
  goals: ModelGoals,
  plan: Placement,
  blocks: Block[],
  maxWaves: number,
  settings: BlockSettings,
): Promise<BlockWaves | undefined> {
  if (maxWaves <= 1 || !transitionMayBind(world, plan)) return undefined;
  if (!waveMayServe(world, plan)) return undefined;
  const block = subFleet(world, plan, blocks);
  if (block.tenants.length === 0 && !block.coupled) return undefined;
  // A sub-fleet larger than this is a fleet-wide solve per wave (10,000 × 30: 697 tenants, 60 s rounds);
  // the plan is then one safe step, as docs/plan-output.md says.
  if (block.tenants.length > MAX_WAVE_TENANTS) return undefined;
  const fleetTarget = plan.target;
  const inBlock = new Set<TenantId>(block.tenants);
  const fixedTenants = world.tenants.map((t) => t.id).filter((id) => !inBlock.has(id));
  const fixedCoupled = !block.coupled && blocks.some((b) => b.coupled);
  const start = blockWorld(world, block);
  const blockWeights = { ...weights, balance: 0 }; // as every block: balance is a fleet-wide term

  /** The fleet before a wave of the sub-fleet from `from`: as it is now in wave 1, then the rest at its target. */
  const fleetAt = (from: Deployment) => (from === start.current ? world : new World(world.spec, merged(fleetTarget, from, block)));
  /** The sub-fleet's world from `from`, and the room the rest of the fleet leaves it in that wave. */
  const roomFrom = (from: Deployment): { sub: World; room: Room } => {
    const fleet = fleetAt(from);
    const fixed = itemsUse(fleet, fleet.current, fleetTarget, fixedTenants, fixedCoupled);
    return { sub: from === start.current ? start : blockWorld(fleet, block), room: exactRoom(fleet, peakLimits(fleet), fixed) };
  };

  let seconds = 0;
  let last: BlockWaves['last'] = { status: 'optimal', gap: 0 };
  const solve = async (from: Deployment, g: ModelGoals): Promise<Placement> => {
    const { sub, room } = roomFrom(from);
    const r = await solveBlock(sub, blockWeights, { ...g, room }, { ...settings, onProgress: undefined, lpBound: false });
    seconds += r.seconds;
    last = { status: r.status, gap: Math.max(0, r.objective - r.bound) };
    return subPlacement(r);
  };
  const solver: WaveSolver = {
    plan: solve,
    target: solve,
    oneStepAway(from, to) {
      const { sub, room } = roomFrom(from);
      const peak = itemsUse(sub, from, to, block.tenants, block.coupled).peak;
      for (const [key, units] of peak) if (units > (room.get(key)?.peak ?? 0) + TOLERANCE) return false;
      return true;
    },
  };
  const one = subPlacement({ ...pick(plan, block), target: restrict(fleetTarget, block) });
  const waves = await wavesToward(start, one, goals, maxWaves, solver);
  if (waves.intermediate.length === 0) return undefined;
  const out = pick(plan, block, true);
  const lastWave = waves.placement;
  return {
    target: merged(fleetTarget, lastWave.target, block),
    unserved: { ...out.unserved, ...lastWave.unserved },
    unservedProducts: block.coupled ? lastWave.unservedProducts : out.unservedProducts,
    disasterReadiness: { ...out.disasterReadiness, ...lastWave.disasterReadiness },
    intermediate: waves.intermediate.map((d) => merged(fleetTarget, d, block)),
    ...(lastWave.wavesShortOf ? { wavesShortOf: lastWave.wavesShortOf } : {}),
    tenants: block.tenants.length,
    seconds,
    last,
  };
}

/**
 * The tenants that can use waves: those in a full (region, resource) — over its supply now, or at
 * its supply at the block plan's apply-time peak — and those the plan leaves short; the coupled
 * block, whole, when it is among them, holds units in a full pair, or leaves product traffic unserved.
 */
function subFleet(world: World, plan: Placement, blocks: Block[]): Block {
  const full = new Set<string>();
  for (const r of world.regions) {
    for (const k of world.resources) {
      const u = plan.usage[r]?.[k];
      if ((u && u.peak > 0 && u.peak >= u.supply - TOLERANCE) || world.currentUsage(r, k) > world.supply(r, k) + TOLERANCE) full.add(`${r}\u0000${k}`);
    }
  }
  const holds = (d: Deployment['tenants'][TenantId] | undefined) =>
    Object.entries(d?.replicas ?? {}).some(([r, byK]) => Object.entries(byK).some(([k, n]) => n > 0 && full.has(`${r}\u0000${k}`)));
  const tenants = new Set<TenantId>();
  for (const t of world.tenants) {
    const short = plan.unserved[t.id] !== undefined || (plan.disasterReadiness[t.id]?.shortfall ?? 0) > TOLERANCE;
    if (short || holds(world.current.tenants[t.id]) || holds(plan.target.tenants[t.id])) tenants.add(t.id);
  }
  const coupledBlock = blocks.find((b) => b.coupled);
  let coupled = false;
  if (coupledBlock) {
    const sharedHolds = (d: Deployment) =>
      Object.entries(d.reservations).some(([g, byR]) => Object.entries(byR).some(([r, n]) => n > 0 && full.has(`${r}\u0000${world.spec.reservations[g]?.resource}`))) ||
      Object.values(d.followers).some((byR) => Object.entries(byR).some(([r, byK]) => Object.entries(byK).some(([k, n]) => n > 0 && full.has(`${r}\u0000${k}`))));
    coupled =
      coupledBlock.tenants.some((id) => tenants.has(id)) || Object.keys(plan.unservedProducts).length > 0 || sharedHolds(world.current) || sharedHolds(plan.target);
    if (coupled) for (const id of coupledBlock.tenants) tenants.add(id);
  }
  return { tenants: [...tenants].sort(), coupled };
}

/** The fleet's deployment with the sub-fleet's part (tenants; products, followers, reservations when coupled) taken from `sub`. */
function merged(fleet: Deployment, sub: Deployment, block: Block): Deployment {
  const tenants = { ...fleet.tenants };
  for (const id of block.tenants) {
    if (sub.tenants[id]) tenants[id] = sub.tenants[id];
    else delete tenants[id];
  }
  const shared = block.coupled ? sub : fleet;
  return { tenants: sortedKeys(tenants), reservations: shared.reservations, products: shared.products, followers: shared.followers };
}

/** The sub-fleet's part of a deployment. */
function restrict(d: Deployment, block: Block): Deployment {
  const tenants: Deployment['tenants'] = {};
  for (const id of block.tenants) if (d.tenants[id]) tenants[id] = d.tenants[id];
  return { tenants, reservations: block.coupled ? d.reservations : {}, products: block.coupled ? d.products : {}, followers: block.coupled ? d.followers : {} };
}

/** What the plan leaves short, for the sub-fleet (or, with `outside`, for the rest of the fleet). */
function pick(plan: Placement, block: Block, outside = false): Pick<Placement, 'unserved' | 'unservedProducts' | 'disasterReadiness'> {
  const inBlock = new Set<string>(block.tenants);
  const keep = (id: string) => inBlock.has(id) !== outside;
  return {
    unserved: Object.fromEntries(Object.entries(plan.unserved).filter(([id]) => keep(id))) as Placement['unserved'],
    unservedProducts: block.coupled !== outside ? plan.unservedProducts : {},
    disasterReadiness: Object.fromEntries(Object.entries(plan.disasterReadiness).filter(([id]) => keep(id))),
  };
}

/** A sub-fleet solve as the Placement planWaves reads (what it serves and its target; no report of its own). */
function subPlacement(r: Pick<Placement, 'unserved' | 'unservedProducts' | 'disasterReadiness'> & { target?: Deployment; status?: 'optimal' | 'time-limit'; objective?: number; bound?: number; seconds?: number }): Placement {
  const objective = r.objective ?? 0;
  const bound = r.bound ?? 0;
  return {
    version: PLACEMENT_VERSION,
    target: r.target ?? { tenants: {}, reservations: {}, products: {}, followers: {} },
    failover: {},
    unserved: r.unserved,
    unservedProducts: r.unservedProducts,
    usage: {},
    disasterReadiness: r.disasterReadiness,
    solver: { status: r.status ?? 'optimal', objective, bound, boundKind: 'decomposition', gap: relativeGap(objective, bound), seconds: r.seconds ?? 0, model: { rows: 0, columns: 0, nonzeros: 0, integers: 0 }, terms: {} },
  };
}

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
