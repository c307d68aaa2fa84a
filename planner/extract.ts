/**
 * Solution vector → Placement document. Replica counts are integers;
 * routing weights are rounded to 1e-6 and renormalised so each row sums to
 * exactly 1; every map is built in sorted order so the document is
 * byte-stable.
 */
import type { TenantId } from '../lang/spec.js';
import { emptyDeployment, type Deployment, type RoutingMatrix } from '../schemas/state.js';
import type { PlacementModel } from './model/build-placement-model.js';
import type { TenantEntry, World } from './model/world.js';
import type { Placement, SupplyUse } from '../schemas/placement.js';
import { tenantReadiness, type TenantReadiness } from './region-loss.js';
import { unitOfWork } from './loop-turn.js';

const EPS = 1e-6;

export function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}

/** Weights that sum to exactly 1 after rounding: the largest absorbs the rounding error. */
export function normalizeRow(row: Record<string, number>): Record<string, number> {
  const total = Object.values(row).reduce((a, b) => a + b, 0);
  const out: Record<string, number> = {};
  if (total <= EPS) return out;
  const keys = Object.keys(row).sort();
  for (const k of keys) {
    const w = round6(row[k] / total);
    if (w > 0) out[k] = w;
  }
  const sum = Object.values(out).reduce((a, b) => a + b, 0);
  const largest = Object.keys(out).sort((a, b) => out[b] - out[a] || (a < b ? -1 : 1))[0];
  if (largest) out[largest] = round6(out[largest] + (1 - sum));
  return out;
}

export function extractTarget(world: World, pm: PlacementModel, x: Float64Array): Deployment {
  const target = emptyDeployment();
  for (const t of world.tenants) target.tenants[t.id] = { replicas: {}, routing: {} };
  for (const v of pm.replicas) {
    const n = Math.round(x[v.col]);
    if (n <= 0) continue;
    const t = world.tenants[v.tenant];
    ((target.tenants[t.id].replicas[v.region] ??= {}) as Record<string, number>)[v.resource] = n;
  }
  // routing: per tenant, class, client → region weights
  const rows = new Map<string, Record<string, number>>();
  for (const v of pm.routes) {
    const y = x[v.col];
    if (y <= EPS) continue;
    const key = `${v.tenant}\u0000${v.cls}\u0000${v.client}`;
    const row = rows.get(key) ?? {};
    row[v.region] = (row[v.region] ?? 0) + y;
    rows.set(key, row);
  }
  for (const [key, row] of [...rows].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [ti, cls, client] = key.split('\u0000');
    const t = world.tenants[Number(ti)];
    const weights = normalizeRow(row);
    if (Object.keys(weights).length === 0) continue;
    ((target.tenants[t.id].routing[cls] ??= {}) as RoutingMatrix)[client] = weights;
  }
  for (const v of pm.reservations) {
    const m = Math.round(x[v.col]);
    if (m > 0) (target.reservations[v.name] ??= {})[v.region] = m;
  }
  for (const name of Object.keys(world.spec.reservations)) target.reservations[name] ??= {};
  const productRows = new Map<string, Record<string, number>>();
  for (const v of pm.productRoutes) {
    const p = x[v.col];
    if (p <= EPS) continue;
    const key = `${v.product}\u0000${v.client}`;
    const row = productRows.get(key) ?? {};
    row[v.region] = (row[v.region] ?? 0) + p;
    productRows.set(key, row);
  }
  for (const P of Object.keys(world.spec.products)) target.products[P] = {};
  for (const [key, row] of [...productRows].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [P, client] = key.split('\u0000');
    target.products[P][client] = normalizeRow(row);
  }
  for (const v of pm.followers) {
    const f = Math.round(x[v.col]); // whole servers (an integer column)
    if (f <= 0) continue;
    ((target.followers[v.service] ??= {})[v.region] ??= {})[v.resource] = f;
  }
  for (const t of world.tenants) dropUnfollowedRows(t, target);
  return target;
}

/**
 * A class that follows a product has demand where the product's traffic is served. A share the solver
 * left below the 1e-6 the Plan stores is no traffic there, so the tenant's routing row for that region
 * (a few 1e-9 rps the solver routed) would route demand that does not exist: it goes.
 */
function dropUnfollowedRows(t: TenantEntry, target: Deployment): void {
  const routing = target.tenants[t.id]?.routing;
  if (!routing || !t.spec.follows) return;
  for (const [cls, matrix] of Object.entries(routing)) {
    const served = new Set<string>();
    for (const [P, rates] of Object.entries(t.spec.follows)) {
      if (rates[cls] === undefined) continue;
      for (const row of Object.values(target.products[P] ?? {})) for (const r of Object.keys(row)) served.add(r);
    }
    for (const client of Object.keys(matrix)) {
      if (t.spec.demand[cls]?.[client] === undefined && !served.has(client)) delete matrix[client];
    }
    if (Object.keys(matrix).length === 0) delete routing[cls];
  }
}

/** Unserved amounts in thousandths: below that is solver tolerance, not a shortage. */
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function unservedDemand(world: World, pm: PlacementModel, x: Float64Array): Placement['unserved'] {
  const out: Placement['unserved'] = {};
  for (const v of pm.unserved) {
    const u = round3(x[v.col]);
    if (u <= 0) continue;
    const id = world.tenants[v.tenant].id;
    ((out[id] ??= {})[v.cls] ??= {})[v.client] = u;
  }
  return out;
}

export function unservedProducts(pm: PlacementModel, x: Float64Array): Placement['unservedProducts'] {
  const out: Placement['unservedProducts'] = {};
  for (const v of pm.productUnserved) {
    const q = round3(x[v.col]);
    if (q > 0) (out[v.product] ??= {})[v.client] = q;
  }
  return out;
}

/** Units of each (region, resource) used by a deployment. */
export function usageOf(world: World, d: Deployment): Map<string, number> {
  const used = new Map<string, number>();
  const add = (r: string, k: string, v: number) => used.set(`${r}\u0000${k}`, (used.get(`${r}\u0000${k}`) ?? 0) + v);
  for (const [id, t] of Object.entries(d.tenants)) {
    for (const [r, byRes] of Object.entries(t.replicas)) for (const [k, n] of Object.entries(byRes)) add(r, k, n * world.unitsPerReplica(id as TenantId, k, true));
  }
  for (const [g, byRegion] of Object.entries(d.reservations)) {
    const k = world.spec.reservations[g]?.resource;
    if (k) for (const [r, m] of Object.entries(byRegion)) add(r, k, m);
  }
  for (const byRegion of Object.values(d.followers)) for (const [r, byRes] of Object.entries(byRegion)) for (const [k, f] of Object.entries(byRes)) add(r, k, f);
  return used;
}

/** Supply used by the target and at the execution peak, Σ max(current, target) per item. */
export function supplyUse(world: World, current: Deployment, target: Deployment): Placement['usage'] {
  const after = usageOf(world, target);
  const peak = new Map<string, number>();
  const addPeak = (r: string, k: string, v: number) => peak.set(`${r}\u0000${k}`, (peak.get(`${r}\u0000${k}`) ?? 0) + v);
  const ids = new Set([...Object.keys(current.tenants), ...Object.keys(target.tenants)]);
  for (const id of ids) {
    const a = current.tenants[id as TenantId]?.replicas ?? {};
    const b = target.tenants[id as TenantId]?.replicas ?? {};
    for (const r of new Set([...Object.keys(a), ...Object.keys(b)])) {
      for (const k of new Set([...Object.keys(a[r] ?? {}), ...Object.keys(b[r] ?? {})])) {
        addPeak(r, k, Math.max(a[r]?.[k] ?? 0, b[r]?.[k] ?? 0) * world.unitsPerReplica(id as TenantId, k, true));
      }
    }
  }
  for (const g of new Set([...Object.keys(current.reservations), ...Object.keys(target.reservations)])) {
    const k = world.spec.reservations[g]?.resource;
    if (!k) continue;
    for (const r of world.regions) addPeak(r, k, Math.max(current.reservations[g]?.[r] ?? 0, target.reservations[g]?.[r] ?? 0));
  }
  for (const S of new Set([...Object.keys(current.followers), ...Object.keys(target.followers)])) {
    for (const r of world.regions) {
      const a = current.followers[S]?.[r] ?? {};
      const b = target.followers[S]?.[r] ?? {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) addPeak(r, k, Math.max(a[k] ?? 0, b[k] ?? 0));
    }
  }
  const out: Placement['usage'] = {};
  for (const r of world.regions) {
    for (const k of world.resources) {
      const supply = world.supply(r, k);
      const used = round6(after.get(`${r}\u0000${k}`) ?? 0);
      const p = round6(peak.get(`${r}\u0000${k}`) ?? 0);
      if (supply === 0 && used === 0 && p === 0) continue;
      const entry: SupplyUse = { supply, used, free: round6(supply - used), peak: p };
      (out[r] ??= {})[k] = entry;
    }
  }
  return out;
}

/** For each served (tenant, class, client): the other regions within reach that hold capacity, nearest first. */
export function failoverOrder(world: World, target: Deployment): Placement['failover'] {
  const out: Placement['failover'] = {};
  for (const t of world.tenants) {
    const d = target.tenants[t.id];
    const withCapacity = t.regions.filter((r) => Object.values(d.replicas[r] ?? {}).some((n) => n > 0));
    for (const [cls, matrix] of Object.entries(d.routing).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const threshold = t.spec.latency[cls] ?? 0;
      for (const client of Object.keys(matrix).sort()) {
        const serving = new Set(Object.keys(matrix[client]));
        const order = withCapacity
          .filter((r) => !serving.has(r) && world.latency(client, r) <= threshold)
          .sort((a, b) => world.latency(client, a) - world.latency(client, b) || (a < b ? -1 : 1));
        ((out[t.id] ??= {})[cls] ??= {})[client] = order;
      }
    }
  }
  return out;
}

/**
 * Region-loss readiness of every tenant that asked for it, checked on the target by the one verdict function.
 * One unit of work on the main thread (planner/loop-turn.ts): after a solve, with the region-loss verdicts.
 */
export function disasterReadiness(world: World, target: Deployment): Placement['disasterReadiness'] {
  return unitOfWork('region-loss verdicts', () => readinessOfAll(world, target));
}

function readinessOfAll(world: World, target: Deployment): Placement['disasterReadiness'] {
  const out: Placement['disasterReadiness'] = {};
  for (const t of world.tenants) {
    if (!t.spec.tolerateRegionFailure) continue;
    out[t.id] = readinessOf(tenantReadiness(world.spec, target, t.id, t.spec));
  }
  return out;
}

/** The Placement's record of one verdict: met, or the regions whose loss loses demand and how much. */
export function readinessOf(v: TenantReadiness): Placement['disasterReadiness'][string] {
  if (v.losses.length === 0) return { met: true, mode: v.mode };
  const worst = v.losses[0];
  const lost = Object.fromEntries([...v.losses].sort((a, b) => (a.region < b.region ? -1 : 1)).map((l) => [l.region, l.lost]));
  return { met: false, mode: v.mode, worstRegion: worst.region, shortfall: worst.lost, lost };
}
