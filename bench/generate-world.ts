/**
 * A seeded synthetic world for the fleet-scale benchmark: regions on a globe
 * grouped into localities, RTTs from great-circle distance, uneven supply,
 * heavy-tailed tenant demand, mixed latency tiers, 1–3 hardware options,
 * DR on a fraction of tenants, reservations, a product with followers, and a
 * current state that is a perturbed earlier placement (so churn matters).
 */
import { emptySpec, LATENCY_TIERS, tenantId, type Spec, type Tenant } from '../lang/spec.js';
import { emptyDeployment, STATE_VERSION, type State } from '../executor/state.js';

export interface WorldParams {
  tenants: number;
  regions: number;
  resources: number;
  seed: number;
  services?: number;
  drFraction?: number;
}

/** mulberry32: a small, fast, seeded PRNG — the same seed gives the same world. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LOCALITIES = [
  { name: 'na', lat: 40, lon: -95 },
  { name: 'eu', lat: 50, lon: 10 },
  { name: 'apac', lat: 20, lon: 110 },
  { name: 'sa', lat: -15, lon: -55 },
];

function rtt(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const d = Math.acos(Math.min(1, Math.sin(a.lat * rad) * Math.sin(b.lat * rad) + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.cos((a.lon - b.lon) * rad)));
  // ~ 2 × distance / (2/3 c) plus routing overhead, in ms
  return Math.max(1, Math.round(((d * 6371) / 100) * 1.1 + 2));
}

export function generateWorld(p: WorldParams): { spec: Spec; current: State } {
  const rand = prng(p.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const spec = emptySpec();
  const resources = Array.from({ length: p.resources }, (_, i) => `hw${i}`);
  resources.forEach((k, i) => (spec.resources[k] = { unit: 'server', cost: Math.round((0.5 + i * 0.7 + rand()) * 10) / 10 }));

  const localities = LOCALITIES.slice(0, Math.max(2, Math.min(4, Math.ceil(p.regions / 8))));
  const coords = new Map<string, { lat: number; lon: number }>();
  const regions = Array.from({ length: p.regions }, (_, i) => `r${String(i).padStart(2, '0')}`);
  regions.forEach((r, i) => {
    const loc = localities[i % localities.length];
    coords.set(r, { lat: loc.lat + (rand() - 0.5) * 20, lon: loc.lon + (rand() - 0.5) * 30 });
    spec.regions[r] = { locality: loc.name, supply: {} };
  });
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const ms = rtt(coords.get(regions[i])!, coords.get(regions[j])!);
      if (ms <= 220) spec.latency.push({ a: regions[i], b: regions[j], ms });
    }
  }

  // Which regions hold which hardware (decided first, so every tenant can be served somewhere near).
  const holders = new Map<string, string[]>();
  for (const k of resources) {
    const hs = regions.filter(() => rand() < 0.7);
    holders.set(k, hs.length > 0 ? hs : [regions[0]]);
  }

  // Tenants: heavy-tailed demand (Pareto), 1-3 locations, mixed tiers, 1-3 hardware options.
  const services = p.services ?? Math.max(1, Math.round(p.tenants / 20));
  const need = new Map<string, number>(); // resource → units needed, to size supply
  const tiers = [LATENCY_TIERS.zonal, LATENCY_TIERS.continental, LATENCY_TIERS.continental, LATENCY_TIERS.global];
  for (let i = 0; i < p.tenants; i++) {
    const service = `svc${String(i % services).padStart(4, '0')}`;
    spec.services[service] ??= { tenants: {}, follows: {}, residual: {}, tolerateRegionFailure: false };
    const size = Math.min(50_000, 100 / Math.pow(1 - rand() * 0.999, 1 / 1.3));
    // The first hardware option is held in the tenant's home region, so its demand there is servable at any tier.
    const first = pick(resources);
    const home = pick(holders.get(first)!);
    const tier = pick(tiers);
    const near = regions.filter((r) => r === home || (spec.latency.find((x) => (x.a === home && x.b === r) || (x.b === home && x.a === r))?.ms ?? 999) <= Math.min(tier, 60));
    const demand: Record<string, number> = {};
    const locations = tier === LATENCY_TIERS.zonal ? 1 : 1 + Math.floor(rand() * 3);
    for (let l = 0; l < locations; l++) demand[l === 0 ? home : pick(near)] = Math.round((size / locations) * (0.5 + rand()));
    const options = 1 + Math.floor(rand() * Math.min(3, resources.length));
    const replicas: Tenant['replicas'] = { [first]: { units: 1 + Math.floor(rand() * 2), serves: Math.round(50 + rand() * 450) } };
    for (let o = 1; o < options; o++) {
      const k = pick(resources);
      replicas[k] ??= { units: 1 + Math.floor(rand() * 2), serves: Math.round(50 + rand() * 450) };
    }
    spec.services[service].tenants[`t${i}`] = {
      priority: rand() < 0.1 ? 100 : 0,
      demand: { main: demand },
      latency: { main: tier },
      replicas,
      targetUtilization: 0.8,
      tolerateRegionFailure: rand() < (p.drFraction ?? 0.15),
      avoid: [],
      onlyIn: [],
    };
    const total = Object.values(demand).reduce((a, b) => a + b, 0);
    const [k0, o0] = Object.entries(replicas)[0];
    need.set(k0, (need.get(k0) ?? 0) + Math.ceil(total / (o0.serves * 0.8)) * o0.units * 2);
  }
  // Supply: what the tenants need, with ~30% headroom, spread unevenly over the regions that have each resource.
  for (const k of resources) {
    const hs = holders.get(k)!;
    const total = Math.ceil((need.get(k) ?? 10) * 1.3) + hs.length * 10;
    const weights = hs.map(() => 0.5 + rand());
    const sum = weights.reduce((a, b) => a + b, 0);
    hs.forEach((r, i) => (spec.regions[r].supply[k] = Math.ceil((total * weights[i]) / sum)));
  }
  const cpu = resources[0];
  spec.reservations.batch = { resource: cpu, amount: 20, locality: localities[0].name, tolerateRegionFailure: true };
  for (const r of regions.filter((x) => spec.regions[x].locality === localities[0].name)) spec.regions[r].supply[cpu] = (spec.regions[r].supply[cpu] ?? 0) + 20;

  // Current state: each tenant where its biggest client is (if the hardware is there), 10% over-provisioned, perturbed.
  const current: State = { version: STATE_VERSION, lineage: `bench-${p.seed}`, serial: 1, ...emptyDeployment() };
  for (const [s, svc] of Object.entries(spec.services)) {
    for (const [name, t] of Object.entries(svc.tenants)) {
      const [client, rps] = Object.entries(t.demand.main).sort((a, b) => b[1] - a[1])[0];
      const option = Object.entries(t.replicas).find(([k]) => (spec.regions[client].supply[k] ?? 0) > 0);
      if (!option || rand() < 0.2) continue; // a few tenants are new
      const total = Object.values(t.demand.main).reduce((a, b) => a + b, 0) * (0.9 + rand() * 0.3);
      const n = Math.ceil(total / (option[1].serves * 0.8));
      current.tenants[tenantId(s, name)] = { replicas: { [client]: { [option[0]]: n } }, routing: {} };
      void rps;
    }
  }
  return { spec, current };
}
