/**
 * What happens when a region fails: replicas stay where they are, the
 * failed region's capacity is gone, and every tenant's demand is re-routed
 * by an LP over the surviving capacity — within each class's threshold, or
 * the tenant's `dr_latency` if that is larger. Priorities are honoured
 * lexicographically, as in planning.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { Deployment } from '../executor/state.js';
import { followedDemand } from '../executor/invariants.js';
import { SparseModel } from './model/sparse-model.js';
import { World } from './model/world.js';
import { solveInWorker } from './solve/solve.js';

const INF = 1e30;

export interface FailureReport {
  region: string;
  /** tenant → class → client → rps that can no longer be served. */
  unserved: Record<TenantId, Record<string, Record<string, number>>>;
  /** Per surviving region: routed rps / capacity rps over all tenants, after failover. */
  utilization: Record<string, number>;
  /** Tenants that asked to tolerate a region failure and lose demand in this one. */
  violated: TenantId[];
  /** product → client → traffic that can no longer be served (follower capacity or latency). */
  unservedProducts: Record<string, Record<string, number>>;
  /** Products that asked to tolerate a region failure and lose traffic in this one. */
  violatedProducts: string[];
}

export async function simulateFailure(spec: Spec, deployment: Deployment, failed: string): Promise<FailureReport> {
  const world = new World(spec, deployment);
  const model = new SparseModel();
  const routes: { tenant: TenantId; region: string; col: number }[] = [];
  const unserved: { tenant: TenantId; cls: string; client: string; col: number }[] = [];
  const capacityOf = new Map<string, number>();
  const priorities = new Set<number>();

  for (const t of world.tenants) {
    const d = deployment.tenants[t.id];
    if (!d) continue;
    const capacity = new Map<string, number>();
    for (const [r, byRes] of Object.entries(d.replicas)) {
      if (r === failed) continue;
      const c = Object.entries(byRes).reduce((sum, [k, n]) => sum + n * (t.spec.replicas[k]?.serves ?? 0) * t.spec.targetUtilization, 0);
      if (c > 0) capacity.set(r, c);
    }
    const demandOf: Record<string, Record<string, number>> = structuredClone(t.spec.demand);
    for (const [key, v] of followedDemand(spec, t.spec, deployment)) {
      const [cls, r] = key.split('\u0000');
      (demandOf[cls] ??= {})[r] = (demandOf[cls][r] ?? 0) + v;
    }
    const load = new Map<string, number[]>();
    for (const cls of Object.keys(demandOf).sort()) {
      const threshold = Math.max(t.spec.latency[cls] ?? 0, t.spec.drLatency ?? 0);
      for (const client of Object.keys(demandOf[cls]).sort()) {
        const demand = demandOf[cls][client];
        if (!(demand > 0)) continue;
        const cols: number[] = [];
        for (const r of [...capacity.keys()].sort()) {
          const rtt = world.latency(client, r);
          if (rtt > threshold) continue;
          const y = model.addCol(0, INF);
          cols.push(y);
          routes.push({ tenant: t.id, region: r, col: y });
          (load.get(r) ?? load.set(r, []).get(r)!).push(y);
          model.addObjective('main', y, (rtt / Math.max(threshold, 1)) * 1e-6);
        }
        const u = model.addCol(0, demand);
        unserved.push({ tenant: t.id, cls, client, col: u });
        model.addObjective(`unserved:${t.spec.priority}`, u, 1);
        priorities.add(t.spec.priority);
        model.addRow(demand, demand, [...cols, u], [...cols.map(() => 1), 1]);
      }
    }
    for (const [r, ys] of [...load].sort(([a], [b]) => (a < b ? -1 : 1))) {
      model.addRow(-INF, capacity.get(r)!, ys, ys.map(() => 1));
      capacityOf.set(r, (capacityOf.get(r) ?? 0) + capacity.get(r)!);
    }
    for (const [r, c] of capacity) if (!load.has(r)) capacityOf.set(r, (capacityOf.get(r) ?? 0) + c);
  }

  // Products: their traffic re-routed within the latency threshold, limited by the follower
  // capacity that stands in the surviving regions (beyond each service's residual).
  const productUnserved: { product: string; client: string; col: number }[] = [];
  const followerLoad = new Map<string, { cols: number[]; coefs: number[] }>();
  for (const P of Object.keys(spec.products).sort()) {
    const product = spec.products[P];
    for (const client of Object.keys(product.demand).sort()) {
      const demand = product.demand[client];
      if (!(demand > 0)) continue;
      const cols: number[] = [];
      for (const r of world.regions) {
        if (r === failed || product.avoid.includes(r) || world.latency(client, r) > product.latency) continue;
        const y = model.addCol(0, INF);
        cols.push(y);
        model.addObjective('main', y, (world.latency(client, r) / Math.max(product.latency, 1)) * 1e-6);
        for (const [S, service] of Object.entries(spec.services)) {
          for (const [k, alpha] of Object.entries(service.follows[P]?.perUnit ?? {})) {
            const key = `${S}\u0000${r}\u0000${k}`;
            const l = followerLoad.get(key) ?? followerLoad.set(key, { cols: [], coefs: [] }).get(key)!;
            l.cols.push(y);
            l.coefs.push(alpha);
          }
        }
      }
      const u = model.addCol(0, demand);
      productUnserved.push({ product: P, client, col: u });
      model.addObjective('unserved:products', u, 1);
      model.addRow(demand, demand, [...cols, u], [...cols.map(() => 1), 1]);
    }
  }
  for (const [key, l] of [...followerLoad].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [S, r, k] = key.split('\u0000');
    const room = (deployment.followers[S]?.[r]?.[k] ?? 0) - (spec.services[S].residual[r]?.[k] ?? 0);
    model.addRow(-INF, Math.max(0, room), l.cols, l.coefs);
  }
  const productStage = productUnserved.length > 0 ? ['unserved:products'] : [];

  const stages = [...productStage, ...[...priorities].sort((a, b) => b - a).map((p) => `unserved:${p}`), 'main'].map((name) => {
    const cost = model.objectiveVector(name);
    return { name, cost, empty: !cost.some((c) => c !== 0) };
  });
  const outcome = await solveInWorker(model.pack(), stages, { timeLimitSeconds: 60, gapLimit: 1e-6 });
  if (!outcome.ok) throw new Error(outcome.error ?? `the failover LP failed (${outcome.status})`);
  const x = outcome.colValue;

  const report: FailureReport = { region: failed, unserved: {}, utilization: {}, violated: [], unservedProducts: {}, violatedProducts: [] };
  for (const v of productUnserved) {
    const u = Math.round(x[v.col] * 1000) / 1000;
    if (u > 0) (report.unservedProducts[v.product] ??= {})[v.client] = u;
  }
  report.violatedProducts = Object.keys(report.unservedProducts).filter((P) => spec.products[P].tolerateRegionFailure).sort();
  for (const v of unserved) {
    const u = Math.round(x[v.col] * 1000) / 1000;
    if (u <= 0) continue;
    ((report.unserved[v.tenant] ??= {})[v.cls] ??= {})[v.client] = u;
  }
  const routed = new Map<string, number>();
  for (const v of routes) routed.set(v.region, (routed.get(v.region) ?? 0) + x[v.col]);
  for (const r of [...capacityOf.keys()].sort()) {
    report.utilization[r] = Math.round(((routed.get(r) ?? 0) / capacityOf.get(r)!) * 1e4) / 1e4;
  }
  report.violated = world.tenants.filter((t) => t.spec.tolerateRegionFailure && report.unserved[t.id]).map((t) => t.id);
  return report;
}
