/**
 * The World one block sees: the Spec and the current Deployment cut down to
 * the block's tenants. Regions, resources, supply and latency stay whole; the
 * supply rows are then replaced by the room the block may use (room.ts).
 * Products, reservations and followers belong to the coupled block only.
 */
import type { Deployment } from '../../schemas/state.js';
import type { Service, Spec, TenantId } from '../../lang/spec.js';
import { World } from '../model/world.js';
import type { Block } from './partition.js';

export function blockWorld(world: World, block: Block): World {
  const ids = new Set<TenantId>(block.tenants);
  const spec = world.spec;
  // Only the services of the block's tenants are looked into (the coupled block also keeps followers and
  // residuals): a fleet's blocks would otherwise each walk every tenant of the fleet.
  const own = new Set(block.tenants.map((id) => id.slice(0, id.indexOf('/'))));
  const services: Record<string, Service> = {};
  for (const [name, s] of Object.entries(spec.services)) {
    if (!block.coupled && !own.has(name)) continue;
    const tenants: Service['tenants'] = {};
    for (const [t, tenant] of Object.entries(s.tenants)) if (ids.has(`${name}/${t}`)) tenants[t] = tenant;
    const follows = block.coupled ? s.follows : {};
    const residual = block.coupled ? s.residual : {};
    if (Object.keys(tenants).length === 0 && Object.keys(follows).length === 0 && Object.keys(residual).length === 0) continue;
    services[name] = { ...s, tenants, follows, residual };
  }
  const blockSpec: Spec = {
    ...spec,
    services,
    products: block.coupled ? spec.products : {},
    reservations: block.coupled ? spec.reservations : {},
  };
  const current: Deployment = {
    tenants: {},
    reservations: block.coupled ? world.current.reservations : {},
    products: block.coupled ? world.current.products : {},
    followers: block.coupled ? world.current.followers : {},
  };
  for (const id of block.tenants) {
    const d = world.current.tenants[id];
    if (d) current.tenants[id] = d;
  }
  return new World(blockSpec, current);
}
