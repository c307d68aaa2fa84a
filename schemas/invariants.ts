/**
 * What must hold at every moment of an apply: no region holds more of a
 * resource than its supply (or, where it already did before the apply
 * started, more than it did then), and every tenant's capacity in a region
 * covers the traffic routed there — likewise every follower service's
 * capacity covers what its products' traffic needs.
 */
import type { Spec, Tenant, TenantId } from '../lang/spec.js';
import { applyMove } from './apply-move.js';
import type { Move } from './plan.js';
import { replicaUnits, type Deployment, type TenantDeployment } from './state.js';

export type InvariantViolation =
  | { kind: 'supply'; region: string; resource: string; used: number; limit: number }
  | { kind: 'capacity'; tenant: TenantId; region: string; routed: number; capacity: number }
  | { kind: 'follower'; service: string; region: string; resource: string; needed: number; capacity: number };

const TOL = 1e-6;

/**
 * How far rounding can move the traffic one routing row sends to one of its regions: weights are stored
 * to 1e-6 (half of that either way) and the row's largest weight takes what the others' rounding left
 * of 1, so a row of n regions may be off by n × 1e-6 of its demand there. At a client of 3,400 rps that
 * is 0.0034 rps — more than a fixed tolerance allows, and no capacity the plan meant to exceed.
 */
export function weightRounding(demand: number, regions: number): number {
  return demand * Math.max(1, regions) * 1e-6;
}

/**
 * The part of the invariant to check: the supply of some (region, resource) pairs
 * (`region\u0000resource` keys), the capacity of some tenants, the need of some follower
 * services — or all of each. Every family is computed by the same code whatever the scope, so
 * a violation inside the scope is the very one the whole check finds (same figures, added in
 * the same order); what lies outside is not looked at.
 */
export interface InvariantScope {
  supply: ReadonlySet<string> | 'all';
  tenants: ReadonlySet<string> | 'all';
  followers: ReadonlySet<string> | 'all';
}

export const WHOLE_DEPLOYMENT: InvariantScope = { supply: 'all', tenants: 'all', followers: 'all' };

const pairKey = (region: string, resource: string) => `${region}\u0000${resource}`;
const byName = (a: string, b: string) => (a < b ? -1 : 1);

/** Units in use per (region, resource): every pair, or only those of `pairs` (the same sums, added in the same order). */
export function usageByRegion(spec: Spec, d: Deployment, pairs: ReadonlySet<string> | 'all' = 'all'): Map<string, number> {
  const used = new Map<string, number>();
  const add = (r: string, k: string, v: number) => used.set(pairKey(r, k), (used.get(pairKey(r, k)) ?? 0) + v);
  const only = pairs === 'all' ? undefined : [...pairs].map((key) => key.split('\u0000') as [string, string]);
  /** Each (region, resource, count) of a region → resource → count map, or only those of the pairs asked for. */
  const each = (byRegion: Record<string, Record<string, number>>, visit: (r: string, k: string, n: number) => void) => {
    if (!only) {
      for (const [r, byRes] of Object.entries(byRegion)) for (const [k, n] of Object.entries(byRes)) visit(r, k, n);
      return;
    }
    for (const [r, k] of only) {
      const byRes = Object.hasOwn(byRegion, r) ? byRegion[r] : undefined;
      if (byRes && Object.hasOwn(byRes, k)) visit(r, k, byRes[k]);
    }
  };
  // (for…in, not Object.entries: per move this loop runs over every tenant, and the same order without an array per tenant)
  for (const id in d.tenants) {
    // The same units as the plan's figures (replicaUnits); 1 where nobody knows — the plan warns of it.
    each(d.tenants[id as TenantId].replicas, (r, k, n) => add(r, k, n * (replicaUnits(spec, d, id as TenantId, k) ?? 1)));
  }
  for (const [g, byRegion] of Object.entries(d.reservations)) {
    const k = spec.reservations[g]?.resource;
    if (!k) continue;
    if (!only) for (const [r, m] of Object.entries(byRegion)) add(r, k, m);
    else for (const [r, kk] of only) if (kk === k && Object.hasOwn(byRegion, r)) add(r, k, byRegion[r]);
  }
  for (const byRegion of Object.values(d.followers)) each(byRegion, add);
  return used;
}

/** Demand of a tenant's classes that follow products: class × region → rate × traffic served there. */
export function followedDemand(spec: Spec, tenant: Tenant, d: Deployment): Map<string, number> {
  return followed(spec, tenant, d).demand;
}

/**
 * Followed demand, and how far the product's shares (stored to 1e-6, as routing weights are) may move
 * it: class × region → rate × Σ weightRounding(traffic of each client whose row serves there).
 */
function followed(spec: Spec, tenant: Tenant, d: Deployment): { demand: Map<string, number>; rounding: Map<string, number> } {
  const demand = new Map<string, number>();
  const rounding = new Map<string, number>();
  for (const [P, rates] of Object.entries(tenant.follows ?? {})) {
    const product = spec.products[P];
    if (!product) continue;
    const served = new Map<string, number>();
    const error = new Map<string, number>();
    for (const [client, row] of Object.entries(d.products[P] ?? {})) {
      const traffic = product.demand[client] ?? 0;
      for (const [r, share] of Object.entries(row)) {
        served.set(r, (served.get(r) ?? 0) + traffic * share);
        error.set(r, (error.get(r) ?? 0) + weightRounding(traffic, Object.keys(row).length));
      }
    }
    for (const [cls, rate] of Object.entries(rates)) {
      for (const [r, traffic] of served) {
        const key = `${cls}\u0000${r}`;
        demand.set(key, (demand.get(key) ?? 0) + rate * traffic);
        rounding.set(key, (rounding.get(key) ?? 0) + rate * (error.get(r) ?? 0));
      }
    }
  }
  return { demand, rounding };
}

/**
 * `allowance`: units of each (region, resource) in use when the apply
 * started (see usageByRegion); a region already over its supply then may
 * stay there, never grow. `scope`: the part to check (everything unless told).
 */
export function checkInvariants(spec: Spec, d: Deployment, allowance: Map<string, number> = new Map(), scope: InvariantScope = WHOLE_DEPLOYMENT): InvariantViolation[] {
  return [...supplyViolations(spec, d, allowance, scope.supply), ...capacityViolations(spec, d, scope.tenants), ...followerViolations(spec, d, scope.followers)];
}

/** No region holds more of a resource than its supply, or than it held when the apply started. */
function supplyViolations(spec: Spec, d: Deployment, allowance: Map<string, number>, pairs: InvariantScope['supply']): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  for (const [key, used] of [...usageByRegion(spec, d, pairs)].sort(([a], [b]) => byName(a, b))) {
    const [r, k] = key.split('\u0000');
    const limit = Math.max(spec.regions[r]?.supply[k] ?? 0, allowance.get(key) ?? 0);
    if (used > limit + TOL) out.push({ kind: 'supply', region: r, resource: k, used, limit });
  }
  return out;
}

/** Every tenant's capacity in a region covers the traffic routed there (its own demand and what it follows). */
function capacityViolations(spec: Spec, d: Deployment, tenants: InvariantScope['tenants']): InvariantViolation[] {
  const ids = tenants === 'all' ? Object.keys(d.tenants) : [...tenants].filter((id) => Object.hasOwn(d.tenants, id));
  const out: InvariantViolation[] = [];
  for (const id of ids.sort(byName)) out.push(...tenantCapacityViolations(spec, d, id as TenantId, d.tenants[id as TenantId]));
  return out;
}

function tenantCapacityViolations(spec: Spec, d: Deployment, id: TenantId, t: TenantDeployment): InvariantViolation[] {
  const [s, name] = id.split('/');
  const tenant = spec.services[s]?.tenants[name];
  if (!tenant) return []; // a tenant being removed: nothing routes to it any more
  const routed = new Map<string, number>();
  const rounding = new Map<string, number>();
  const follows = followed(spec, tenant, d);
  for (const [cls, matrix] of Object.entries(t.routing)) {
    for (const [client, row] of Object.entries(matrix)) {
      const key = `${cls}\u0000${client}`;
      const demand = (tenant.demand[cls]?.[client] ?? 0) + (follows.demand.get(key) ?? 0);
      const error = weightRounding(demand, Object.keys(row).length);
      const followedError = follows.rounding.get(key) ?? 0;
      for (const [r, w] of Object.entries(row)) {
        routed.set(r, (routed.get(r) ?? 0) + demand * w);
        rounding.set(r, (rounding.get(r) ?? 0) + error + followedError * w);
      }
    }
  }
  const out: InvariantViolation[] = [];
  for (const [r, load] of [...routed].sort(([a], [b]) => byName(a, b))) {
    const capacity = Object.entries(t.replicas[r] ?? {}).reduce((sum, [k, n]) => sum + n * (tenant.replicas[k]?.serves ?? 0) * tenant.targetUtilization, 0);
    if (load > capacity * (1 + 1e-5) + 1e-3 + (rounding.get(r) ?? 0)) out.push({ kind: 'capacity', tenant: id, region: r, routed: load, capacity });
  }
  return out;
}

/** Every follower service's capacity covers what its products' traffic needs, plus its residual. */
function followerViolations(spec: Spec, d: Deployment, services: InvariantScope['followers']): InvariantViolation[] {
  const names = services === 'all' ? Object.keys(spec.services) : [...services].filter((S) => Object.hasOwn(spec.services, S));
  const out: InvariantViolation[] = [];
  for (const S of names.sort(byName)) {
    const service = spec.services[S];
    if (Object.keys(service.follows).length === 0) continue;
    const needed = new Map<string, number>();
    for (const [P, contract] of Object.entries(service.follows)) {
      const product = spec.products[P];
      if (!product) continue;
      for (const [client, row] of Object.entries(d.products[P] ?? {})) {
        for (const [r, share] of Object.entries(row)) {
          for (const [k, alpha] of Object.entries(contract.perUnit)) {
            needed.set(pairKey(r, k), (needed.get(pairKey(r, k)) ?? 0) + alpha * (product.demand[client] ?? 0) * share);
          }
        }
      }
    }
    for (const [key, need] of [...needed].sort(([a], [b]) => byName(a, b))) {
      const [r, k] = key.split('\u0000');
      const capacity = d.followers[S]?.[r]?.[k] ?? 0;
      const residual = service.residual[r]?.[k] ?? 0;
      // Shares are stored to 1e-6: allow that rounding, relative to what is needed.
      if (need + residual > capacity + 1e-4 + (need + residual) * 2e-6) out.push({ kind: 'follower', service: S, region: r, resource: k, needed: need + residual, capacity });
    }
  }
  return out;
}

/**
 * What a move can change of the invariant, so that checking that scope before and after it
 * finds every violation it introduces or worsens. A resize changes the supply of its
 * (region, resource) — and, since it records how many units one replica takes, of every
 * region where the tenant runs that resource — and its subject's capacity; a route changes
 * its tenant's routed traffic; a shift changes the demand of the tenants and the need of the
 * follower services that follow the product.
 */
export function scopeOfMove(spec: Spec, before: Deployment, after: Deployment, move: Move): InvariantScope {
  const supply = new Set<string>();
  const tenants = new Set<string>();
  const followers = new Set<string>();
  switch (move.kind) {
    case 'upsize':
    case 'downsize': {
      const s = move.subject;
      if (s.type === 'tenant') {
        tenants.add(s.tenant);
        supply.add(pairKey(move.region, move.resource));
        for (const d of [before, after]) {
          const replicas = Object.hasOwn(d.tenants, s.tenant) ? d.tenants[s.tenant].replicas : {};
          for (const [r, byRes] of Object.entries(replicas)) if (Object.hasOwn(byRes, move.resource)) supply.add(pairKey(r, move.resource));
        }
      } else if (s.type === 'reservation') {
        const k = spec.reservations[s.reservation]?.resource;
        if (k) supply.add(pairKey(move.region, k));
      } else {
        followers.add(s.service);
        supply.add(pairKey(move.region, move.resource));
      }
      break;
    }
    case 'route':
      tenants.add(move.tenant);
      break;
    case 'shift':
      for (const [S, service] of Object.entries(spec.services)) {
        if (Object.hasOwn(service.follows, move.product)) followers.add(S);
        for (const [name, tenant] of Object.entries(service.tenants)) if (tenant.follows && Object.hasOwn(tenant.follows, move.product)) tenants.add(`${S}/${name}`);
      }
      break;
  }
  return { supply, tenants, followers };
}

/**
 * The violations `move` would introduce or worsen from `before` (see newViolations), looking
 * only at what it touches: per move, a few rows instead of the whole deployment twice.
 */
export function moveViolations(spec: Spec, before: Deployment, move: Move, allowance: Map<string, number> = new Map()): InvariantViolation[] {
  const after = applyMove(before, move);
  const scope = scopeOfMove(spec, before, after, move);
  return newViolations(checkInvariants(spec, before, allowance, scope), checkInvariants(spec, after, allowance, scope));
}

export function describeViolation(v: InvariantViolation): string {
  switch (v.kind) {
    case 'supply':
      return `${v.region}/${v.resource} would use ${round(v.used)} units, over its limit of ${round(v.limit)}`;
    case 'capacity':
      return `${v.tenant} would have ${round(v.capacity)} rps of capacity in ${v.region} for ${round(v.routed)} rps routed there`;
    case 'follower':
      return `follower ${v.service} would have ${round(v.capacity)} ${v.resource} in ${v.region} for ${round(v.needed)} needed`;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function violationKey(v: InvariantViolation): string {
  switch (v.kind) {
    case 'supply':
      return `supply:${v.region}:${v.resource}`;
    case 'capacity':
      return `capacity:${v.tenant}:${v.region}`;
    case 'follower':
      return `follower:${v.service}:${v.region}:${v.resource}`;
  }
}

function shortfall(v: InvariantViolation): number {
  switch (v.kind) {
    case 'supply':
      return v.used - v.limit;
    case 'capacity':
      return v.routed - v.capacity;
    case 'follower':
      return v.needed - v.capacity;
  }
}

/**
 * The violations a move would introduce or worsen. When demand grew since
 * the state was deployed, the state may already route more than a region
 * can serve; a move that does not make that worse (an upsize there, say) is
 * allowed — refusing it would block the very fix.
 */
export function newViolations(before: InvariantViolation[], after: InvariantViolation[]): InvariantViolation[] {
  const prior = new Map(before.map((v) => [violationKey(v), shortfall(v)]));
  return after.filter((v) => {
    const was = prior.get(violationKey(v));
    return was === undefined || shortfall(v) > was + 1e-6;
  });
}
