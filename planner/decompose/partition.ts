/**
 * Splitting the fleet into blocks that are planned apart. Tenants are
 * independent of each other except through shared supply (which the blocks
 * share by the "room" each gets, see room.ts) and through the few things that
 * tie them together in the model itself: products and the services and
 * tenants that follow them, reservations, and — when it is weighted — the
 * balance of a service's tenants. Whatever is tied goes into one block, the
 * `coupled` one; the rest is cut into blocks of about `blockTenants` tenants
 * in name order, so the same Spec always gives the same blocks.
 */
import type { PlannerWeights, TenantId } from '../../lang/spec.js';
import type { World } from '../model/world.js';

export interface Block {
  /** Tenants planned in this block, sorted. */
  tenants: TenantId[];
  /** The block that holds products, followers and reservations (at most one). */
  coupled: boolean;
}

/** Above this many tenants the fleet is planned in blocks of about this size. */
export const DEFAULT_BLOCK_TENANTS = 50;

/** Services that follow a product (or keep residual capacity for one). */
function followingServices(spec: World['spec']): string[] {
  return Object.keys(spec.services).filter((s) => Object.keys(spec.services[s].follows).length > 0 || Object.keys(spec.services[s].residual).length > 0);
}

/** Tenants tied to products (following one, or of a service that follows one): they are planned together. */
export function tiedTenants(world: World): Set<TenantId> {
  const following = new Set(followingServices(world.spec));
  return new Set(world.tenants.filter((t) => following.has(t.service) || Object.keys(t.spec.follows ?? {}).length > 0).map((t) => t.id));
}

export function partitionFleet(world: World, weights: PlannerWeights, blockTenants: number): Block[] {
  const spec = world.spec;
  const tied = tiedTenants(world);
  const coupled = world.tenants.filter((t) => tied.has(t.id)).map((t) => t.id);
  const free = world.tenants.filter((t) => !tied.has(t.id)).map((t) => t.id);
  const hasCoupling =
    coupled.length > 0 || followingServices(spec).length > 0 || Object.keys(spec.products).length > 0 || Object.keys(spec.reservations).length > 0;

  // Tenants of one service stay together when service balance ties them.
  const units: TenantId[][] = [];
  if (weights.serviceBalance > 0) {
    const byService = new Map<string, TenantId[]>();
    for (const id of free) {
      const s = id.slice(0, id.indexOf('/'));
      (byService.get(s) ?? byService.set(s, []).get(s)!).push(id);
    }
    for (const ids of byService.values()) units.push(ids);
  } else {
    for (const id of free) units.push([id]);
  }

  const blocks: Block[] = [];
  if (hasCoupling) blocks.push({ tenants: coupled, coupled: true });
  // Blocks of even size (101 free tenants: 34 + 34 + 33, not 50 + 50 + 1), so that two workers finish together.
  const evenSize = Math.ceil(free.length / Math.max(1, Math.ceil(free.length / blockTenants)));
  let current: TenantId[] = [];
  for (const unit of units) {
    if (current.length > 0 && current.length + unit.length > evenSize) {
      blocks.push({ tenants: current, coupled: false });
      current = [];
    }
    current.push(...unit);
  }
  if (current.length > 0) blocks.push({ tenants: current, coupled: false });
  // A coupled block with few tenants takes in the first free block, so that small fleets stay one model.
  // (Not otherwise: products make a block's shortfall solves several times slower, and merged with free
  // tenants that cost would be paid on a larger model.)
  if (blocks.length === 2 && blocks[0].coupled && blocks[0].tenants.length + blocks[1].tenants.length <= blockTenants) {
    return [{ tenants: [...blocks[0].tenants, ...blocks[1].tenants].sort(), coupled: true }];
  }
  for (const b of blocks) b.tenants.sort();
  return blocks;
}
