/**
 * Re-planning after a small change (issue "Fleet scale", incremental): when
 * the state records the intent it was planned from and nothing the fleet
 * shares has changed, only the tenants whose intent changed are planned again
 * — as one block, with exactly the room the rest of the fleet leaves — and
 * everything else keeps what it runs. The plan then moves only what the
 * change requires. When that block cannot serve all its demand (the rest of
 * the fleet would have to move to make room), the caller plans in full.
 */
import type { Deployment } from '../schemas/state.js';
import type { PlannerWeights, TenantId } from '../lang/spec.js';
import { blockWorld } from './decompose/block-world.js';
import { exactRoom, itemsUse, peakLimits } from './decompose/room.js';
import { disasterReadiness } from './extract.js';
import type { ModelGoals } from './model/build-placement-model.js';
import type { World } from './model/world.js';
import type { Placement } from '../schemas/placement.js';
import { solveBlock, type BlockResult, type BlockSettings } from './solve-block.js';

export interface IncrementalPlan {
  target: Deployment;
  unserved: Placement['unserved'];
  unservedProducts: Placement['unservedProducts'];
  disasterReadiness: Placement['disasterReadiness'];
  block: BlockResult;
  replanned: number;
  kept: number;
}

/** The tenants to plan again, or undefined when this change needs a full plan. */
export function tenantsToReplan(world: World, changed: Set<TenantId>, coupled: Set<TenantId>, limit: number): TenantId[] | undefined {
  const out = new Set<TenantId>();
  for (const id of changed) {
    if (coupled.has(id)) return undefined; // tied to products or followers: the coupled block moves as one
    out.add(id);
  }
  return out.size <= limit ? [...out].sort() : undefined;
}

export async function planIncrementally(world: World, weights: PlannerWeights, goals: ModelGoals, replan: TenantId[], settings: BlockSettings): Promise<IncrementalPlan | undefined> {
  const again = new Set(replan);
  const kept = world.tenants.map((t) => t.id).filter((id) => !again.has(id));
  const fixed = itemsUse(world, world.current, world.current, kept, true);
  const room = exactRoom(world, peakLimits(world), fixed);
  const block = await solveBlock(blockWorld(world, { tenants: replan, coupled: false }), { ...weights, balance: 0 }, { ...goals, room }, { ...settings, lpBound: false });
  if (block.unservedTotal > 1e-6) return undefined;
  const target: Deployment = {
    tenants: {},
    reservations: world.current.reservations,
    products: world.current.products,
    followers: world.current.followers,
  };
  for (const id of kept) if (world.current.tenants[id]) target.tenants[id] = world.current.tenants[id];
  Object.assign(target.tenants, block.target.tenants);
  return {
    target,
    unserved: block.unserved,
    unservedProducts: {},
    disasterReadiness: disasterReadiness(world, target),
    block,
    replanned: replan.length,
    kept: kept.length,
  };
}
