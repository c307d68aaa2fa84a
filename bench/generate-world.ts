/**
 * A seeded synthetic world for the fleet-scale benchmark, with the structure
 * of a real fleet:
 *
 * - regions scattered around continental centres, grouped into localities,
 *   RTTs from great-circle distance, plus edge locations (client-only);
 * - K hardware types with uneven supply: CPUs everywhere, accelerators in
 *   some regions only, region sizes lognormal;
 * - T tenants over S services (Zipf: a few big services), demand Pareto
 *   distributed (a few big tenants, many small) and skewed across 1–5 client
 *   locations near the tenant's home, a mix of latency tiers and of one- and
 *   two-class tenants, 1–3 hardware options, priorities, DR on a fraction,
 *   residency (only_in / avoid), min/max replicas and max_surge on a few;
 * - reservations per locality, products with follower services;
 * - supply sized from a greedy placement of the nominal demand (which fits,
 *   so the world is feasible) with ~30% headroom overall, some regions tight;
 * - a current State that is a greedy placement of demand perturbed by ±10%
 *   against the supply (an earlier plan gone slightly stale), with a few
 *   tenants not deployed yet and a few deployed ones that were since removed.
 *
 * Pure: the same parameters give the same world, byte for byte.
 */
import { LATENCY_TIERS, tenantId, type Product, type Reservation, type Service, type Spec, type Tenant, type TenantId, SPEC_VERSION } from '../lang/spec.js';
import { STATE_VERSION, type Deployment, type State, type TenantDeployment } from '../schemas/state.js';
import { normalisedWeights, placeTenant, type GreedyOption, type GreedyTenant, type GreedyWorld } from './greedy-placement.js';
import { Random } from './random.js';
import { generateGeography, type Geography } from './world-geography.js';
import { projectFiles } from './write-project.js';

export interface WorldParams {
  tenants: number;
  regions: number;
  /** Hardware types (1–20). */
  resources: number;
  seed: number;
  /** Default ⌈tenants / 25⌉. */
  services?: number;
  /** Share of tenants with `tolerate region-failure`. Default 0.15. */
  drFraction?: number;
  /** Edge locations (client-only). Default ⌊regions / 2⌋. */
  edgeLocations?: number;
  /** Spare supply over the reference placement, overall. Default 0.3. */
  headroom?: number;
  /** Products, each with two follower services. Default 2 (0 with one region). */
  products?: number;
  /** Reservations (one per locality, largest first). Default up to 3. */
  reservations?: number;
}

export interface WorldStats {
  localities: number;
  edgeLocations: number;
  services: number;
  demandEntries: number;
  totalRps: number;
  drTenants: number;
  tenantsDeployed: number;
  tenantsRemoved: number;
  /** Supply / reference need, per resource. */
  headroom: Record<string, number>;
  /** (region, resource) pairs where supply is within 5% of the reference need. */
  tightPairs: number;
}

export interface GeneratedWorld {
  spec: Spec;
  current: State;
  /**
   * A placement of the nominal demand that fits the supply in every region:
   * the proof that the whole demand can be served (the supply was sized from it).
   */
  reference: Deployment;
  /** The project's DSL files, by name. */
  dsl: Map<string, string>;
  stats: WorldStats;
}

interface ResourceKind {
  name: string;
  unit: string;
  cost: number;
  /** rps per unit relative to a CPU server. */
  speed: number;
  /** Share of regions that have it. */
  presence: number;
  /** How often it is a tenant's first choice. */
  popularity: number;
  /** Units one replica takes. */
  units: number[];
}

const CATALOGUE: ResourceKind[] = [
  { name: 'cpu', unit: 'server', cost: 0.1, speed: 1, presence: 1, popularity: 5, units: [1] },
  { name: 'h100', unit: 'gpu', cost: 3, speed: 12, presence: 0.45, popularity: 1, units: [1, 2, 4, 8] },
  { name: 'a100', unit: 'gpu', cost: 1.2, speed: 6, presence: 0.65, popularity: 1.5, units: [1, 2, 4] },
  { name: 'ssd', unit: 'server', cost: 0.3, speed: 1.5, presence: 0.8, popularity: 1.5, units: [1, 2] },
  { name: 'l4', unit: 'gpu', cost: 0.6, speed: 3, presence: 0.6, popularity: 1, units: [1, 2] },
  { name: 'mem', unit: 'server', cost: 0.25, speed: 1.3, presence: 0.85, popularity: 1, units: [1] },
  { name: 'tpu', unit: 'chip', cost: 2, speed: 9, presence: 0.3, popularity: 0.5, units: [4, 8] },
  { name: 'arm', unit: 'server', cost: 0.08, speed: 0.9, presence: 0.5, popularity: 1, units: [1] },
];

const TIERS: { tier: number; share: number }[] = [
  { tier: LATENCY_TIERS.regional, share: 0.05 },
  { tier: LATENCY_TIERS.zonal, share: 0.25 },
  { tier: LATENCY_TIERS.continental, share: 0.45 },
  { tier: LATENCY_TIERS.global, share: 0.25 },
];
const LOOSER: Record<number, number> = { 1: 20, 20: 70, 70: 200, 200: 200 };
const PRODUCT_NAMES = ['social', 'video', 'search', 'maps', 'store', 'music'];
/** Share of CPU need that follower services take, over all products. */
const FOLLOWER_SHARE = 0.04;

export function generateWorld(params: WorldParams): GeneratedWorld {
  const p = normalise(params);
  const rand = new Random(p.seed);
  const geo = generateGeography(rand, p.regions, p.edgeLocations);
  const kinds = catalogue(rand, p.resources);
  const R = geo.regions.length;
  const K = kinds.length;
  const holds = presence(rand, geo, kinds);
  const world: GreedyWorld = { regions: geo.regions, resources: kinds.map((k) => k.name), locations: geo.locations, rtt: geo.rtt, holds };

  const services = serviceNames(p.services);
  const tenants = generateTenants(rand, p, geo, kinds, holds, services);

  // Reference: the nominal demand placed greedily with unlimited supply. The supply is sized from it.
  const need = new Float64Array(R * K);
  const reference: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  for (const t of tenants) {
    const d = placeTenant(world, t.greedy, 1, null);
    reference.tenants[t.id] = d;
    addUse(need, world, d, t.spec);
  }
  const cpuNeed = regionTotals(need, R, K, 0);
  const products = generateProducts(rand, p, geo, cpuNeed);
  const followerNeed = followerUnits(products.services, products.products, identityRouting(products.products));
  for (const [S, byRegion] of Object.entries(followerNeed)) {
    reference.followers[S] = byRegion;
    for (const [r, byRes] of Object.entries(byRegion)) need[geo.regions.indexOf(r) * K] += byRes.cpu;
  }
  reference.products = identityRouting(products.products);
  const reservations = generateReservations(p, geo, cpuNeed);
  for (const [name, g] of Object.entries(reservations)) {
    reference.reservations[name] = spreadReservation(geo, g);
    for (const [r, m] of Object.entries(reference.reservations[name])) need[geo.regions.indexOf(r) * K] += m;
  }

  const { supply, tightPairs } = sizeSupply(rand, geo, holds, need, K, p.headroom);
  const spec = assembleSpec(geo, kinds, supply, tenants, products, reservations);
  const current = currentState(rand, p, world, geo, supply, tenants, products, reservations, reference);

  const headroom: Record<string, number> = {};
  kinds.forEach((k, ki) => {
    const n = regionTotals(need, R, K, ki).reduce((a, b) => a + b, 0);
    const s = regionTotals(supply, R, K, ki).reduce((a, b) => a + b, 0);
    headroom[k.name] = n > 0 ? Math.round((s / n - 1) * 1000) / 1000 : Infinity;
  });
  const known = new Set<string>(tenants.map((t) => t.id));
  const deployed = Object.keys(current.tenants).filter((id) => known.has(id)).length;
  const stats: WorldStats = {
    localities: geo.localities.length,
    edgeLocations: geo.edges.length,
    services: services.length + Object.keys(products.services).length,
    demandEntries: tenants.reduce((a, t) => a + t.greedy.demands.length, 0),
    totalRps: tenants.reduce((a, t) => a + t.greedy.demands.reduce((b, d) => b + d.rps, 0), 0),
    drTenants: tenants.filter((t) => t.spec.tolerateRegionFailure).length,
    tenantsDeployed: deployed,
    tenantsRemoved: Object.keys(current.tenants).length - deployed,
    headroom,
    tightPairs,
  };
  const dsl = projectFiles(spec, `generated by globe's benchmark: ${p.tenants} tenants, ${p.regions} regions, ${p.resources} resources, seed ${p.seed}`);
  return { spec, current, reference, dsl, stats };
}

type Params = Required<WorldParams>;

function normalise(p: WorldParams): Params {
  const whole = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be a whole number from ${lo} to ${hi}, got ${v}`);
    return v;
  };
  const tenants = whole('tenants', p.tenants, 1, 1_000_000);
  const regions = whole('regions', p.regions, 1, 500);
  return {
    tenants,
    regions,
    resources: whole('resources', p.resources, 1, 20),
    seed: whole('seed', p.seed, 0, 2 ** 32 - 1),
    services: whole('services', p.services ?? Math.ceil(tenants / 25), 1, tenants),
    drFraction: p.drFraction ?? 0.15,
    edgeLocations: whole('edgeLocations', p.edgeLocations ?? Math.floor(regions / 2), 0, 1000),
    headroom: p.headroom ?? 0.3,
    products: whole('products', p.products ?? (regions > 1 ? 2 : 0), 0, PRODUCT_NAMES.length),
    reservations: whole('reservations', p.reservations ?? 3, 0, 10),
  };
}

function catalogue(rand: Random, count: number): ResourceKind[] {
  const out = CATALOGUE.slice(0, count);
  for (let i = out.length; i < count; i++) {
    out.push({ name: `hw${i}`, unit: 'server', cost: Math.round(rand.uniform(0.1, 2) * 100) / 100, speed: rand.uniform(1, 8), presence: rand.uniform(0.3, 0.9), popularity: 1, units: [1, 2] });
  }
  return out;
}

/** Which regions have which hardware: CPUs everywhere, the rest in a share of regions (at least two). */
function presence(rand: Random, geo: Geography, kinds: ResourceKind[]): Uint8Array {
  const R = geo.regions.length;
  const K = kinds.length;
  const holds = new Uint8Array(R * K);
  kinds.forEach((kind, k) => {
    let n = 0;
    for (let r = 0; r < R; r++) if (k === 0 || rand.chance(kind.presence)) (holds[r * K + k] = 1), n++;
    for (const r of rand.sample([...Array(R).keys()], R)) {
      if (n >= Math.min(2, R)) break;
      if (!holds[r * K + k]) (holds[r * K + k] = 1), n++;
    }
  });
  return holds;
}

function serviceNames(count: number): string[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `svc-${String(i + 1).padStart(width, '0')}`);
}

interface GeneratedTenant {
  id: TenantId;
  service: string;
  name: string;
  spec: Tenant;
  greedy: GreedyTenant;
}

function generateTenants(rand: Random, p: Params, geo: Geography, kinds: ResourceKind[], holds: Uint8Array, services: string[]): GeneratedTenant[] {
  const R = geo.regions.length;
  const K = kinds.length;
  const L = geo.locations.length;
  const width = Math.max(4, String(p.tenants).length);
  // Zipf over services: the first tenants go one to each service, the rest mostly to the first services.
  const cumulative = new Float64Array(services.length);
  for (let s = 0, acc = 0; s < services.length; s++) cumulative[s] = acc += 1 / Math.pow(s + 1, 0.9);
  const holders = kinds.map((_, k) => [...Array(R).keys()].filter((r) => holds[r * K + k]));

  const out: GeneratedTenant[] = [];
  for (let i = 0; i < p.tenants; i++) {
    const service = services[i < services.length ? i : lowerBound(cumulative, rand.next() * cumulative[cumulative.length - 1])];
    const name = `t${String(i + 1).padStart(width, '0')}`;
    const first = rand.weighted(kinds.map((k) => k.popularity));
    const home = holders[first][rand.weighted(holders[first].map((r) => geo.size[r]))];
    const tier = TIERS[rand.weighted(TIERS.map((t) => t.share))].tier;

    // Hardware: the first choice is held at home; alternatives of the same kind where there are any.
    const perUnit = rand.lognormal(Math.log(120), 0.6);
    const optionKinds = [first];
    const extra = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2][rand.int(0, 9)];
    const sameKind = [...Array(K).keys()].filter((k) => k !== first && kinds[k].unit === kinds[first].unit);
    const otherKind = [...Array(K).keys()].filter((k) => k !== first && kinds[k].unit !== kinds[first].unit);
    optionKinds.push(...rand.sample(sameKind, extra));
    optionKinds.push(...rand.sample(otherKind, extra - (optionKinds.length - 1)));
    const replicas: Tenant['replicas'] = {};
    for (const k of optionKinds) {
      const units = rand.pick(kinds[k].units);
      replicas[kinds[k].name] = { units, serves: Math.max(5, Math.round(perUnit * kinds[k].speed * units * rand.uniform(0.8, 1.25))) };
    }

    // Demand: Pareto total, over 1–5 client locations near home, the home location the largest.
    const total = Math.min(80_000, rand.pareto(30, 1.2));
    const near = [...Array(L).keys()].filter((l) => l !== home && geo.rtt[home * L + l] <= tier);
    const clients = [home, ...rand.sample(near, rand.weighted([0.35, 0.3, 0.2, 0.1, 0.05]))];
    const shares = clients.map((_, j) => (j === 0 ? 1 + rand.next() : rand.next() ** 2));
    const shareSum = shares.reduce((a, b) => a + b, 0);
    const twoClasses = rand.chance(0.25);
    const demand: Tenant['demand'] = {};
    const latency: Tenant['latency'] = {};
    const main = twoClasses ? 'read' : 'main';
    demand[main] = {};
    latency[main] = tier;
    clients.forEach((c, j) => (demand[main][geo.locations[c]] = Math.max(1, Math.round((total * shares[j]) / shareSum))));
    if (twoClasses) {
      const writeShare = rand.uniform(0.05, 0.25);
      demand.write = {};
      latency.write = LOOSER[tier];
      for (const c of clients) demand.write[geo.locations[c]] = Math.max(1, Math.round(demand.read[geo.locations[c]] * writeShare));
    }

    const utilization = rand.pick([0.6, 0.7, 0.75, 0.8, 0.85, 0.9]);
    const spec: Tenant = {
      priority: rand.pick([0, 0, 0, 0, 0, 0, 10, 10, 10, 100]),
      demand,
      latency,
      replicas,
      targetUtilization: utilization,
      tolerateRegionFailure: rand.chance(p.drFraction),
      avoid: [],
      onlyIn: [],
    };
    const sameLocality = geo.regions.filter((_, r) => geo.locality[r] === geo.locality[home]);
    const policy = rand.next();
    if (policy < 0.05 && sameLocality.length >= 2) spec.onlyIn = sameLocality;
    else if (policy < 0.08 && R >= 3) spec.avoid = [geo.regions[rand.pick([...Array(R).keys()].filter((r) => r !== home))]];
    if (spec.tolerateRegionFailure && hostingRegions(spec, geo, kinds, holds) < 2) {
      // Readiness needs a second region that can hold the tenant: the policy gives way, or readiness does.
      spec.onlyIn = [];
      spec.avoid = [];
      spec.tolerateRegionFailure = hostingRegions(spec, geo, kinds, holds) >= 2;
    }
    if (rand.chance(0.03)) spec.minReplicasPerRegion = 2;
    if (tier === LATENCY_TIERS.global && rand.chance(0.1)) {
      const needed = Math.ceil(total / (replicas[kinds[first].name].serves * utilization));
      spec.maxReplicasPerRegion = Math.max(spec.minReplicasPerRegion ?? 1, Math.ceil(needed * 0.6)) + 1;
    }
    if (rand.chance(0.1)) spec.maxSurge = rand.pick([1, 2, 4]);

    out.push({ id: tenantId(service, name), service, name, spec, greedy: greedyTenant(spec, geo, kinds) });
  }
  return out;
}

/** Regions the tenant's policy allows that have one of its hardware types. */
function hostingRegions(t: Tenant, geo: Geography, kinds: ResourceKind[], holds: Uint8Array): number {
  const ks = Object.keys(t.replicas).map((name) => kinds.findIndex((k) => k.name === name));
  return geo.regions.filter((r, i) => !t.avoid.includes(r) && (t.onlyIn.length === 0 || t.onlyIn.includes(r)) && ks.some((k) => holds[i * kinds.length + k])).length;
}

function greedyTenant(t: Tenant, geo: Geography, kinds: ResourceKind[]): GreedyTenant {
  const index = new Map(geo.locations.map((l, i) => [l, i]));
  const regions = [...Array(geo.regions.length).keys()].filter((r) => !t.avoid.includes(geo.regions[r]) && (t.onlyIn.length === 0 || t.onlyIn.includes(geo.regions[r])));
  const options: GreedyOption[] = Object.entries(t.replicas).map(([name, o]) => {
    const k = kinds.findIndex((x) => x.name === name);
    const capacity = o.serves * t.targetUtilization;
    return { resource: k, units: o.units, capacity, costPerRps: (o.units * kinds[k].cost) / capacity };
  });
  options.sort((a, b) => a.costPerRps - b.costPerRps || a.resource - b.resource);
  const demands = Object.keys(t.demand)
    .sort()
    .flatMap((cls) => Object.keys(t.demand[cls]).sort().map((client) => ({ cls, client: index.get(client)!, rps: t.demand[cls][client], threshold: t.latency[cls] })));
  return { regions, options, demands, minPerRegion: t.minReplicasPerRegion ?? 0, maxPerRegion: t.maxReplicasPerRegion ?? Infinity, tolerateRegionFailure: t.tolerateRegionFailure };
}

interface GeneratedProducts {
  products: Record<string, Product>;
  services: Record<string, Service>;
}

/** Products over the regions of one or two localities, each followed by a feed and an api service (CPU). */
function generateProducts(rand: Random, p: Params, geo: Geography, cpuNeed: Float64Array): GeneratedProducts {
  const out: GeneratedProducts = { products: {}, services: {} };
  if (p.products === 0) return out;
  const totalCpu = cpuNeed.reduce((a, b) => a + b, 0);
  const bySize = [...geo.localities].sort((a, b) => localitySize(geo, b) - localitySize(geo, a) || (a < b ? -1 : 1));
  for (let i = 0; i < p.products; i++) {
    const name = PRODUCT_NAMES[i];
    const localities = i === 0 ? bySize.slice(0, 2) : [rand.pick(bySize)];
    const regions = geo.regions.filter((_, r) => localities.includes(geo.locality[r]));
    const traffic = 10_000;
    const weight = regions.map((r) => geo.size[geo.regions.indexOf(r)] * rand.uniform(0.5, 1.5));
    const sum = weight.reduce((a, b) => a + b, 0);
    const demand: Record<string, number> = {};
    regions.forEach((r, j) => (demand[r] = Math.max(1, Math.round((traffic * weight[j]) / sum))));
    out.products[name] = { demand, latency: LATENCY_TIERS.continental, avoid: [], tolerateRegionFailure: i === 0 };
    for (const [suffix, share] of [['feed', 0.6], ['api', 0.4]] as const) {
      const units = (totalCpu * FOLLOWER_SHARE * share) / p.products;
      const alpha = Math.max(0.0001, Math.round((units / traffic) * 1e4) / 1e4);
      const residualRegion = rand.pick(regions);
      out.services[`${name}-${suffix}`] = {
        tenants: {},
        follows: { [name]: { perUnit: { cpu: alpha } } },
        residual: { [residualRegion]: { cpu: rand.int(1, 10) } },
        tolerateRegionFailure: false,
      };
    }
  }
  return out;
}

function localitySize(geo: Geography, locality: string): number {
  return geo.regions.reduce((a, _, r) => a + (geo.locality[r] === locality ? geo.size[r] : 0), 0);
}

/** Each client region's traffic served where it comes from. */
function identityRouting(products: Record<string, Product>): Deployment['products'] {
  const out: Deployment['products'] = {};
  for (const [P, product] of Object.entries(products)) {
    out[P] = {};
    for (const client of Object.keys(product.demand)) out[P][client] = { [client]: 1 };
  }
  return out;
}

/** Whole servers each follower service needs per region for a product routing. */
function followerUnits(services: Record<string, Service>, products: Record<string, Product>, routing: Deployment['products']): Deployment['followers'] {
  const out: Deployment['followers'] = {};
  for (const S of Object.keys(services).sort()) {
    const service = services[S];
    const need = new Map<string, number>();
    for (const [P, contract] of Object.entries(service.follows)) {
      for (const [client, row] of Object.entries(routing[P] ?? {})) {
        for (const [r, share] of Object.entries(row)) need.set(r, (need.get(r) ?? 0) + contract.perUnit.cpu * products[P].demand[client] * share);
      }
    }
    for (const [r, byRes] of Object.entries(service.residual)) need.set(r, (need.get(r) ?? 0) + (byRes.cpu ?? 0));
    out[S] = {};
    for (const r of [...need.keys()].sort()) {
      const units = Math.ceil(need.get(r)! - 1e-9);
      if (units > 0) out[S][r] = { cpu: units };
    }
  }
  return out;
}

/** One DR reservation of CPU in each of the largest localities that have at least two regions. */
function generateReservations(p: Params, geo: Geography, cpuNeed: Float64Array): Record<string, Reservation> {
  const out: Record<string, Reservation> = {};
  const eligible = geo.localities.filter((l) => geo.locality.filter((x) => x === l).length >= 2);
  eligible.sort((a, b) => localitySize(geo, b) - localitySize(geo, a) || (a < b ? -1 : 1));
  for (const locality of eligible.slice(0, p.reservations)) {
    const need = geo.regions.reduce((a, _, r) => a + (geo.locality[r] === locality ? cpuNeed[r] : 0), 0);
    out[`batch-${locality}`] = { resource: 'cpu', amount: Math.max(10, Math.round(need * 0.02)), locality, tolerateRegionFailure: true };
  }
  return out;
}

/** Equal units in every region of the locality, enough that any one can be lost. */
function spreadReservation(geo: Geography, g: Reservation): Record<string, number> {
  const regions = geo.regions.filter((_, r) => geo.locality[r] === g.locality);
  const each = Math.ceil(g.amount / Math.max(1, regions.length - 1));
  return Object.fromEntries(regions.map((r) => [r, each]));
}

/**
 * Supply per region and resource: the reference need times a margin — 0–5%
 * in ~15% of the pairs (they bind), 5–15% elsewhere — and the rest of the
 * headroom spread over the regions that have the resource, by region size.
 */
function sizeSupply(rand: Random, geo: Geography, holds: Uint8Array, need: Float64Array, K: number, headroom: number): { supply: Float64Array; tightPairs: number } {
  const R = geo.regions.length;
  const supply = new Float64Array(R * K);
  let tightPairs = 0;
  for (let k = 0; k < K; k++) {
    let needed = 0;
    for (let r = 0; r < R; r++) needed += need[r * K + k];
    const target = needed > 0 ? Math.ceil(needed * (1 + headroom)) : 10 * R;
    const tight = new Uint8Array(R);
    let base = 0;
    for (let r = 0; r < R; r++) {
      const n = need[r * K + k];
      if (n <= 0) continue;
      tight[r] = rand.chance(0.15) ? 1 : 0;
      supply[r * K + k] = Math.ceil(n * (tight[r] ? rand.uniform(1, 1.05) : rand.uniform(1.05, 1.15)));
      base += supply[r * K + k];
      tightPairs += tight[r];
    }
    const spare = Math.max(0, target - base);
    const weights = new Float64Array(R);
    let sum = 0;
    for (let r = 0; r < R; r++) if (holds[r * K + k] && !tight[r]) sum += weights[r] = geo.size[r] * rand.uniform(0.5, 1.5);
    for (let r = 0; r < R; r++) if (weights[r] > 0) supply[r * K + k] += Math.floor((spare * weights[r]) / sum);
  }
  return { supply, tightPairs };
}

function assembleSpec(geo: Geography, kinds: ResourceKind[], supply: Float64Array, tenants: GeneratedTenant[], products: GeneratedProducts, reservations: Record<string, Reservation>): Spec {
  const K = kinds.length;
  const spec: Spec = { version: SPEC_VERSION, resources: {}, regions: {}, latency: geo.latency, services: {}, reservations, products: products.products };
  for (const k of kinds) spec.resources[k.name] = { unit: k.unit, cost: k.cost };
  geo.regions.forEach((r, i) => {
    const s: Record<string, number> = {};
    kinds.forEach((k, ki) => {
      if (supply[i * K + ki] > 0) s[k.name] = supply[i * K + ki];
    });
    spec.regions[r] = { locality: geo.locality[i], supply: s };
  });
  for (const t of tenants) (spec.services[t.service] ??= { tenants: {}, follows: {}, residual: {}, tolerateRegionFailure: false }).tenants[t.name] = t.spec;
  Object.assign(spec.services, products.services);
  return spec;
}

/**
 * The current State: followers, reservations and tenants placed greedily
 * against the supply with demand perturbed by ±10% (product traffic partly
 * split towards a neighbour), ~3% of the tenants not deployed yet, and ~0.5%
 * deployed tenants that the Spec no longer has.
 */
function currentState(rand: Random, p: Params, world: GreedyWorld, geo: Geography, supply: Float64Array, tenants: GeneratedTenant[], products: GeneratedProducts, reservations: Record<string, Reservation>, reference: Deployment): State {
  const R = geo.regions.length;
  const K = world.resources.length;
  const left = Float64Array.from(supply);
  const state: State = { version: STATE_VERSION, lineage: `bench-${p.tenants}x${p.regions}x${p.resources}-seed-${p.seed}`, serial: 1, tenants: {}, reservations: {}, products: {}, followers: {} };
  const take = (r: string, k: number, want: number) => {
    const i = geo.regions.indexOf(r) * K + k;
    const n = Math.max(0, Math.min(want, Math.floor(left[i] + 1e-9)));
    left[i] -= n;
    return n;
  };

  for (const [P, product] of Object.entries(products.products)) {
    state.products[P] = {};
    for (const client of Object.keys(product.demand).sort()) {
      const c = geo.regions.indexOf(client);
      const neighbours = [...Array(R).keys()].filter((r) => r !== c && geo.rtt[c * geo.locations.length + r] <= product.latency);
      if (neighbours.length > 0 && rand.chance(0.25)) {
        const other = geo.regions[rand.pick(neighbours)];
        state.products[P][client] = normalisedWeights({ [client]: 0.7, [other]: 0.3 });
      } else state.products[P][client] = { [client]: 1 };
    }
  }
  const followers = followerUnits(products.services, products.products, state.products);
  for (const [S, byRegion] of Object.entries(followers)) {
    state.followers[S] = {};
    for (const [r, byRes] of Object.entries(byRegion)) {
      const n = take(r, 0, byRes.cpu);
      if (n > 0) state.followers[S][r] = { cpu: n };
    }
  }
  for (const name of Object.keys(reservations).sort()) {
    state.reservations[name] = {};
    for (const [r, m] of Object.entries(reference.reservations[name])) {
      const n = take(r, 0, Math.max(0, m + rand.int(-1, 1)));
      if (n > 0) state.reservations[name][r] = n;
    }
  }

  const removed = p.tenants >= 20 ? Math.max(1, Math.round(p.tenants * 0.005)) : 0;
  const serviceList = [...new Set(tenants.map((t) => t.service))];
  for (let i = 0; i < removed; i++) {
    const r = rand.int(0, R - 1);
    const n = take(geo.regions[r], 0, rand.int(1, 3));
    if (n > 0) state.tenants[tenantId(rand.pick(serviceList), `retired-${i + 1}`)] = { replicas: { [geo.regions[r]]: { cpu: n } }, routing: {} };
  }
  for (const t of tenants) {
    if (rand.chance(0.03)) continue;
    const d: TenantDeployment = placeTenant(world, t.greedy, rand.uniform(0.9, 1.1), left);
    if (Object.keys(d.replicas).length > 0) state.tenants[t.id] = d;
  }
  return state;
}

function addUse(need: Float64Array, w: GreedyWorld, d: TenantDeployment, t: Tenant): void {
  const K = w.resources.length;
  for (const [r, byRes] of Object.entries(d.replicas)) {
    const ri = w.regions.indexOf(r);
    for (const [k, n] of Object.entries(byRes)) need[ri * K + w.resources.indexOf(k)] += n * t.replicas[k].units;
  }
}

function regionTotals(m: Float64Array, R: number, K: number, k: number): Float64Array {
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) out[r] = m[r * K + k];
  return out;
}

/** First index i with cumulative[i] > x. */
function lowerBound(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
