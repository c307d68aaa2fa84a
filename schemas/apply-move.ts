/**
 * The effect of one move on a deployment. Moves carry absolute targets, so
 * applying a move twice gives the same deployment as applying it once —
 * which is what makes resuming an interrupted apply safe.
 */
import type { TenantId } from '../lang/spec.js';
import type { Move } from './plan.js';
import type { Deployment, RoutingMatrix, TenantDeployment } from './state.js';

export function applyMove<D extends Deployment>(deployment: D, move: Move): D {
  // Copy only the path the move changes (a move changes one subject): a deep copy of the whole
  // deployment per move made apply quadratic in the fleet (1,000 tenants: 15.6 of 64 CPU seconds).
  // The input is never changed; what the move does not touch is shared with it.
  switch (move.kind) {
    case 'upsize':
    case 'downsize': {
      const s = move.subject;
      if (s.type === 'tenant') {
        const next = { ...deployment, tenants: { ...deployment.tenants } };
        const t = (next.tenants[s.tenant] = copyTenant(deployment.tenants[s.tenant]));
        setCount(t.replicas, move.region, move.resource, move.to);
        recordUnits(t, move.resource, move.units);
        if (Object.keys(t.replicas).length === 0 && Object.keys(t.routing).length === 0) delete next.tenants[s.tenant];
        return next;
      }
      if (s.type === 'reservation') {
        const next = { ...deployment, reservations: { ...deployment.reservations } };
        const g = (next.reservations[s.reservation] = { ...(deployment.reservations[s.reservation] ?? {}) });
        if (move.to > 0) g[move.region] = move.to;
        else delete g[move.region];
        return next;
      }
      const next = { ...deployment, followers: { ...deployment.followers } };
      const f = (next.followers[s.service] = structuredClone(deployment.followers[s.service] ?? {}));
      setCount(f, move.region, move.resource, move.to);
      if (Object.keys(f).length === 0) delete next.followers[s.service];
      return next;
    }
    case 'route': {
      const next = { ...deployment, tenants: { ...deployment.tenants } };
      const t = (next.tenants[move.tenant as TenantId] = copyTenant(deployment.tenants[move.tenant as TenantId]));
      for (const [cls, matrix] of Object.entries(move.routing)) {
        if (Object.keys(matrix).length === 0) delete t.routing[cls];
        else t.routing[cls] = structuredClone(matrix) as RoutingMatrix;
      }
      if (Object.keys(t.replicas).length === 0 && Object.keys(t.routing).length === 0) delete next.tenants[move.tenant as TenantId];
      return next;
    }
    case 'shift':
      return { ...deployment, products: { ...deployment.products, [move.product]: structuredClone(move.routing) } };
  }
}

function copyTenant(t: TenantDeployment | undefined): TenantDeployment {
  return t ? structuredClone(t) : { replicas: {}, routing: {} };
}

function setCount(map: Record<string, Record<string, number>>, region: string, resource: string, to: number): void {
  const byRes = (map[region] ??= {});
  if (to > 0) byRes[resource] = to;
  else delete byRes[resource];
  if (Object.keys(byRes).length === 0) delete map[region];
}

/**
 * Keep the units one replica takes beside the count (the Spec may drop the tenant later, and
 * its size must stay known until it is gone); forget them once no region runs that resource.
 */
function recordUnits(t: TenantDeployment, resource: string, units: number | undefined): void {
  const runs = Object.values(t.replicas).some((byRes) => (byRes[resource] ?? 0) > 0);
  if (runs && units !== undefined) (t.units ??= {})[resource] = units;
  else if (!runs && t.units) delete t.units[resource];
  if (t.units && Object.keys(t.units).length === 0) delete t.units;
}
