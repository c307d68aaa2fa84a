/**
 * A simple greedy placement of one tenant, the way a capacity engineer
 * would do it by hand: route each client's demand to the nearest region
 * within its threshold, add replicas of the cheapest hardware option there,
 * spill to the next nearest region when a region is full, then add backup
 * capacity until the tenant survives the loss of any one region (if it asks
 * to). The generator uses it twice: without supply limits to size the
 * supply (a placement that fits by construction — the world's feasibility
 * argument), and against the supply with perturbed demand to make the
 * current State (an earlier, slightly stale plan).
 */
import type { TenantDeployment } from '../schemas/state.js';

export interface GreedyWorld {
  regions: string[];
  resources: string[];
  /** Client locations: the regions first (same indices), then edge locations. */
  locations: string[];
  /** RTT in ms between locations, row-major. */
  rtt: Float64Array;
  /** 1 where region r (row) has resource k (column) at all. */
  holds: Uint8Array;
}

export interface GreedyOption {
  resource: number;
  units: number;
  /** rps one replica may carry: serves × target utilization. */
  capacity: number;
  costPerRps: number;
}

export interface GreedyDemand {
  cls: string;
  /** Index into `locations`. */
  client: number;
  rps: number;
  /** RTT threshold of the class, ms. */
  threshold: number;
}

export interface GreedyTenant {
  /** Regions the policy allows, ascending. */
  regions: number[];
  /** Hardware options, cheapest per rps first. */
  options: GreedyOption[];
  demands: GreedyDemand[];
  minPerRegion: number;
  maxPerRegion: number;
  tolerateRegionFailure: boolean;
}

const EPS = 1e-9;

/**
 * Place one tenant. `left` (units free per region × resource, row-major) is
 * honoured and decremented when given; without it supply is unlimited
 * wherever the region has the resource. Demand that finds no room is routed
 * to its nearest region anyway (a shortfall, as in a real stale state).
 */
export function placeTenant(w: GreedyWorld, t: GreedyTenant, scale: number, left: Float64Array | null): TenantDeployment {
  const R = w.regions.length;
  const K = w.resources.length;
  const replicas = new Int32Array(R * t.options.length);
  const capacity = new Float64Array(R);
  const load = new Float64Array(R);
  const count = new Int32Array(R);
  const routes: { cls: string; client: number; region: number; rps: number }[] = [];

  const room = (r: number, o: GreedyOption): number => {
    if (!w.holds[r * K + o.resource]) return 0;
    const byPolicy = t.maxPerRegion - count[r];
    const bySupply = left ? Math.floor((left[r * K + o.resource] + EPS) / o.units) : Infinity;
    return Math.max(0, Math.min(byPolicy, bySupply));
  };
  /** Add replicas in r for `rps` more capacity; returns the capacity added. */
  const grow = (r: number, rps: number): number => {
    let added = 0;
    for (const o of t.options) {
      if (added >= rps - EPS) break;
      let n = Math.ceil((rps - added) / o.capacity - EPS);
      if (count[r] === 0) n = Math.max(n, t.minPerRegion);
      n = Math.min(n, room(r, o));
      if (n <= 0) continue;
      replicas[r * t.options.length + t.options.indexOf(o)] += n;
      count[r] += n;
      capacity[r] += n * o.capacity;
      added += n * o.capacity;
      if (left) left[r * K + o.resource] -= n * o.units;
    }
    return added;
  };
  const canHost = (r: number) => t.options.some((o) => w.holds[r * K + o.resource]);

  let total = 0;
  for (const d of t.demands) {
    const demand = d.rps * scale;
    if (!(demand > 0)) continue;
    total += demand;
    const near = t.regions.filter((r) => canHost(r) && w.rtt[d.client * w.locations.length + r] <= d.threshold);
    near.sort((a, b) => w.rtt[d.client * w.locations.length + a] - w.rtt[d.client * w.locations.length + b] || a - b);
    let remaining = demand;
    for (const r of near) {
      if (capacity[r] - load[r] < remaining - EPS) grow(r, remaining - (capacity[r] - load[r]));
      const take = Math.min(remaining, Math.max(0, capacity[r] - load[r]));
      if (take <= EPS) continue;
      routes.push({ cls: d.cls, client: d.client, region: r, rps: take });
      load[r] += take;
      remaining -= take;
      if (remaining <= EPS) break;
    }
    if (remaining > EPS && near.length > 0) {
      routes.push({ cls: d.cls, client: d.client, region: near[0], rps: remaining });
      load[near[0]] += remaining;
    }
  }

  if (t.tolerateRegionFailure && total > 0) addBackup(w, t, capacity, total, grow, canHost);
  return deployment(w, t, replicas, routes, scale);
}

/** Until the capacity outside the largest region covers the demand, add capacity near the largest region. */
function addBackup(w: GreedyWorld, t: GreedyTenant, capacity: Float64Array, demand: number, grow: (r: number, rps: number) => number, canHost: (r: number) => boolean): void {
  for (let round = 0; round < 8; round++) {
    let sum = 0;
    let largest = 0;
    for (let r = 0; r < capacity.length; r++) {
      sum += capacity[r];
      if (capacity[r] > capacity[largest]) largest = r;
    }
    let missing = demand - (sum - capacity[largest]);
    if (missing <= EPS) return;
    const backups = t.regions.filter((r) => r !== largest && canHost(r));
    backups.sort((a, b) => w.rtt[largest * w.locations.length + a] - w.rtt[largest * w.locations.length + b] || a - b);
    let progressed = false;
    for (const r of backups) {
      const added = grow(r, missing);
      if (added > 0) progressed = true;
      missing -= added;
      if (missing <= EPS) break;
    }
    if (!progressed) return;
  }
}

function deployment(w: GreedyWorld, t: GreedyTenant, replicas: Int32Array, routes: { cls: string; client: number; region: number; rps: number }[], scale: number): TenantDeployment {
  const out: TenantDeployment = { replicas: {}, routing: {} };
  for (let r = 0; r < w.regions.length; r++) {
    for (let o = 0; o < t.options.length; o++) {
      const n = replicas[r * t.options.length + o];
      if (n > 0) (out.replicas[w.regions[r]] ??= {})[w.resources[t.options[o].resource]] = n;
    }
  }
  for (const d of t.demands) {
    const demand = d.rps * scale;
    const mine = routes.filter((x) => x.cls === d.cls && x.client === d.client);
    if (!(demand > 0) || mine.length === 0) continue;
    const row: Record<string, number> = {};
    for (const x of mine) row[w.regions[x.region]] = (row[w.regions[x.region]] ?? 0) + x.rps / demand;
    ((out.routing[d.cls] ??= {})[w.locations[d.client]] = normalisedWeights(row));
  }
  return out;
}

/** Weights to 6 decimals (as globe stores them) that sum to 1: the largest absorbs the rounding. */
export function normalisedWeights(row: Record<string, number>): Record<string, number> {
  const keys = Object.keys(row).sort();
  const rounded = keys.map((k) => Math.round(row[k] * 1e6) / 1e6);
  let largest = 0;
  for (let i = 1; i < keys.length; i++) if (rounded[i] > rounded[largest]) largest = i;
  const others = rounded.reduce((a, v, i) => (i === largest ? a : a + v), 0);
  rounded[largest] = Math.round((1 - others) * 1e6) / 1e6;
  const out: Record<string, number> = {};
  keys.forEach((k, i) => {
    if (rounded[i] > 0) out[k] = rounded[i];
  });
  return out;
}
