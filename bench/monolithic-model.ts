/**
 * The straightforward baseline: DESIGN.md's whole planning model as ONE
 * mixed-integer program with ONE weighted objective, the way one would
 * write it without globe. Built here, independently of planner/, so the
 * comparison measures globe's approach against the obvious one on the same
 * formulation:
 *
 *   n[t,r,k] integer replicas      z[t,r,k] integer max(current, n) (churn, transition)
 *   y[t,c,s,r] routed demand       u[t,c,s] unserved demand
 *   m[g,r] integer reservation     w[g] reservation shortfall
 *   p[P,s,r] product traffic       q[P,s] unserved traffic
 *   f[S,r,k] integer follower capacity
 *
 * Constraints: demand, serving capacity, supply, the mid-apply peak
 * Σ max(current, new) ≤ supply, aggregate disaster readiness for tenants,
 * reservations and products, min/max replicas, follower capacity.
 * Objective: unserved demand by priority weight (see `unservedWeights`),
 * then cost, churn, balance and distance with the planner's weights.
 *
 * Hot data lives in growable typed arrays; no per-variable strings.
 */
import { DEFAULT_SELF_RTT_MS, tenantId, type PlannerWeights, type Spec, type Tenant, type TenantId } from '../lang/spec.js';
import type { Deployment } from '../schemas/state.js';
import { normalisedWeights } from './greedy-placement.js';
import type { Unserved } from '../planner/score.js';
import type { PackedModel } from '../planner/model/sparse-model.js';

/**
 * The planner's packed model (the CSR arrays HiGHS takes) with the one weighted objective as column
 * costs. The arrays are built here by `Builder` (growable typed arrays, rows of distinct columns), not
 * by the planner's SparseModel (plain arrays, a Map per row to merge duplicates): at 10,000 × 30 the
 * baseline's build time and memory are part of what the bench reports.
 */
export interface PackedMip extends PackedModel {
  colCost: Float64Array;
}

export interface MonolithicModel {
  mip: PackedMip;
  /** Constant left out of the objective (Σ current units × churn weight): true objective = solver objective − offset. */
  offset: number;
  integers: number;
  nonzeros: number;
  /** Reads a solution back into documents. */
  extract(x: Float64Array): { target: Deployment; unserved: Unserved; unservedProducts: Record<string, Record<string, number>> };
}

const INF = Infinity;

class Grow {
  a: Float64Array;
  n = 0;
  constructor(size = 1024) {
    this.a = new Float64Array(size);
  }
  push(x: number): number {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = x;
    return this.n++;
  }
  view(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

class Builder {
  readonly lower = new Grow();
  readonly upper = new Grow();
  readonly cost = new Grow();
  readonly integer = new Grow();
  readonly rowLower = new Grow();
  readonly rowUpper = new Grow();
  readonly starts = new Grow();
  readonly index = new Grow(1 << 16);
  readonly value = new Grow(1 << 16);

  constructor() {
    this.starts.push(0);
  }

  col(lower: number, upper: number, cost: number, integer: boolean): number {
    this.lower.push(lower);
    this.upper.push(upper);
    this.cost.push(cost);
    this.integer.push(integer ? 1 : 0);
    return this.lower.n - 1;
  }

  addCost(col: number, c: number): void {
    this.cost.a[col] += c;
  }

  /** A row lower ≤ Σ coef·x ≤ upper; the columns of one row must be distinct. */
  row(lower: number, upper: number, cols: ArrayLike<number>, coefs: ArrayLike<number>): void {
    for (let i = 0; i < cols.length; i++) {
      if (coefs[i] === 0) continue;
      this.index.push(cols[i]);
      this.value.push(coefs[i]);
    }
    this.starts.push(this.index.n);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
  }

  pack(): PackedMip {
    return {
      numCols: this.lower.n,
      numRows: this.rowLower.n,
      colCost: this.cost.view(),
      colLower: this.lower.view(),
      colUpper: this.upper.view(),
      integrality: Int32Array.from(this.integer.view()),
      rowLower: this.rowLower.view(),
      rowUpper: this.rowUpper.view(),
      starts: Int32Array.from(this.starts.view()),
      indices: Int32Array.from(this.index.view()),
      values: this.value.view(),
    };
  }
}

interface TenantRef {
  id: TenantId;
  spec: Tenant;
}

/** Where something is placed in (region, resource): its columns and units, final and mid-apply. */
interface Usage {
  final: number[];
  finalUnits: number[];
  peak: number[];
  peakUnits: number[];
}

/**
 * Weights of unserved demand per rps, per priority level, as one would write
 * them for a single weighted objective: the lowest level outweighs the most
 * expensive replica (serving even 1 rps beats leaving it), each level above
 * weighs LEVEL_FACTOR times more, and reservation units and product traffic
 * come first, as in the planner. This ranks levels like the planner's
 * lexicographic stages only while one unit of capacity serves rps within a
 * factor LEVEL_FACTOR across levels; an exact dominance argument needs
 * factors of the ratio of the fastest to the slowest hardware option per
 * unit (hundreds), and their product over the levels wrecks the numerics of
 * the MIP — one reason globe solves the levels as lexicographic stages.
 */
export const LEVEL_FACTOR = 10;

export function unservedWeights(spec: Spec, w: PlannerWeights): { tenant: Map<number, number>; reservation: number; product: number } {
  let replicaCost = 1;
  for (const s of Object.values(spec.services)) {
    for (const t of Object.values(s.tenants)) {
      for (const [k, o] of Object.entries(t.replicas)) {
        replicaCost = Math.max(replicaCost, o.units * ((spec.resources[k]?.cost ?? 0) * w.cost + 2 * w.churn + 2 * w.balance) + w.distance);
      }
    }
  }
  const levels = [...new Set(Object.values(spec.services).flatMap((s) => Object.values(s.tenants).map((t) => t.priority)))].sort((a, b) => a - b);
  const tenant = new Map<number, number>();
  let weight = 2 * replicaCost;
  for (const p of levels) {
    tenant.set(p, weight);
    weight *= LEVEL_FACTOR;
  }
  return { tenant, reservation: weight, product: weight };
}

export function buildMonolithicModel(spec: Spec, current: Deployment, w: PlannerWeights): MonolithicModel {
  const b = new Builder();
  const regions = Object.keys(spec.regions).sort();
  const resources = Object.keys(spec.resources).sort();
  const R = regions.length;
  const K = resources.length;
  const rIndex = new Map(regions.map((r, i) => [r, i]));
  const kIndex = new Map(resources.map((k, i) => [k, i]));
  const rttTable = new Map<string, number>();
  for (const p of spec.latency) {
    rttTable.set(`${p.a}\u0000${p.b}`, p.ms);
    rttTable.set(`${p.b}\u0000${p.a}`, p.ms);
  }
  const rtt = (a: string, b: string) => rttTable.get(`${a}\u0000${b}`) ?? (a === b ? DEFAULT_SELF_RTT_MS : INF);
  const supply = (r: number, k: number) => spec.regions[regions[r]].supply[resources[k]] ?? 0;
  const usage: Usage[] = Array.from({ length: R * K }, () => ({ final: [], finalUnits: [], peak: [], peakUnits: [] }));
  const weights = unservedWeights(spec, w);
  let offset = 0;

  /** An integer amount placed in (r, k) with its churn against `now`; returns the column of the amount. */
  const placed = (r: number, k: number, upper: number, unitsPer: number, unitCost: number, now: number): number => {
    const n = b.col(0, upper, unitsPer * unitCost * w.cost, true);
    const u = usage[r * K + k];
    u.final.push(n);
    u.finalUnits.push(unitsPer);
    if (now > 0) {
      // |n − now| = 2·max(n, now) − n − now; max(n, now) is what the region holds mid-apply.
      const z = b.col(now, INF, 2 * unitsPer * w.churn, true);
      b.addCost(n, -unitsPer * w.churn);
      b.row(0, INF, [z, n], [1, -1]);
      offset += now * unitsPer * w.churn;
      u.peak.push(z);
    } else {
      b.addCost(n, unitsPer * w.churn);
      u.peak.push(n);
    }
    u.peakUnits.push(unitsPer);
    return n;
  };

  // Products: traffic routed within the threshold or unserved; follower capacity follows it.
  const productCols: { product: string; client: string; region: number; col: number }[] = [];
  const productUnserved: { product: string; client: string; col: number }[] = [];
  const trafficIn = new Map<string, number[]>(); // `${product}\u0000${r}` → p columns
  for (const P of Object.keys(spec.products).sort()) {
    const product = spec.products[P];
    for (const client of Object.keys(product.demand).sort()) {
      const demand = product.demand[client];
      if (!(demand > 0)) continue;
      const cols: number[] = [];
      for (let r = 0; r < R; r++) {
        if (product.avoid.includes(regions[r]) || rtt(client, regions[r]) > product.latency) continue;
        const p = b.col(0, INF, (w.distance * rtt(client, regions[r])) / Math.max(product.latency, 1) / demand, false);
        cols.push(p);
        productCols.push({ product: P, client, region: r, col: p });
        const key = `${P}\u0000${r}`;
        (trafficIn.get(key) ?? trafficIn.set(key, []).get(key)!).push(p);
      }
      const q = b.col(0, demand, weights.product, false);
      productUnserved.push({ product: P, client, col: q });
      b.row(demand, demand, [...cols, q], [...cols.map(() => 1), 1]);
    }
  }
  const followerCols: { service: string; region: number; resource: number; col: number }[] = [];
  for (const S of Object.keys(spec.services).sort()) {
    const service = spec.services[S];
    const ks = new Set<string>();
    for (const c of Object.values(service.follows)) for (const k of Object.keys(c.perUnit)) ks.add(k);
    for (const byRes of Object.values(service.residual)) for (const k of Object.keys(byRes)) ks.add(k);
    for (let r = 0; r < R; r++) {
      for (const kName of [...ks].sort()) {
        const k = kIndex.get(kName)!;
        const residual = service.residual[regions[r]]?.[kName] ?? 0;
        const cols: number[] = [];
        const coefs: number[] = [];
        for (const P of Object.keys(service.follows).sort()) {
          for (const p of trafficIn.get(`${P}\u0000${r}`) ?? []) {
            cols.push(p);
            coefs.push(-(service.follows[P].perUnit[kName] ?? 0));
          }
        }
        const now = current.followers[S]?.[regions[r]]?.[kName] ?? 0;
        if (cols.length === 0 && residual === 0 && now === 0) continue;
        const f = placed(r, k, INF, 1, spec.resources[kName]?.cost ?? 0, now);
        followerCols.push({ service: S, region: r, resource: k, col: f });
        b.row(residual, INF, [f, ...cols], [1, ...coefs]);
      }
    }
  }

  // Reservations: units in the locality, enough with any one region lost.
  const reservationCols: { name: string; region: number; col: number }[] = [];
  for (const name of Object.keys(spec.reservations).sort()) {
    const g = spec.reservations[name];
    const k = kIndex.get(g.resource)!;
    const cols: number[] = [];
    for (let r = 0; r < R; r++) {
      if (spec.regions[regions[r]].locality !== g.locality) continue;
      const m = placed(r, k, supply(r, k), 1, spec.resources[g.resource]?.cost ?? 0, current.reservations[name]?.[regions[r]] ?? 0);
      cols.push(m);
      reservationCols.push({ name, region: r, col: m });
    }
    const short = b.col(0, g.amount, weights.reservation, false);
    b.row(g.amount, INF, [...cols, short], [...cols.map(() => 1), 1]);
    if (g.tolerateRegionFailure) {
      for (let f = 0; f < cols.length; f++) {
        const rest = cols.filter((_, i) => i !== f);
        b.row(g.amount, INF, [...rest, short], [...rest.map(() => 1), 1]);
      }
    }
  }

  // Tenants.
  const tenants: TenantRef[] = [];
  for (const S of Object.keys(spec.services).sort()) for (const name of Object.keys(spec.services[S].tenants).sort()) tenants.push({ id: tenantId(S, name), spec: spec.services[S].tenants[name] });
  const replicaCols: { tenant: number; region: number; resource: number; col: number }[] = [];
  const routeCols: { tenant: number; cls: string; client: string; region: number; col: number }[] = [];
  const unservedCols: { tenant: number; cls: string; client: string; col: number }[] = [];
  tenants.forEach((t, ti) => {
    const spec_ = t.spec;
    const capCols: number[][] = Array.from({ length: R }, () => []);
    const capCoefs: number[][] = Array.from({ length: R }, () => []);
    const maxPerRegion = spec_.maxReplicasPerRegion ?? INF;
    for (let r = 0; r < R; r++) {
      if (spec_.avoid.includes(regions[r]) || (spec_.onlyIn.length > 0 && !spec_.onlyIn.includes(regions[r]))) continue;
      for (const kName of Object.keys(spec_.replicas).sort()) {
        const k = kIndex.get(kName);
        if (k === undefined) continue;
        const option = spec_.replicas[kName];
        const now = current.tenants[t.id]?.replicas[regions[r]]?.[kName] ?? 0;
        const fits = Math.floor(supply(r, k) / option.units);
        if (fits <= 0 && now === 0) continue;
        const n = placed(r, k, Math.min(fits, maxPerRegion), option.units, spec.resources[kName].cost, now);
        replicaCols.push({ tenant: ti, region: r, resource: k, col: n });
        capCols[r].push(n);
        capCoefs[r].push(option.serves * spec_.targetUtilization);
      }
    }
    const hosting = [...Array(R).keys()].filter((r) => capCols[r].length > 0);
    let total = 0;
    for (const byClient of Object.values(spec_.demand)) for (const d of Object.values(byClient)) if (d > 0) total += d;
    const routed: number[][] = Array.from({ length: R }, () => []);
    const us: number[] = [];
    const unservedWeight = weights.tenant.get(spec_.priority)!;
    for (const cls of Object.keys(spec_.demand).sort()) {
      const threshold = spec_.latency[cls] ?? 0;
      for (const client of Object.keys(spec_.demand[cls]).sort()) {
        const demand = spec_.demand[cls][client];
        if (!(demand > 0)) continue;
        const cols: number[] = [];
        for (const r of hosting) {
          const ms = rtt(client, regions[r]);
          if (ms > threshold) continue;
          const y = b.col(0, INF, (w.distance * ms) / Math.max(threshold, 1) / total, false);
          cols.push(y);
          routed[r].push(y);
          routeCols.push({ tenant: ti, cls, client, region: r, col: y });
        }
        const u = b.col(0, demand, unservedWeight, false);
        us.push(u);
        unservedCols.push({ tenant: ti, cls, client, col: u });
        b.row(demand, demand, [...cols, u], [...cols.map(() => 1), 1]);
      }
    }
    for (const r of hosting) {
      if (routed[r].length === 0) continue;
      b.row(-INF, 0, [...routed[r], ...capCols[r]], [...routed[r].map(() => 1), ...capCoefs[r].map((c) => -c)]);
    }
    if (spec_.tolerateRegionFailure && total > 0) {
      for (const f of hosting) {
        const cols: number[] = [];
        const coefs: number[] = [];
        for (const r of hosting) {
          if (r === f) continue;
          cols.push(...capCols[r]);
          coefs.push(...capCoefs[r]);
        }
        b.row(total, INF, [...cols, ...us], [...coefs, ...us.map(() => 1)]);
      }
    }
    if ((spec_.minReplicasPerRegion ?? 0) > 0) {
      for (const r of hosting) {
        const on = b.col(0, 1, 0, true);
        const big = capCols[r].reduce((a, c) => a + Math.min(1e4, b.upper.a[c]), 0);
        b.row(0, INF, [...capCols[r], on], [...capCols[r].map(() => 1), -spec_.minReplicasPerRegion!]);
        b.row(-INF, 0, [...capCols[r], on], [...capCols[r].map(() => 1), -big]);
      }
    }
    if (spec_.maxReplicasPerRegion !== undefined) {
      for (const r of hosting) if (capCols[r].length > 1) b.row(-INF, spec_.maxReplicasPerRegion, capCols[r], capCols[r].map(() => 1));
    }
  });

  // Supply, final and mid-apply. Tenants the Spec no longer has still hold their units until downsized.
  const known = new Set(tenants.map((t) => t.id));
  const removedUse = new Float64Array(R * K);
  const currentUse = new Float64Array(R * K);
  for (const [id, d] of Object.entries(current.tenants)) {
    const [S, name] = id.split('/');
    for (const [r, byRes] of Object.entries(d.replicas)) {
      for (const [k, n] of Object.entries(byRes)) {
        const ri = rIndex.get(r);
        const ki = kIndex.get(k);
        if (ri === undefined || ki === undefined) continue;
        const units = n * (spec.services[S]?.tenants[name]?.replicas[k]?.units ?? 1);
        currentUse[ri * K + ki] += units;
        if (!known.has(id as TenantId)) removedUse[ri * K + ki] += units;
      }
    }
  }
  for (const [g, byRegion] of Object.entries(current.reservations)) {
    const ki = kIndex.get(spec.reservations[g]?.resource ?? '');
    if (ki !== undefined) for (const [r, m] of Object.entries(byRegion)) if (rIndex.has(r)) currentUse[rIndex.get(r)! * K + ki] += m;
  }
  for (const byRegion of Object.values(current.followers)) {
    for (const [r, byRes] of Object.entries(byRegion)) for (const [k, f] of Object.entries(byRes)) if (rIndex.has(r) && kIndex.has(k)) currentUse[rIndex.get(r)! * K + kIndex.get(k)!] += f;
  }
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < K; k++) {
      const u = usage[r * K + k];
      if (u.final.length > 0) b.row(-INF, supply(r, k), u.final, u.finalUnits);
      if (u.peak.length > 0 && currentUse[r * K + k] > 0) b.row(-INF, Math.max(supply(r, k), currentUse[r * K + k]) - removedUse[r * K + k], u.peak, u.peakUnits);
    }
  }

  // Product readiness: with region f lost, the other regions' free supply holds the followers of f's traffic.
  for (const P of Object.keys(spec.products).sort()) {
    if (!spec.products[P].tolerateRegionFailure) continue;
    const alpha = new Map<number, number>();
    for (const S of Object.keys(spec.services).sort()) {
      for (const [kName, a] of Object.entries(spec.services[S].follows[P]?.perUnit ?? {})) alpha.set(kIndex.get(kName)!, (alpha.get(kIndex.get(kName)!) ?? 0) + a);
    }
    for (let f = 0; f < R; f++) {
      const traffic = trafficIn.get(`${P}\u0000${f}`) ?? [];
      if (traffic.length === 0) continue;
      for (const [k, a] of [...alpha].sort((x, y) => x[0] - y[0])) {
        const cols: number[] = [];
        const coefs: number[] = [];
        let rest = 0;
        for (let r = 0; r < R; r++) {
          if (r === f) continue;
          rest += supply(r, k);
          cols.push(...usage[r * K + k].final);
          coefs.push(...usage[r * K + k].finalUnits);
        }
        b.row(-INF, rest, [...cols, ...traffic], [...coefs, ...traffic.map(() => a)]);
      }
    }
  }

  // Balance: |free(r,k) − supply(r,k)·φ_k| with φ_k the fleet-wide free share.
  if (w.balance > 0) {
    for (let k = 0; k < K; k++) {
      const rs = [...Array(R).keys()].filter((r) => supply(r, k) > 0);
      if (rs.length < 2) continue;
      const total = rs.reduce((a, r) => a + supply(r, k), 0);
      const phi = b.col(-INF, INF, 0, false);
      const all = rs.flatMap((r) => usage[r * K + k].final);
      const allUnits = rs.flatMap((r) => usage[r * K + k].finalUnits);
      b.row(total, total, [phi, ...all], [total, ...allUnits]);
      for (const r of rs) {
        const s = supply(r, k);
        const u = usage[r * K + k];
        const d = b.col(0, INF, w.balance, false);
        b.row(s, INF, [d, ...u.final, phi], [1, ...u.finalUnits, s]);
        b.row(-s, INF, [d, ...u.final, phi], [1, ...u.finalUnits.map((x) => -x), -s]);
      }
    }
  }

  const mip = b.pack();
  let integers = 0;
  for (let i = 0; i < mip.numCols; i++) integers += mip.integrality[i];

  const extract = (x: Float64Array) => {
    const target: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
    const unserved: Unserved = {};
    const unservedProducts: Record<string, Record<string, number>> = {};
    for (const t of tenants) target.tenants[t.id] = { replicas: {}, routing: {} };
    for (const v of replicaCols) {
      const n = Math.round(x[v.col]);
      if (n > 0) (target.tenants[tenants[v.tenant].id].replicas[regions[v.region]] ??= {})[resources[v.resource]] = n;
    }
    const rows = new Map<string, Record<string, number>>();
    for (const v of routeCols) {
      if (x[v.col] <= 1e-9) continue;
      const key = `${v.tenant}\u0000${v.cls}\u0000${v.client}`;
      (rows.get(key) ?? rows.set(key, {}).get(key)!)[regions[v.region]] = x[v.col];
    }
    for (const [key, row] of rows) {
      const [ti, cls, client] = key.split('\u0000');
      const sum = Object.values(row).reduce((a, c) => a + c, 0);
      for (const r of Object.keys(row)) row[r] /= sum;
      ((target.tenants[tenants[Number(ti)].id].routing[cls] ??= {})[client] = normalisedWeights(row));
    }
    for (const v of unservedCols) {
      if (x[v.col] > 1e-6) ((unserved[tenants[v.tenant].id] ??= {})[v.cls] ??= {})[v.client] = x[v.col];
    }
    for (const v of reservationCols) {
      const m = Math.round(x[v.col]);
      if (m > 0) (target.reservations[v.name] ??= {})[regions[v.region]] = m;
    }
    for (const v of followerCols) {
      const f = Math.round(x[v.col]);
      if (f > 0) ((target.followers[v.service] ??= {})[regions[v.region]] ??= {})[resources[v.resource]] = f;
    }
    const shares = new Map<string, Record<string, number>>();
    for (const v of productCols) {
      if (x[v.col] <= 1e-9) continue;
      const key = `${v.product}\u0000${v.client}`;
      (shares.get(key) ?? shares.set(key, {}).get(key)!)[regions[v.region]] = x[v.col];
    }
    for (const [key, row] of shares) {
      const [P, client] = key.split('\u0000');
      const sum = Object.values(row).reduce((a, c) => a + c, 0);
      for (const r of Object.keys(row)) row[r] /= sum;
      (target.products[P] ??= {})[client] = normalisedWeights(row);
    }
    for (const v of productUnserved) if (x[v.col] > 1e-6) (unservedProducts[v.product] ??= {})[v.client] = x[v.col];
    return { target, unserved, unservedProducts };
  };

  return { mip, offset, integers, nonzeros: mip.indices.length, extract };
}
