/**
 * The placement MIP of DESIGN.md ("The planning model"), built column by
 * column in a stable order (sorted names) so the same inputs always give the
 * same model and therefore the same plan.
 *
 * Decisions
 *   n[t,r,k]  integer  replicas of tenant t in region r on resource k
 *   z[t,r,k]  integer  max(current, n) where something runs now: what the region holds mid-apply
 *   y[t,c,s,r]          demand of class c from client s served in r (only within the threshold)
 *   u[t,c,s]            demand left unserved
 *   m[g,r]    integer  reservation units;  w[g] reservation shortfall
 *   p[P,s,r]            product traffic from s served in r; q[P,s] unserved traffic
 *   f[S,r,k]            follower capacity = Σ_P α·Σ_s p[P,s,r] + residual
 */
import type { PlannerWeights } from '../../lang/spec.js';
import type { Deployment } from '../../schemas/state.js';
import { SparseModel } from './sparse-model.js';
import type { TenantEntry, World } from './world.js';
import { unitOfWork } from '../loop-turn.js';

export const INF = 1e30;

export interface ReplicaVar {
  tenant: number;
  region: string;
  resource: string;
  col: number;
  /** Column of max(current, n), or -1 when nothing runs there now (then it is n itself). */
  peakCol: number;
  current: number;
}
export interface RouteVar {
  tenant: number;
  cls: string;
  client: string;
  region: string;
  col: number;
}
export interface UnservedVar {
  tenant: number;
  cls: string;
  client: string;
  demand: number;
  col: number;
}

export interface PlacementModel {
  model: SparseModel;
  /** Objective stages, solved lexicographically in this order (the last one is `main`). */
  stages: string[];
  replicas: ReplicaVar[];
  routes: RouteVar[];
  unserved: UnservedVar[];
  reservations: { name: string; region: string; col: number; peakCol: number; current: number }[];
  reservationShortfall: { name: string; col: number }[];
  productRoutes: { product: string; client: string; region: string; col: number }[];
  productUnserved: { product: string; client: string; demand: number; col: number }[];
  followers: { service: string; region: string; resource: string; col: number; peakCol: number; current: number }[];
  /** Objective terms of the main stage by name, for the report. */
  terms: Map<string, Map<number, number>>;
  /** Constant part of the churn term (Σ current), so that reported churn is |n − current|. */
  churnConstant: number;
  /** Product traffic columns served in each `${product}\u0000${region}`. */
  productServedIn: Map<string, number[]>;
  /** Region-loss shortfall columns per tenant and failed region (rps that region's loss would lose). */
  drShortfall: { tenant: number; region: string; col: number }[];
  /** Units each service holds per `${service}\u0000${region}\u0000${resource}`: what service balancing spreads. */
  serviceUse: Map<string, [number, number][]>;
}

/** Optional goals of one plan (issue: demand shifting): room to free, and how much product traffic may move. */
export interface ModelGoals {
  /** Keep this many units of a resource free in a region (a hardware refresh, a launch). */
  free?: { region: string; resource: string; units: number }[];
  /** Largest share of each product's traffic one plan may move (0..1). */
  maxShift?: number;
  /**
   * Room this model may use per `${region}\u0000${resource}`, replacing the supply rows' right-hand
   * sides: when the fleet is planned in blocks, each block gets what the others leave it.
   * `final` bounds the target's units, `peak` the units held mid-apply (Σ max(current, target)).
   */
  room?: Map<string, { final: number; peak: number }>;
  /**
   * Per tenant id, the regions whose loss is modelled with per-failure routing (planner/region-loss.ts
   * finds the rest; solveBlock adds those it finds violated). Other regions get the aggregate
   * rows, a relaxation of per-failure routing.
   */
  drScenarios?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Regions whose loss is modelled for the products that ask for readiness (planner/product-loss.ts finds them). */
  productScenarios?: ReadonlySet<string>;
  /**
   * Limits to relax when explaining a shortfall (planner/reasons): `supply` lets every (region, resource)
   * hold more than its room, final and mid-apply (more hardware); `peak` lets the apply-time peak
   * exceed its room (the plan applied in two steps). The excess is a slack column minimised in stage
   * `relax`, after demand and region-loss readiness: its optimum is the smallest change that serves most.
   */
  relax?: ReadonlySet<RelaxedLimit>;
  /**
   * An intermediate wave of a multi-wave plan (planner/waves.ts): every replica and reservation count
   * stays between what runs now and `toward` (the wave never moves away from the final target), a
   * region over its supply (an exit) may keep what it holds and only shrink, and stage `toward` pulls
   * the counts and the products' traffic to the target: after every demand stage (a wave keeps serving what it can), or first
   * with `progressFirst` (when keeping service makes no progress).
   */
  wave?: { toward: Deployment; progressFirst?: boolean };
}

/** Limits the model builder can relax (the other families of planner/reasons are edits of the World). */
export type RelaxedLimit = 'supply' | 'peak';

/** One demand row of a tenant: a declared (class, client) demand, or demand that follows product traffic (rate × Σ traffic cols). */
interface DemandRow {
  cls: string;
  client: string;
  demand: number;
  traffic: [number, number][];
  uCol: number;
}

/** One unit of work on the main thread (planner/loop-turn.ts): callers turn the event loop between two builds. */
export function buildPlacementModel(world: World, weights: PlannerWeights, goals: ModelGoals = {}): PlacementModel {
  return unitOfWork('model build', () => buildModel(world, weights, goals), (pm) => pm.model.numCols === 0);
}

function buildModel(world: World, weights: PlannerWeights, goals: ModelGoals): PlacementModel {
  const model = new SparseModel();
  const pm: PlacementModel = {
    model,
    stages: [],
    replicas: [],
    routes: [],
    unserved: [],
    reservations: [],
    reservationShortfall: [],
    productRoutes: [],
    productUnserved: [],
    followers: [],
    terms: new Map([['cost', new Map()], ['churn', new Map()], ['balance', new Map()], ['distance', new Map()]]),
    churnConstant: 0,
    productServedIn: new Map(),
    serviceUse: new Map(),
    drShortfall: [],
  };
  const term = (name: string, col: number, coef: number, weight: number) => {
    if (coef === 0) return;
    const t = pm.terms.get(name)!;
    t.set(col, (t.get(col) ?? 0) + coef);
    model.addObjective('main', col, coef * weight);
  };

  // Usage of each (region, resource): the columns and coefficients of its final and mid-apply amounts.
  const usage = new Map<string, { final: [number, number][]; peak: [number, number][] }>();
  const use = (r: string, k: string) => {
    const key = `${r}\u0000${k}`;
    let u = usage.get(key);
    if (!u) usage.set(key, (u = { final: [], peak: [] }));
    return u;
  };

  addProducts(world, pm, weights, use, term, goals);
  addReservations(world, pm, weights, use, term, goals);
  const priorities = [...new Set(world.tenants.map((t) => t.spec.priority))].sort((a, b) => b - a);
  world.tenants.forEach((t, i) => addTenant(world, pm, t, i, weights, use, term, goals));
  // A priority's region-loss readiness comes right after its demand: before any lower priority's demand.
  for (const p of priorities) pm.stages.push(`unserved:${p}`, `dr:${p}`);
  pm.stages = ['unserved:products', 'dr:products', 'unserved:reservations', ...pm.stages, ...(goals.relax?.size ? ['relax'] : []), 'main'];
  if (goals.wave) pm.stages = goals.wave.progressFirst ? ['toward', ...pm.stages] : [...pm.stages.slice(0, -1), 'toward', 'main'];

  addSupply(world, pm, usage, goals);
  for (const f of [...(goals.productScenarios ?? [])].sort()) addProductFailure(world, pm, f);
  if (weights.balance > 0) addBalance(world, pm, usage, weights, term);
  if (weights.serviceBalance > 0) addServiceBalance(world, pm, weights, term);
  return pm;
}

type Use = (r: string, k: string) => { final: [number, number][]; peak: [number, number][] };
type Term = (name: string, col: number, coef: number, weight: number) => void;

function addTenant(world: World, pm: PlacementModel, t: TenantEntry, index: number, w: PlannerWeights, use: Use, term: Term, goals: ModelGoals): void {
  const { model } = pm;
  const spec = t.spec;
  const capacityCols = new Map<string, { cols: number[]; coefs: number[] }>();
  const maxPerRegion = spec.maxReplicasPerRegion ?? INF;

  for (const r of t.regions) {
    for (const k of t.resources) {
      const option = spec.replicas[k];
      const current = world.currentReplicas(t.id, r, k);
      // With supply relaxed, any region may get hardware it lacks (the slack in addSupply counts it).
      const fits = goals.relax?.has('supply') ? INF : Math.floor(world.supply(r, k) / option.units);
      if (fits <= 0 && current === 0) continue;
      const toward = goals.wave ? (goals.wave.toward.tenants[t.id]?.replicas[r]?.[k] ?? 0) : undefined;
      const n = toward === undefined ? model.addCol(0, Math.min(fits, maxPerRegion), true) : waveCol(pm, current, toward, option.units);
      let peakCol = -1;
      if (current > 0) {
        peakCol = model.addCol(current, INF, true);
        model.addRow(0, INF, [peakCol, n], [1, -1]);
        // |n − current| = 2·max(n, current) − n − current
        term('churn', peakCol, 2 * option.units, w.churn);
        term('churn', n, -option.units, w.churn);
        pm.churnConstant += current * option.units;
      } else {
        term('churn', n, option.units, w.churn);
      }
      term('cost', n, option.units * (world.spec.resources[k]?.cost ?? 0), w.cost);
      pm.replicas.push({ tenant: index, region: r, resource: k, col: n, peakCol, current });
      const u = use(r, k);
      u.final.push([n, option.units]);
      u.peak.push([peakCol >= 0 ? peakCol : n, option.units]);
      serviceUse(pm, t.service, r, k).push([n, option.units]);
      const cap = capacityCols.get(r) ?? { cols: [], coefs: [] };
      cap.cols.push(n);
      cap.coefs.push(option.serves * spec.targetUtilization);
      capacityCols.set(r, cap);
    }
  }

  // Demand: routed within the threshold, or unserved.
  const routedTo = new Map<string, { cols: number[] }>();
  const unservedCols: number[] = [];
  const demandRows: DemandRow[] = [];
  const firstRoute = pm.routes.length; // this tenant's routing columns start here
  let totalDemand = 0;
  for (const cls of Object.keys(spec.demand).sort()) {
    const threshold = spec.latency[cls] ?? 0;
    for (const client of Object.keys(spec.demand[cls]).sort()) {
      const demand = spec.demand[cls][client];
      if (!(demand > 0)) continue;
      totalDemand += demand;
      const cols: number[] = [];
      for (const r of [...capacityCols.keys()].sort()) {
        const rtt = world.latency(client, r);
        if (rtt > threshold) continue;
        const y = model.addCol(0, INF);
        cols.push(y);
        pm.routes.push({ tenant: index, cls, client, region: r, col: y });
        (routedTo.get(r) ?? routedTo.set(r, { cols: [] }).get(r)!).cols.push(y);
        term('distance', y, rtt / Math.max(threshold, 1), w.distance);
      }
      const uCol = model.addCol(0, demand);
      unservedCols.push(uCol);
      demandRows.push({ cls, client, demand, traffic: [], uCol });
      pm.unserved.push({ tenant: index, cls, client, demand, col: uCol });
      model.addObjective(`unserved:${spec.priority}`, uCol, 1);
      model.addRow(demand, demand, [...cols, uCol], [...cols.map(() => 1), 1]);
    }
  }
  // Demand that follows a product: from each region, rate × the product traffic served there.
  const followedTraffic: { cols: number[]; coefs: number[] } = { cols: [], coefs: [] };
  for (const P of Object.keys(spec.follows ?? {}).sort()) {
    for (const cls of Object.keys(spec.follows![P]).sort()) {
      const rate = spec.follows![P][cls];
      const threshold = spec.latency[cls] ?? 0;
      for (const s of world.regions) {
        const traffic = pm.productServedIn.get(`${P}\u0000${s}`) ?? [];
        if (traffic.length === 0 || !(rate > 0)) continue;
        const cols: number[] = [];
        for (const r of [...capacityCols.keys()].sort()) {
          const rtt = world.latency(s, r);
          if (rtt > threshold) continue;
          const y = model.addCol(0, INF);
          cols.push(y);
          pm.routes.push({ tenant: index, cls, client: s, region: r, col: y });
          (routedTo.get(r) ?? routedTo.set(r, { cols: [] }).get(r)!).cols.push(y);
          term('distance', y, rtt / Math.max(threshold, 1) / 1e3, w.distance);
        }
        const uCol = model.addCol(0, INF);
        unservedCols.push(uCol);
        demandRows.push({ cls, client: s, demand: 0, traffic: traffic.map((c) => [c, rate] as [number, number]), uCol });
        pm.unserved.push({ tenant: index, cls, client: s, demand: 0, col: uCol });
        model.addObjective(`unserved:${spec.priority}`, uCol, 1);
        // Σ y + u = rate × Σ p
        model.addRow(0, 0, [...cols, uCol, ...traffic], [...cols.map(() => 1), 1, ...traffic.map(() => -rate)]);
        followedTraffic.cols.push(...traffic);
        followedTraffic.coefs.push(...traffic.map(() => -rate));
      }
    }
  }

  // Normalise the distance term so it is at most `distance` per tenant in total.
  // A route of RTT 0 has no distance term, and with a distance weight of 0 nothing is in the objective
  // (addObjective skips zeros: with zero costs and churn 0 there may be no `main` stage yet).
  if (totalDemand > 0) {
    const d = pm.terms.get('distance')!;
    for (let i = firstRoute; i < pm.routes.length; i++) {
      const rv = pm.routes[i];
      const raw = d.get(rv.col);
      if (raw === undefined) continue;
      const coef = raw / totalDemand;
      d.set(rv.col, coef);
      if (w.distance !== 0) model.objectives.get('main')!.set(rv.col, coef * w.distance);
    }
  }

  // Serving capacity per region covers what is routed there.
  for (const [r, cap] of [...capacityCols].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const routed = routedTo.get(r)?.cols ?? [];
    if (routed.length === 0) continue;
    model.addRow(-INF, 0, [...routed, ...cap.cols], [...routed.map(() => 1), ...cap.coefs.map((c) => -c)]);
  }

  addReadiness(world, pm, t, index, goals, capacityCols, demandRows, unservedCols, totalDemand, followedTraffic);

  // min_replicas: either none in a region or at least the minimum (a switch per region).
  if (spec.minReplicasPerRegion !== undefined && spec.minReplicasPerRegion > 0) {
    for (const [r, cap] of [...capacityCols].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const on = model.addCol(0, 1, true);
      const big = cap.cols.reduce((sum, c) => sum + Math.min(1e4, model.upper(c)), 0);
      model.addRow(0, INF, [...cap.cols, on], [...cap.cols.map(() => 1), -regionMinimum(pm, spec.minReplicasPerRegion, cap.cols)]);
      model.addRow(-INF, 0, [...cap.cols, on], [...cap.cols.map(() => 1), -big]);
    }
  }
  if (spec.maxReplicasPerRegion !== undefined) {
    for (const [, cap] of [...capacityCols].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (cap.cols.length > 1) model.addRow(-INF, spec.maxReplicasPerRegion, cap.cols, cap.cols.map(() => 1));
    }
  }
}

/**
 * The fewest replicas a tenant may run in a region where it runs at all: min_replicas, unless the
 * region's count columns are already held above 0 by their bounds and below the minimum — an
 * intermediate wave (planner/waves.ts) keeps each count between what runs now and the target, and a
 * tenant running fewer than min_replicas now (a state from before min_replicas, or an arbitrary one)
 * may keep that many for a wave. Forcing it up to the minimum there could need more room than the
 * wave has (a region over its supply, held mid-apply), which made the wave's model infeasible; the
 * final plan's counts have lower bounds 0, so its minimum is always min_replicas.
 */
function regionMinimum(pm: PlacementModel, minReplicas: number, cols: number[]): number {
  const held = cols.reduce((sum, c) => sum + pm.model.lower(c), 0);
  return held > 0 ? Math.min(minReplicas, held) : minReplicas;
}

/**
 * Region-loss readiness (docs/language.md): for each region f the tenant may use, the demand served
 * must fit the capacity outside f — per-failure routing within max(threshold, dr_latency) for the
 * regions in `goals.drScenarios`, the aggregate capacity for the others (and for `aggregate` tenants).
 * What cannot be covered is a shortfall in rps, minimised in stage `dr:PRIORITY`, right after the
 * tenant's own priority's demand: serving demand comes first.
 */
function addReadiness(
  world: World,
  pm: PlacementModel,
  t: TenantEntry,
  index: number,
  goals: ModelGoals,
  capacityCols: Map<string, { cols: number[]; coefs: number[] }>,
  demandRows: DemandRow[],
  unservedCols: number[],
  totalDemand: number,
  followedTraffic: { cols: number[]; coefs: number[] },
): void {
  const { model } = pm;
  const spec = t.spec;
  if (!spec.tolerateRegionFailure || (totalDemand <= 0 && followedTraffic.cols.length === 0)) return;
  const stage = `dr:${spec.priority}`;
  const regions = [...capacityCols.keys()].sort();
  const perFailure = spec.aggregateDisasterReadiness ? undefined : goals.drScenarios?.get(t.id);
  for (const f of regions) {
    if (perFailure?.has(f)) {
      addFailureRouting(world, pm, t, index, f, stage, regions, capacityCols, demandRows);
      continue;
    }
    // Demand that no other region could serve with f lost is lost whatever the plan: leaving it out keeps
    // the shortfall stage at 0 when nothing else is short (the solver's quick path), and changes no plan.
    const kept = demandRows.filter((row) => !lostWhatever(world, t, row, f, regions));
    if (kept.length === 0) continue;
    const cols: number[] = [];
    const coefs: number[] = [];
    for (const r of regions) {
      if (r === f) continue;
      const cap = capacityCols.get(r)!;
      cols.push(...cap.cols);
      coefs.push(...cap.coefs);
    }
    const short = model.addCol(0, INF);
    pm.drShortfall.push({ tenant: index, region: f, col: short });
    model.addObjective(stage, short, 1);
    const traffic = kept.flatMap((row) => row.traffic);
    // capacity outside f + unserved + shortfall ≥ declared demand + followed demand
    model.addRow(
      kept.reduce((sum, row) => sum + row.demand, 0),
      INF,
      [...cols, ...kept.map((row) => row.uCol), ...traffic.map(([c]) => c), short],
      [...coefs, ...kept.map(() => 1), ...traffic.map(([, a]) => -a), 1],
    );
  }
}

/** Whether a demand row is lost with f lost however the tenant is placed: no other region it may use reaches it. */
function lostWhatever(world: World, t: TenantEntry, row: DemandRow, f: string, regions: string[]): boolean {
  if (t.spec.aggregateDisasterReadiness) return regions.every((r) => r === f);
  const threshold = Math.max(t.spec.latency[row.cls] ?? 0, t.spec.drLatency ?? 0);
  return regions.every((r) => r === f || world.latency(row.client, r) > threshold);
}

/** With f lost: each demand row re-routed over the other regions within max(threshold, dr_latency), fitting their capacity. */
function addFailureRouting(
  world: World,
  pm: PlacementModel,
  t: TenantEntry,
  index: number,
  f: string,
  stage: string,
  regions: string[],
  capacityCols: Map<string, { cols: number[]; coefs: number[] }>,
  demandRows: DemandRow[],
): void {
  const { model } = pm;
  const load = new Map<string, number[]>();
  for (const row of demandRows) {
    const threshold = Math.max(t.spec.latency[row.cls] ?? 0, t.spec.drLatency ?? 0);
    const cols: number[] = [];
    for (const r of regions) {
      if (r === f || world.latency(row.client, r) > threshold) continue;
      const y = model.addCol(0, INF);
      cols.push(y);
      (load.get(r) ?? load.set(r, []).get(r)!).push(y);
    }
    if (cols.length === 0) continue; // lost whatever the plan (see lostWhatever)
    const short = model.addCol(0, INF);
    pm.drShortfall.push({ tenant: index, region: f, col: short });
    model.addObjective(stage, short, 1);
    // re-routed + unserved anyway + shortfall ≥ demand (+ rate × followed traffic)
    model.addRow(row.demand, INF, [...cols, row.uCol, short, ...row.traffic.map(([c]) => c)], [...cols.map(() => 1), 1, 1, ...row.traffic.map(([, a]) => -a)]);
  }
  for (const [r, ys] of [...load].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const cap = capacityCols.get(r)!;
    model.addRow(-INF, 0, [...ys, ...cap.cols], [...ys.map(() => 1), ...cap.coefs.map((c) => -c)]);
  }
}

/**
 * A count of an intermediate wave: between what runs now and the final target's count, pulled toward the
 * target in stage `toward` by its distance d = |n − toward| (linear inside that box). The stage is a
 * shortfall stage like the others — non-negative columns and coefficients, 0 when the wave reaches
 * the target — which is what the solver's lexicographic stages assume (planner/solve/highs-worker.js).
 */
function waveCol(pm: PlacementModel, current: number, toward: number, units: number): number {
  const col = pm.model.addCol(Math.min(current, toward), Math.max(current, toward), true);
  if (toward === current) return col;
  const d = pm.model.addCol(0, Math.abs(toward - current));
  // toward above: d = toward − n; below: d = n − toward
  pm.model.addRow(toward > current ? toward : -toward, toward > current ? toward : -toward, [d, col], [1, toward > current ? 1 : -1]);
  pm.model.addObjective('toward', d, units);
  return col;
}

/**
 * An intermediate wave pulls product traffic toward the target's as well (|p − toward| in stage
 * `toward`, a whole product's traffic counting as 1): traffic leaving a region whose supply is gone
 * is progress even when each wave could serve it where it is. --max-shift bounds how much a wave moves.
 */
function pullTraffic(pm: PlacementModel, p: number, toward: number, weight: number): void {
  const d = pm.model.addCol(0, INF);
  pm.model.addRow(-toward, INF, [d, p], [1, -1]); // d ≥ p − toward
  pm.model.addRow(toward, INF, [d, p], [1, 1]); // d ≥ toward − p
  pm.model.addObjective('toward', d, weight);
}

function addReservations(world: World, pm: PlacementModel, w: PlannerWeights, use: Use, term: Term, goals?: ModelGoals): void {
  const { model, spec } = { model: pm.model, spec: world.spec };
  for (const name of Object.keys(spec.reservations).sort()) {
    const g = spec.reservations[name];
    const regions = world.regions.filter((r) => spec.regions[r].locality === g.locality);
    const cols: number[] = [];
    for (const r of regions) {
      const current = world.currentReservation(name, r);
      const toward = goals?.wave ? (goals.wave.toward.reservations[name]?.[r] ?? 0) : undefined;
      const m = toward === undefined ? model.addCol(0, world.supply(r, g.resource), true) : waveCol(pm, current, toward, 1);
      let peakCol = -1;
      if (current > 0) {
        peakCol = model.addCol(current, INF, true);
        model.addRow(0, INF, [peakCol, m], [1, -1]);
        term('churn', peakCol, 2, w.churn);
        term('churn', m, -1, w.churn);
        pm.churnConstant += current;
      } else term('churn', m, 1, w.churn);
      term('cost', m, spec.resources[g.resource]?.cost ?? 0, w.cost);
      cols.push(m);
      pm.reservations.push({ name, region: r, col: m, peakCol, current });
      const u = use(r, g.resource);
      u.final.push([m, 1]);
      u.peak.push([peakCol >= 0 ? peakCol : m, 1]);
    }
    const short = model.addCol(0, g.amount);
    pm.reservationShortfall.push({ name, col: short });
    model.addObjective('unserved:reservations', short, 1);
    model.addRow(g.amount, INF, [...cols, short], [...cols.map(() => 1), 1]);
    if (g.tolerateRegionFailure) {
      for (let f = 0; f < cols.length; f++) {
        const rest = cols.filter((_, i) => i !== f);
        model.addRow(g.amount, INF, [...rest, short], [...rest.map(() => 1), 1]);
      }
    }
  }
}

function addProducts(world: World, pm: PlacementModel, w: PlannerWeights, use: Use, term: Term, goals: ModelGoals): void {
  const { model } = pm;
  const spec = world.spec;
  // traffic served per (product, region): the columns that add up to it
  const servedIn = new Map<string, number[]>();
  // |traffic moved| per product: what --max-shift limits
  const shiftCols = new Map<string, number[]>();
  // per product: its unserved columns, and the traffic its current shares place in the regions it may use
  const unservedCols = new Map<string, number[]>();
  const currentTraffic = new Map<string, number>();
  for (const P of Object.keys(spec.products).sort()) {
    const product = spec.products[P];
    const regions = world.regions.filter((r) => !product.avoid.includes(r));
    const productTotal = Object.values(product.demand).reduce((a, b) => a + b, 0);
    for (const s of Object.keys(product.demand).sort()) {
      const demand = product.demand[s];
      if (!(demand > 0)) continue;
      const cols: number[] = [];
      for (const r of regions) {
        if (world.latency(s, r) > product.latency) continue;
        const p = model.addCol(0, INF);
        cols.push(p);
        pm.productRoutes.push({ product: P, client: s, region: r, col: p });
        (servedIn.get(`${P}\u0000${r}`) ?? servedIn.set(`${P}\u0000${r}`, []).get(`${P}\u0000${r}`)!).push(p);
        // Stability: |p − current| as a ≥ ±(p − current).
        const current = demand * world.currentShare(P, s, r);
        const a = model.addCol(0, INF);
        model.addRow(-current, INF, [a, p], [1, -1]);
        model.addRow(current, INF, [a, p], [1, 1]);
        (shiftCols.get(P) ?? shiftCols.set(P, []).get(P)!).push(a);
        currentTraffic.set(P, (currentTraffic.get(P) ?? 0) + current);
        if (goals.wave) pullTraffic(pm, p, demand * (goals.wave.toward.products[P]?.[s]?.[r] ?? 0), 1 / productTotal);
        term('distance', p, world.latency(s, r) / Math.max(product.latency, 1) / demand, w.distance);
      }
      const q = model.addCol(0, demand);
      pm.productUnserved.push({ product: P, client: s, demand, col: q });
      (unservedCols.get(P) ?? unservedCols.set(P, []).get(P)!).push(q);
      model.addObjective('unserved:products', q, 1);
      model.addRow(demand, demand, [...cols, q], [...cols.map(() => 1), 1]);
    }
  }
  // Follower capacity per (service, region, resource): linear in the traffic it follows, plus the residual.
  for (const S of Object.keys(spec.services).sort()) {
    const service = spec.services[S];
    const resources = new Set<string>();
    for (const c of Object.values(service.follows)) for (const k of Object.keys(c.perUnit)) resources.add(k);
    for (const byRes of Object.values(service.residual)) for (const k of Object.keys(byRes)) resources.add(k);
    for (const r of world.regions) {
      for (const k of [...resources].sort()) {
        const residual = service.residual[r]?.[k] ?? 0;
        const cols: number[] = [];
        const coefs: number[] = [];
        for (const P of Object.keys(service.follows).sort()) {
          const alpha = service.follows[P].perUnit[k] ?? 0;
          for (const p of servedIn.get(`${P}\u0000${r}`) ?? []) {
            cols.push(p);
            coefs.push(-alpha);
          }
        }
        const current = world.currentFollower(S, r, k);
        if (cols.length === 0 && residual === 0 && current === 0) continue;
        // Whole servers: at least what the traffic and the residual need.
        const f = model.addCol(0, INF, true);
        model.addRow(residual, INF, [f, ...cols], [1, ...coefs]);
        let peakCol = -1;
        if (current > 0) {
          peakCol = model.addCol(current, INF, true);
          model.addRow(0, INF, [peakCol, f], [1, -1]);
          term('churn', peakCol, 2, w.churn);
          term('churn', f, -1, w.churn);
          pm.churnConstant += current;
        } else term('churn', f, 1, w.churn);
        term('cost', f, spec.resources[k]?.cost ?? 0, w.cost);
        pm.followers.push({ service: S, region: r, resource: k, col: f, peakCol, current });
        const u = use(r, k);
        u.final.push([f, 1]);
        u.peak.push([peakCol >= 0 ? peakCol : f, 1]);
        serviceUse(pm, S, r, k).push([f, 1]);
      }
    }
  }
  // Churn budget: traffic that arrives in a region beyond what it serves now ≤ share × total. With a ≥
  // |p − current|, arrivals = (Σ a − Σ current + Σ p) / 2 and Σ p = total − Σ q: traffic left unserved
  // leaves its region without arriving anywhere, so it is no shift. (Counting it as moved made a plan
  // infeasible where a region's supply is gone: its traffic must leave, served elsewhere or not.)
  if (goals.maxShift !== undefined) {
    for (const [P, cols] of [...shiftCols].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const total = Object.values(spec.products[P].demand).reduce((a, b) => a + b, 0);
      const qs = unservedCols.get(P) ?? [];
      const rhs = 2 * goals.maxShift * total + (currentTraffic.get(P) ?? 0) - total;
      model.addRow(-INF, rhs, [...cols, ...qs], [...cols.map(() => 1), ...qs.map(() => -1)]);
    }
  }
  pm.productServedIn = servedIn;
}

/**
 * Supply per (region, resource): the target must fit, and so must the
 * mid-apply peak Σ max(current, target). Where the current deployment
 * already exceeds the supply (supply shrank), the peak may not grow beyond
 * what is there now: the plan then only shrinks that region.
 */
function addSupply(world: World, pm: PlacementModel, usage: Map<string, { final: [number, number][]; peak: [number, number][] }>, goals: ModelGoals): void {
  const removed = world.removedTenants();
  const reserved = new Map<string, number>();
  for (const g of goals.free ?? []) reserved.set(`${g.region}\u0000${g.resource}`, (reserved.get(`${g.region}\u0000${g.resource}`) ?? 0) + g.units);
  for (const r of world.regions) {
    for (const k of world.resources) {
      const u = usage.get(`${r}\u0000${k}`);
      const supply = world.supply(r, k);
      // What runs now and has no column here is held, unchanged, until apply's downsizes: tenants the Spec no
      // longer has, and a tenant's replicas in a region or on a resource it may no longer use.
      let heldOutside = 0;
      for (const t of world.tenants) {
        if (t.regions.includes(r) && t.resources.includes(k)) continue;
        heldOutside += world.currentReplicas(t.id, r, k) * world.unitsPerReplica(t.id, k, true);
      }
      let removedUse = heldOutside;
      for (const id of removed) removedUse += world.currentReplicas(id, r, k) * world.unitsPerReplica(id, k, true);
      if (!u && removedUse === 0) continue;
      const final = u?.final ?? [];
      const peak = u?.peak ?? [];
      const keepFree = reserved.get(`${r}\u0000${k}`) ?? 0;
      const room = goals.room?.get(`${r}\u0000${k}`);
      const slack = relaxSlack(pm, goals, final.length > 0 || peak.length > 0);
      if (room) {
        // An intermediate wave may keep what its part of the fleet holds now beyond its room (an exit:
        // it shrinks in later waves); the peak row still bounds the whole fleet.
        const roomFinal = Math.max(0, room.final - keepFree);
        const finalRoom = goals.wave ? Math.max(roomFinal, world.currentUsage(r, k)) : roomFinal;
        if (final.length > 0) pm.model.addRow(-INF, finalRoom, ...withSlack(final, slack.final));
        if (peak.length > 0) pm.model.addRow(-INF, room.peak - heldOutside, ...withSlack(peak, slack.peak));
        continue;
      }
      const current = world.currentUsage(r, k);
      // An intermediate wave may keep what a region over its supply holds now (it shrinks in later waves).
      const finalLimit = goals.wave ? Math.max(supply - keepFree, current) : supply - keepFree;
      if (final.length > 0) pm.model.addRow(-INF, Math.max(0, finalLimit), ...withSlack(final, slack.final));
      if (peak.length > 0 && (current > 0 || removedUse > 0)) {
        pm.model.addRow(-INF, Math.max(supply, current) - removedUse, ...withSlack(peak, slack.peak));
      }
    }
  }
}

/**
 * Slack columns of one (region, resource) under `goals.relax` (-1: none): more hardware lifts the
 * final and the peak limit alike (one column in both rows); a relaxed peak lifts the peak alone.
 */
function relaxSlack(pm: PlacementModel, goals: ModelGoals, used: boolean): { final: number; peak: number } {
  if (!used || !goals.relax?.size) return { final: -1, peak: -1 };
  const hardware = goals.relax.has('supply') ? pm.model.addCol(0, INF) : -1;
  const peakOnly = goals.relax.has('peak') ? pm.model.addCol(0, INF) : -1;
  for (const c of [hardware, peakOnly]) if (c >= 0) pm.model.addObjective('relax', c, 1);
  if (peakOnly < 0) return { final: hardware, peak: hardware };
  return { final: hardware, peak: peakOnly };
}

/** A supply row's columns and coefficients, less the slack column (if any). */
function withSlack(use: [number, number][], slack: number): [number[], number[]] {
  const cols = use.map(([c]) => c);
  const coefs = use.map(([, v]) => v);
  if (slack >= 0) return [[...cols, slack], [...coefs, -1]];
  return [cols, coefs];
}

/**
 * Balance: free capacity of each (region, resource) close to its share of
 * the resource's total free capacity, in proportion to the region's supply:
 * |free(r,k) − supply(r,k)·φ_k| with φ_k the fleet-wide free fraction.
 */
function addBalance(world: World, pm: PlacementModel, usage: Map<string, { final: [number, number][] }>, w: PlannerWeights, term: Term): void {
  const { model } = pm;
  for (const k of world.resources) {
    const regions = world.regions.filter((r) => world.supply(r, k) > 0 && usage.has(`${r}\u0000${k}`));
    if (regions.length < 2) continue;
    const total = regions.reduce((s, r) => s + world.supply(r, k), 0);
    const phi = model.addCol(-INF, INF);
    const allCols: number[] = [];
    const allCoefs: number[] = [];
    for (const r of regions) {
      for (const [c, v] of usage.get(`${r}\u0000${k}`)!.final) {
        allCols.push(c);
        allCoefs.push(v);
      }
    }
    // total·φ + Σ used = total
    model.addRow(total, total, [phi, ...allCols], [total, ...allCoefs]);
    for (const r of regions) {
      const supply = world.supply(r, k);
      const used = usage.get(`${r}\u0000${k}`)!.final;
      const d = model.addCol(0, INF);
      // d ≥ (supply − used) − supply·φ   and   d ≥ supply·φ − (supply − used)
      model.addRow(supply, INF, [d, ...used.map(([c]) => c), phi], [1, ...used.map(([, v]) => v), supply]);
      model.addRow(-supply, INF, [d, ...used.map(([c]) => c), phi], [1, ...used.map(([, v]) => -v), -supply]);
      term('balance', d, 1, w.balance);
    }
  }
}

/**
 * Region-loss readiness of the products that ask for it, with region f lost (planner/product-loss.ts):
 * their traffic re-routed within each product's latency to the other regions, carried by the follower
 * capacity planned there beyond each service's residual. What cannot be re-routed is a shortfall,
 * minimised in stage `dr:products`, right after the products' own traffic.
 */
function addProductFailure(world: World, pm: PlacementModel, f: string): void {
  const { model } = pm;
  const spec = world.spec;
  const load = new Map<string, { cols: number[]; coefs: number[] }>();
  const followerCol = new Map(pm.followers.map((v) => [`${v.service}\u0000${v.region}\u0000${v.resource}`, v.col]));
  for (const v of pm.productUnserved) {
    const product = spec.products[v.product];
    if (!product.tolerateRegionFailure) continue;
    const cols: number[] = [];
    for (const r of world.regions) {
      if (r === f || product.avoid.includes(r) || world.latency(v.client, r) > product.latency) continue;
      const y = model.addCol(0, INF);
      cols.push(y);
      for (const S of Object.keys(spec.services).sort()) {
        for (const [k, alpha] of Object.entries(spec.services[S].follows[v.product]?.perUnit ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
          const key = `${S}\u0000${r}\u0000${k}`;
          const l = load.get(key) ?? load.set(key, { cols: [], coefs: [] }).get(key)!;
          l.cols.push(y);
          l.coefs.push(alpha);
        }
      }
    }
    const short = model.addCol(0, INF);
    model.addObjective('dr:products', short, 1);
    // re-routed + unserved anyway + shortfall ≥ demand
    model.addRow(v.demand, INF, [...cols, v.col, short], [...cols.map(() => 1), 1, 1]);
  }
  for (const [key, l] of [...load].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [S, r, k] = key.split('\u0000');
    const residual = spec.services[S].residual[r]?.[k] ?? 0;
    const col = followerCol.get(key);
    // Σ α · re-routed ≤ follower capacity − residual
    if (col === undefined) model.addRow(-INF, 0, l.cols, l.coefs);
    else model.addRow(-INF, -residual, [...l.cols, col], [...l.coefs, -1]);
  }
}

function serviceUse(pm: PlacementModel, service: string, region: string, resource: string): [number, number][] {
  const key = `${service}\u0000${region}\u0000${resource}`;
  let list = pm.serviceUse.get(key);
  if (!list) pm.serviceUse.set(key, (list = []));
  return list;
}

/**
 * Service capacity balancing (the demand-shift seed's first objective): each
 * service's units of a resource spread across the regions that have it in
 * proportion to their supply, |cap(S,r,k) − supply(r,k)/supply(k) × cap(S,k)|.
 */
function addServiceBalance(world: World, pm: PlacementModel, w: PlannerWeights, term: Term): void {
  const groups = new Map<string, Map<string, [number, number][]>>();
  for (const [key, cols] of [...pm.serviceUse].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [S, r, k] = key.split('\u0000');
    const g = groups.get(`${S}\u0000${k}`) ?? groups.set(`${S}\u0000${k}`, new Map()).get(`${S}\u0000${k}`)!;
    g.set(r, cols);
  }
  for (const [key, byRegion] of groups) {
    const k = key.split('\u0000')[1];
    const regions = world.regions.filter((r) => world.supply(r, k) > 0);
    if (regions.length < 2) continue;
    const total = regions.reduce((a, r) => a + world.supply(r, k), 0);
    const all = regions.flatMap((r) => byRegion.get(r) ?? []);
    for (const r of regions) {
      const share = world.supply(r, k) / total;
      const own = byRegion.get(r) ?? [];
      // d ≥ ±(cap_r − share × Σ cap)
      const coef = new Map<number, number>();
      for (const [c, v] of own) coef.set(c, (coef.get(c) ?? 0) + v);
      for (const [c, v] of all) coef.set(c, (coef.get(c) ?? 0) - share * v);
      const cols = [...coef.keys()];
      const vals = cols.map((c) => coef.get(c)!);
      const d = pm.model.addCol(0, INF);
      pm.model.addRow(0, INF, [d, ...cols], [1, ...vals.map((v) => -v)]);
      pm.model.addRow(0, INF, [d, ...cols], [1, ...vals]);
      term('balance', d, 1, w.serviceBalance);
    }
  }
}
