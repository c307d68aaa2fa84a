/**
 * What changes between the current deployment and the target: the diff a
 * reviewer reads. Routing changes smaller than the threshold (0.5% by
 * default) are solver noise and are not shown.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { Deployment, ReplicaCounts, RoutingMatrix } from '../schemas/state.js';
import type { CountsDiff, PlanDiff, ReplicaChange, RoutingChange, TenantDiff } from '../schemas/plan.js';

export const DEFAULT_ROUTING_THRESHOLD = 0.005;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function diffCounts(from: ReplicaCounts, to: ReplicaCounts): ReplicaChange[] {
  const out: ReplicaChange[] = [];
  for (const region of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort(byName)) {
    for (const resource of [...new Set([...Object.keys(from[region] ?? {}), ...Object.keys(to[region] ?? {})])].sort(byName)) {
      const a = from[region]?.[resource] ?? 0;
      const b = to[region]?.[resource] ?? 0;
      if (Math.abs(a - b) > 1e-9) out.push({ region, resource, from: a, to: b });
    }
  }
  return out;
}

export function diffMatrix(from: RoutingMatrix, to: RoutingMatrix, threshold: number): { client: string; server: string; from: number; to: number }[] {
  const out: { client: string; server: string; from: number; to: number }[] = [];
  for (const client of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort(byName)) {
    const a = from[client] ?? {};
    const b = to[client] ?? {};
    const servers = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(byName);
    // A row is shown when any of its weights moved by the threshold or more; then the whole row is shown.
    if (!servers.some((s) => Math.abs((a[s] ?? 0) - (b[s] ?? 0)) >= threshold)) continue;
    for (const server of servers) out.push({ client, server, from: a[server] ?? 0, to: b[server] ?? 0 });
  }
  return out;
}

export function diffTenant(id: TenantId, current: Deployment, target: Deployment, threshold: number): TenantDiff {
  const a = current.tenants[id];
  const b = target.tenants[id];
  const replicas = diffCounts(a?.replicas ?? {}, b?.replicas ?? {});
  const routing: RoutingChange[] = [];
  for (const cls of [...new Set([...Object.keys(a?.routing ?? {}), ...Object.keys(b?.routing ?? {})])].sort(byName)) {
    for (const c of diffMatrix(a?.routing[cls] ?? {}, b?.routing[cls] ?? {}, threshold)) routing.push({ class: cls, ...c });
  }
  const existsBefore = a !== undefined && (Object.keys(a.replicas).length > 0 || Object.keys(a.routing).length > 0);
  const existsAfter = b !== undefined && (Object.keys(b.replicas).length > 0 || Object.keys(b.routing).length > 0);
  const change = !existsBefore && existsAfter ? 'create' : existsBefore && !existsAfter ? 'delete' : replicas.length + routing.length > 0 ? 'update' : 'none';
  return { tenant: id, change, replicas, routing };
}

export function diffDeployments(spec: Spec, current: Deployment, target: Deployment, options: { routingThreshold?: number } = {}): Omit<PlanDiff, 'regions'> {
  const threshold = options.routingThreshold ?? DEFAULT_ROUTING_THRESHOLD;
  const ids = [...new Set([...Object.keys(current.tenants), ...Object.keys(target.tenants)])].sort(byName) as TenantId[];
  const tenants = ids.map((id) => diffTenant(id, current, target, threshold));
  const reservations: CountsDiff[] = [];
  for (const name of [...new Set([...Object.keys(current.reservations), ...Object.keys(target.reservations)])].sort(byName)) {
    const changes = diffCounts(asCounts(current.reservations[name] ?? {}, spec.reservations[name]?.resource), asCounts(target.reservations[name] ?? {}, spec.reservations[name]?.resource));
    if (changes.length > 0) reservations.push({ name, changes });
  }
  const followers: CountsDiff[] = [];
  for (const name of [...new Set([...Object.keys(current.followers), ...Object.keys(target.followers)])].sort(byName)) {
    const changes = diffCounts(current.followers[name] ?? {}, target.followers[name] ?? {});
    if (changes.length > 0) followers.push({ name, changes });
  }
  const products = [];
  for (const product of [...new Set([...Object.keys(current.products), ...Object.keys(target.products)])].sort(byName)) {
    const changes = diffMatrix(current.products[product] ?? {}, target.products[product] ?? {}, threshold);
    if (changes.length > 0) products.push({ product, changes });
  }
  return { tenants, reservations, followers, products };
}

function asCounts(byRegion: Record<string, number>, resource = 'units'): ReplicaCounts {
  const out: ReplicaCounts = {};
  for (const [r, n] of Object.entries(byRegion)) out[r] = { [resource]: n };
  return out;
}
