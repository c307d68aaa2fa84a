/**
 * What happens when a region fails: replicas stay where they are, the failed
 * region's capacity is gone, and each tenant's demand is re-routed onto what
 * is left by the one verdict function (planner/region-loss.ts) — the same
 * that decides the plan's "survives the loss of any one region". Product
 * traffic is re-routed by an LP within the follower capacity left.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { Deployment } from '../executor/state.js';
import { SparseModel } from './model/sparse-model.js';
import { World } from './model/world.js';
import { LOSS_TOLERANCE, readinessMode, TenantNetwork } from './region-loss.js';
import { solveInWorker } from './solve/solve.js';

const INF = 1e30;

export interface FailureReport {
  region: string;
  /** tenant → rps it served with nothing lost and cannot serve with this region lost (only tenants that lose some). */
  lost: Record<TenantId, number>;
  /** tenant → class → client → rps left unserved with this region lost, for the tenants in `lost`. */
  unserved: Record<TenantId, Record<string, Record<string, number>>>;
  /**
   * Per surviving region: rps routed there after failover over the rps its replicas serve at their
   * target utilization, all tenants together (1 = every replica at its target utilization).
   */
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
  const report: FailureReport = { region: failed, lost: {}, unserved: {}, utilization: {}, violated: [], unservedProducts: {}, violatedProducts: [] };
  const routed = new Map<string, number>();
  const capacityOf = new Map<string, number>();
  for (const t of world.tenants) {
    if (!deployment.tenants[t.id]) continue;
    const net = TenantNetwork.of(spec, deployment, t.id, t.spec);
    // Ready tenants are judged in their own mode; the others by where their clients can really be served.
    const mode = t.spec.tolerateRegionFailure ? readinessMode(t.spec) : 'per-failure';
    const before = net.maxServed(null, mode).served;
    const after = net.maxServed(failed, mode);
    for (const [r, l] of Object.entries(after.load)) {
      routed.set(r, (routed.get(r) ?? 0) + l.routed);
      capacityOf.set(r, (capacityOf.get(r) ?? 0) + l.capacity);
    }
    const lost = before - after.served;
    if (!(lost > LOSS_TOLERANCE)) continue;
    report.lost[t.id] = Math.round(lost * 1000) / 1000;
    for (const u of after.unserved) ((report.unserved[t.id] ??= {})[u.cls] ??= {})[u.client] = u.unserved;
    if (t.spec.tolerateRegionFailure) report.violated.push(t.id);
  }
  for (const r of [...capacityOf.keys()].sort()) {
    const c = capacityOf.get(r)!;
    if (c > 0) report.utilization[r] = Math.round(((routed.get(r) ?? 0) / c) * 1e4) / 1e4;
  }
  const products = await productFailover(spec, world, deployment, failed);
  report.unservedProducts = products;
  report.violatedProducts = Object.keys(products).filter((P) => spec.products[P].tolerateRegionFailure).sort();
  return report;
}

/** Product traffic that cannot be re-routed with `failed` lost: product → client → units. */
async function productFailover(spec: Spec, world: World, deployment: Deployment, failed: string): Promise<FailureReport['unservedProducts']> {
  const model = new SparseModel();
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
  if (productUnserved.length === 0) return {};
  const stages = ['unserved:products', 'main'].map((name) => ({ name, cost: model.objectiveVector(name) }));
  const outcome = await solveInWorker(model.pack(), stages, { timeLimitSeconds: 60, gapLimit: 1e-6 });
  if (!outcome.ok) throw new Error(outcome.error ?? `the failover LP failed (${outcome.status})`);
  const out: FailureReport['unservedProducts'] = {};
  for (const v of productUnserved) {
    const u = Math.round(outcome.colValue[v.col] * 1000) / 1000;
    if (u > 0) (out[v.product] ??= {})[v.client] = u;
  }
  return out;
}
