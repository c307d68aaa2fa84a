/**
 * The one verdict on region loss for products (docs/language.md, "Disaster readiness"): with a
 * region f lost, each product's traffic is re-routed to the other regions within its latency
 * threshold (not the ones it avoids), as far as the follower capacity that stands there — beyond
 * each service's residual — carries it. Products share follower services, so they are re-routed
 * together, by an LP: least traffic lost in total, then the nearest regions. A product loses, in f,
 * what that LP leaves unserved beyond what it leaves unserved with nothing lost.
 * `plan`, `show`, `simulate --fail` and the checker read this module only.
 */
import type { Spec } from '../lang/spec.js';
import type { Deployment } from '../schemas/state.js';
import { SparseModel } from './model/sparse-model.js';
import { World } from './model/world.js';
import { LOSS_TOLERANCE } from './region-loss.js';
import { solveInWorker, type SolvePool } from './solve/solve.js';

const INF = 1e30;

/** product → client → traffic that cannot be served with `failed` lost (null: nothing lost). */
export type ProductUnserved = Record<string, Record<string, number>>;

/** `only`: re-route these products alone (readiness: the traffic of the products that ask for it, which the planner keeps room for). */
export async function productFailover(spec: Spec, deployment: Deployment, failed: string | null, pool?: SolvePool, only?: string[]): Promise<ProductUnserved> {
  const world = new World(spec, deployment);
  const model = new SparseModel();
  const unserved: { product: string; client: string; col: number }[] = [];
  const followerLoad = new Map<string, { cols: number[]; coefs: number[] }>();
  for (const P of only ?? Object.keys(spec.products).sort()) {
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
        for (const S of Object.keys(spec.services).sort()) {
          for (const [k, alpha] of Object.entries(spec.services[S].follows[P]?.perUnit ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
            const key = `${S}\u0000${r}\u0000${k}`;
            const l = followerLoad.get(key) ?? followerLoad.set(key, { cols: [], coefs: [] }).get(key)!;
            l.cols.push(y);
            l.coefs.push(alpha);
          }
        }
      }
      const u = model.addCol(0, demand);
      unserved.push({ product: P, client, col: u });
      model.addObjective('unserved:products', u, 1);
      model.addRow(demand, demand, [...cols, u], [...cols.map(() => 1), 1]);
    }
  }
  if (unserved.length === 0) return {};
  for (const [key, l] of [...followerLoad].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [S, r, k] = key.split('\u0000');
    const room = (deployment.followers[S]?.[r]?.[k] ?? 0) - (spec.services[S].residual[r]?.[k] ?? 0);
    model.addRow(-INF, Math.max(0, room), l.cols, l.coefs);
  }
  const stages = ['unserved:products', 'main'].map((name) => ({ name, cost: model.objectiveVector(name) }));
  const options = { timeLimitSeconds: 60, gapLimit: 1e-6 };
  const outcome = pool ? await pool.solve(model.pack(), stages, options) : await solveInWorker(model.pack(), stages, options);
  if (!outcome.ok) throw new Error(outcome.error ?? `the failover LP failed (${outcome.status})`);
  const out: ProductUnserved = {};
  for (const v of unserved) {
    const u = Math.round(outcome.colValue[v.col] * 1000) / 1000;
    if (u > 0) (out[v.product] ??= {})[v.client] = u;
  }
  return out;
}

export interface ProductReadiness {
  met: boolean;
  /** region → traffic served with nothing lost that cannot be served with that region lost. */
  lost?: Record<string, number>;
}

/** Region-loss verdict of every product that asks for it, for every region that serves it. */
export async function productReadiness(spec: Spec, deployment: Deployment, pool?: SolvePool): Promise<Record<string, ProductReadiness>> {
  const asking = Object.keys(spec.products)
    .filter((P) => spec.products[P].tolerateRegionFailure)
    .sort();
  if (asking.length === 0) return {};
  const lostBy = await productLossesByRegion(spec, deployment, servingRegions(deployment, asking), pool);
  const out: Record<string, ProductReadiness> = {};
  for (const P of asking) {
    const lost = lostBy.get(P);
    out[P] = lost ? { met: false, lost } : { met: true };
  }
  return out;
}

/** DR product → region → traffic lost with that region lost, for the regions given (only losses above tolerance). */
export async function productLossesByRegion(spec: Spec, deployment: Deployment, regions: string[], pool?: SolvePool): Promise<Map<string, Record<string, number>>> {
  const asking = Object.keys(spec.products)
    .filter((P) => spec.products[P].tolerateRegionFailure)
    .sort();
  const out = new Map<string, Record<string, number>>();
  if (asking.length === 0) return out;
  const before = totals(await productFailover(spec, deployment, null, pool, asking));
  for (const f of regions) {
    const after = totals(await productFailover(spec, deployment, f, pool, asking));
    for (const [P, u] of after) {
      const lost = Math.round((u - (before.get(P) ?? 0)) * 1000) / 1000;
      if (lost > LOSS_TOLERANCE) (out.get(P) ?? out.set(P, {}).get(P)!)[f] = lost;
    }
  }
  return out;
}

/** Regions that serve some of these products' traffic in the deployment, sorted. */
export function servingRegions(deployment: Deployment, products: string[]): string[] {
  const regions = new Set<string>();
  for (const P of products) for (const row of Object.values(deployment.products[P] ?? {})) for (const [r, share] of Object.entries(row)) if (share > 0) regions.add(r);
  return [...regions].sort();
}

function totals(u: ProductUnserved): Map<string, number> {
  return new Map(Object.entries(u).map(([P, byClient]) => [P, Object.values(byClient).reduce((a, b) => a + b, 0)]));
}
