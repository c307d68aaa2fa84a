/**
 * One scorer for every solution: the planner scores a plan assembled from
 * blocks with it, and the benchmark compares globe's planner with the
 * monolithic MIP by it (their models differ — lexicographic stages vs one
 * weighted sum, with or without constants — so their own objectives cannot be
 * compared as they are). This function reads
 * only the documents — Spec, current Deployment, target Deployment, what is
 * left unserved — and scores them with DESIGN.md's objective, term by term:
 * unserved demand per priority level first, then the weighted sum of hardware
 * cost, churn, balance and distance.
 */
import { DEFAULT_SELF_RTT_MS, type PlannerWeights, type Spec, type TenantId } from '../lang/spec.js';
import { replicaUnits, type Deployment } from '../schemas/state.js';

export type Unserved = Record<TenantId, Record<string, Record<string, number>>>;

export interface Score {
  /** rps left unserved per priority level (highest first), as `priority → rps`. */
  unservedByPriority: [number, number][];
  /** Product traffic left unserved (units). */
  unservedProducts: number;
  /** Reservation units missing (with a region lost, where the reservation tolerates it). */
  reservationShortfall: number;
  cost: number;
  churn: number;
  balance: number;
  distance: number;
  /** cost·w.cost + churn·w.churn + balance·w.balance + distance·w.distance. */
  weighted: number;
}

export function scoreSolution(spec: Spec, current: Deployment, target: Deployment, unserved: Unserved, unservedProducts: Record<string, Record<string, number>>, w: PlannerWeights): Score {
  const rtt = latencyLookup(spec);
  const used = new Map<string, number>();
  const use = (r: string, k: string, units: number) => used.set(`${r}\u0000${k}`, (used.get(`${r}\u0000${k}`) ?? 0) + units);
  let cost = 0;
  let churn = 0;
  let distance = 0;
  const unservedAt = new Map<number, number>();

  for (const service of Object.keys(spec.services).sort()) {
    for (const [name, t] of Object.entries(spec.services[service].tenants)) {
      const id: TenantId = `${service}/${name}`;
      const now = current.tenants[id]?.replicas ?? {};
      const next = target.tenants[id]?.replicas ?? {};
      for (const r of new Set([...Object.keys(now), ...Object.keys(next)])) {
        for (const k of new Set([...Object.keys(now[r] ?? {}), ...Object.keys(next[r] ?? {})])) {
          const units = replicaUnits(spec, current, id, k) ?? 1;
          const n = next[r]?.[k] ?? 0;
          churn += Math.abs(n - (now[r]?.[k] ?? 0)) * units;
          cost += n * units * (spec.resources[k]?.cost ?? 0);
          use(r, k, n * units);
        }
      }
      let total = 0;
      for (const byClient of Object.values(t.demand)) for (const d of Object.values(byClient)) total += d;
      for (const [cls, byClient] of Object.entries(t.demand)) {
        for (const [client, demand] of Object.entries(byClient)) {
          const left = unserved[id]?.[cls]?.[client] ?? 0;
          unservedAt.set(t.priority, (unservedAt.get(t.priority) ?? 0) + left);
          const row = target.tenants[id]?.routing[cls]?.[client] ?? {};
          for (const [r, share] of Object.entries(row)) distance += ((demand - left) * share * rtt(client, r)) / Math.max(t.latency[cls] ?? 1, 1) / Math.max(total, 1e-9);
        }
      }
    }
  }

  let reservationShortfall = 0;
  for (const [name, g] of Object.entries(spec.reservations)) {
    const next = target.reservations[name] ?? {};
    const now = current.reservations[name] ?? {};
    for (const r of new Set([...Object.keys(now), ...Object.keys(next)])) {
      churn += Math.abs((next[r] ?? 0) - (now[r] ?? 0));
      cost += (next[r] ?? 0) * (spec.resources[g.resource]?.cost ?? 0);
      use(r, g.resource, next[r] ?? 0);
    }
    const all = Object.values(next).reduce((a, b) => a + b, 0);
    const afterLoss = g.tolerateRegionFailure ? all - Math.max(0, ...Object.values(next)) : all;
    reservationShortfall += Math.max(0, g.amount - afterLoss);
  }

  for (const S of Object.keys(spec.services).sort()) {
    const next = target.followers[S] ?? {};
    const now = current.followers[S] ?? {};
    for (const r of new Set([...Object.keys(now), ...Object.keys(next)])) {
      for (const k of new Set([...Object.keys(now[r] ?? {}), ...Object.keys(next[r] ?? {})])) {
        churn += Math.abs((next[r]?.[k] ?? 0) - (now[r]?.[k] ?? 0));
        cost += (next[r]?.[k] ?? 0) * (spec.resources[k]?.cost ?? 0);
        use(r, k, next[r]?.[k] ?? 0);
      }
    }
  }

  let productsLeft = 0;
  for (const [P, product] of Object.entries(spec.products)) {
    for (const [client, demand] of Object.entries(product.demand)) {
      const left = unservedProducts[P]?.[client] ?? 0;
      productsLeft += left;
      for (const [r, share] of Object.entries(target.products[P]?.[client] ?? {})) distance += ((demand - left) * share * rtt(client, r)) / Math.max(product.latency, 1) / demand;
    }
  }

  const balance = balanceTerm(spec, used);
  return {
    unservedByPriority: [...unservedAt].sort((a, b) => b[0] - a[0]),
    unservedProducts: productsLeft,
    reservationShortfall,
    cost,
    churn,
    balance,
    distance,
    weighted: cost * w.cost + churn * w.churn + balance * w.balance + distance * w.distance,
  };
}

/** Σ_k Σ_r |free(r,k) − supply(r,k)·φ_k|, φ_k the fleet-wide free share of resource k. */
function balanceTerm(spec: Spec, used: Map<string, number>): number {
  let out = 0;
  for (const k of Object.keys(spec.resources)) {
    const regions = Object.keys(spec.regions).filter((r) => (spec.regions[r].supply[k] ?? 0) > 0);
    if (regions.length < 2) continue;
    const total = regions.reduce((a, r) => a + spec.regions[r].supply[k], 0);
    const free = regions.reduce((a, r) => a + spec.regions[r].supply[k] - (used.get(`${r}\u0000${k}`) ?? 0), 0);
    const phi = free / total;
    for (const r of regions) out += Math.abs(spec.regions[r].supply[k] - (used.get(`${r}\u0000${k}`) ?? 0) - spec.regions[r].supply[k] * phi);
  }
  return out;
}

export function latencyLookup(spec: Spec): (a: string, b: string) => number {
  const table = new Map<string, number>();
  for (const p of spec.latency) {
    table.set(`${p.a}\u0000${p.b}`, p.ms);
    table.set(`${p.b}\u0000${p.a}`, p.ms);
  }
  return (a, b) => table.get(`${a}\u0000${b}`) ?? (a === b ? DEFAULT_SELF_RTT_MS : Infinity);
}

/** Unserved rps in total, over all priority levels. */
export function totalUnserved(s: Score): number {
  return s.unservedByPriority.reduce((a, [, v]) => a + v, 0);
}
