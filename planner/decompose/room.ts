/**
 * Shared supply between blocks. Each (region, resource) has two limits in the
 * model: the target's units ≤ supply, and the units held mid-apply,
 * Σ max(current, target), ≤ max(supply, what runs now). A block planned apart
 * gets "room" under both:
 *
 *   relaxed (first pass)  the whole supply for the target, and for the peak
 *                         what the others hold now (they can never hold less
 *                         during the apply). Every block sees at least what it
 *                         could have in any feasible fleet plan, so the sum of
 *                         the blocks' optima is a lower bound on the fleet's.
 *   exact (repair)        what the fixed part of the fleet leaves, for both.
 */
import type { Deployment } from '../../schemas/state.js';
import type { TenantId } from '../../lang/spec.js';
import type { World } from '../model/world.js';

export type Use = Map<string, number>;
export type Room = Map<string, { final: number; peak: number }>;

const key = (r: string, k: string) => `${r}\u0000${k}`;

function add(use: Use, r: string, k: string, v: number): void {
  if (v !== 0) use.set(key(r, k), (use.get(key(r, k)) ?? 0) + v);
}

/** Units per (region, resource) of some tenants (and, for the coupled block, reservations and followers): final and peak. */
export function itemsUse(world: World, current: Deployment, target: Deployment, tenants: Iterable<TenantId>, coupled: boolean): { final: Use; peak: Use } {
  const final: Use = new Map();
  const peak: Use = new Map();
  for (const id of tenants) {
    const a = current.tenants[id]?.replicas ?? {};
    const b = target.tenants[id]?.replicas ?? {};
    for (const r of new Set([...Object.keys(a), ...Object.keys(b)])) {
      for (const k of new Set([...Object.keys(a[r] ?? {}), ...Object.keys(b[r] ?? {})])) {
        const units = world.unitsPerReplica(id, k, true);
        add(final, r, k, (b[r]?.[k] ?? 0) * units);
        add(peak, r, k, Math.max(a[r]?.[k] ?? 0, b[r]?.[k] ?? 0) * units);
      }
    }
  }
  if (coupled) {
    for (const g of new Set([...Object.keys(current.reservations), ...Object.keys(target.reservations)])) {
      const k = world.spec.reservations[g]?.resource;
      if (!k) continue;
      for (const r of world.regions) {
        add(final, r, k, target.reservations[g]?.[r] ?? 0);
        add(peak, r, k, Math.max(current.reservations[g]?.[r] ?? 0, target.reservations[g]?.[r] ?? 0));
      }
    }
    for (const S of new Set([...Object.keys(current.followers), ...Object.keys(target.followers)])) {
      for (const r of world.regions) {
        const a = current.followers[S]?.[r] ?? {};
        const b = target.followers[S]?.[r] ?? {};
        for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
          add(final, r, k, b[k] ?? 0);
          add(peak, r, k, Math.max(a[k] ?? 0, b[k] ?? 0));
        }
      }
    }
  }
  return { final, peak };
}

/**
 * What the Spec's fleet may hold mid-apply per (region, resource): max(supply, what runs now), less
 * what tenants removed from the Spec hold until they are downsized (they are in no block).
 */
export function peakLimits(world: World): Use {
  const removed = itemsUse(world, world.current, world.current, world.removedTenants(), false).peak;
  const out: Use = new Map();
  for (const r of world.regions) {
    for (const k of world.resources) out.set(key(r, k), Math.max(world.supply(r, k), world.currentUsage(r, k)) - (removed.get(key(r, k)) ?? 0));
  }
  return out;
}

/** First pass: the whole supply for the target; for the peak, the limit less what everyone else holds now. */
export function relaxedRoom(world: World, limits: Use, currentAll: Use, currentOwn: Use): Room {
  const room: Room = new Map();
  for (const r of world.regions) {
    for (const k of world.resources) {
      const id = key(r, k);
      const others = (currentAll.get(id) ?? 0) - (currentOwn.get(id) ?? 0);
      room.set(id, { final: world.supply(r, k), peak: Math.max(0, (limits.get(id) ?? 0) - others) });
    }
  }
  return room;
}

/** Repair: what the fixed part of the fleet leaves. */
export function exactRoom(world: World, limits: Use, fixed: { final: Use; peak: Use }): Room {
  const room: Room = new Map();
  for (const r of world.regions) {
    for (const k of world.resources) {
      const id = key(r, k);
      room.set(id, { final: Math.max(0, world.supply(r, k) - (fixed.final.get(id) ?? 0)), peak: Math.max(0, (limits.get(id) ?? 0) - (fixed.peak.get(id) ?? 0)) });
    }
  }
  return room;
}
