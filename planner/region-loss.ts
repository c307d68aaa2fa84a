/**
 * The one verdict on region loss (docs/language.md, "Disaster readiness").
 * `plan`, `show`, `simulate --fail`, the placement checker and the benchmark
 * all ask this module, so they cannot disagree.
 *
 * For a tenant and a lost region f: its replicas in f are gone; every class's
 * demand from every client location (f's own clients included: they fail
 * over through the edge and keep their location) is routed onto the replicas
 * left, only to regions within max(class threshold, dr_latency), up to each
 * region's capacity (replicas × serves × target utilization). What can be
 * routed is a maximum flow. The tenant loses, in f, what it served with
 * nothing lost (a maximum flow within the class thresholds) minus what it
 * can still serve. `aggregate` tenants ignore latency in the failover only:
 * the capacity left outside f counts, wherever the clients are.
 */
import { DEFAULT_SELF_RTT_MS, type Spec, type Tenant, type TenantId } from '../lang/spec.js';
import type { Deployment } from '../schemas/state.js';
import { followedDemand } from '../schemas/invariants.js';

/** Below this many rps a loss is solver and rounding tolerance, not a loss. */
export const LOSS_TOLERANCE = 1e-3;

export type ReadinessMode = 'per-failure' | 'aggregate';

export interface DemandLoss {
  cls: string;
  client: string;
  /** rps of this (class, client) that cannot be routed with the region lost. */
  unserved: number;
}

export interface RegionLoss {
  region: string;
  /** rps served with nothing lost that cannot be served with this region lost. */
  lost: number;
  /** Where the demand the routing leaves unserved comes from (one maximum flow; the total is what counts). */
  unserved: DemandLoss[];
  /** rps routed to each surviving region, and its capacity in rps. */
  load: Record<string, { routed: number; capacity: number }>;
}

export interface TenantReadiness {
  mode: ReadinessMode;
  /** rps served with nothing lost. */
  served: number;
  /** Every region whose loss loses demand, largest loss first. */
  losses: RegionLoss[];
}

export function readinessMode(t: Tenant): ReadinessMode {
  return t.aggregateDisasterReadiness ? 'aggregate' : 'per-failure';
}

/** Region-loss verdict of one tenant on a deployment, for every region it holds capacity in. */
export function tenantReadiness(spec: Spec, deployment: Deployment, id: TenantId, tenant: Tenant, only?: Iterable<string>): TenantReadiness {
  const mode = readinessMode(tenant);
  const net = TenantNetwork.of(spec, deployment, id, tenant);
  const served = net.maxServed(null, mode).served;
  const losses: RegionLoss[] = [];
  for (const f of only ?? net.regionsWithCapacity()) {
    if (!net.capacity.has(f)) continue;
    const flow = net.maxServed(f, mode);
    const lost = served - flow.served;
    if (lost > LOSS_TOLERANCE) losses.push({ region: f, lost: round3(lost), unserved: flow.unserved, load: flow.load });
  }
  losses.sort((a, b) => b.lost - a.lost || (a.region < b.region ? -1 : 1));
  return { mode, served: round3(served), losses };
}

/** One tenant's demand and capacity on a deployment: the network its failover flows in. */
export class TenantNetwork {
  private constructor(
    readonly demand: { cls: string; client: string; rps: number; threshold: number; drThreshold: number }[],
    readonly capacity: Map<string, number>,
    private readonly rtt: (a: string, b: string) => number,
  ) {}

  static of(spec: Spec, deployment: Deployment, id: TenantId, tenant: Tenant): TenantNetwork {
    const rtt = rttOf(spec);
    const capacity = new Map<string, number>();
    const replicas = deployment.tenants[id]?.replicas ?? {};
    for (const r of Object.keys(replicas).sort()) {
      let c = 0;
      for (const [k, n] of Object.entries(replicas[r])) c += n * (tenant.replicas[k]?.serves ?? 0) * tenant.targetUtilization;
      if (c > 0) capacity.set(r, c);
    }
    const byKey = new Map<string, number>();
    for (const [cls, byClient] of Object.entries(tenant.demand)) for (const [client, rps] of Object.entries(byClient)) byKey.set(`${cls}\u0000${client}`, rps);
    for (const [key, rps] of followedDemand(spec, tenant, deployment)) byKey.set(key, (byKey.get(key) ?? 0) + rps);
    const demand = [...byKey]
      .filter(([, rps]) => rps > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, rps]) => {
        const [cls, client] = key.split('\u0000');
        const threshold = tenant.latency[cls] ?? 0;
        return { cls, client, rps, threshold, drThreshold: Math.max(threshold, tenant.drLatency ?? 0) };
      });
    return new TenantNetwork(demand, capacity, rtt);
  }

  regionsWithCapacity(): string[] {
    return [...this.capacity.keys()].sort();
  }

  /** The most demand the capacity outside `failed` can serve (`failed` null: nothing lost). */
  maxServed(failed: string | null, mode: ReadinessMode): { served: number; unserved: DemandLoss[]; load: RegionLoss['load'] } {
    const regions = this.regionsWithCapacity().filter((r) => r !== failed);
    // With nothing lost, what is served is what the class thresholds allow, in either mode; only the
    // failover of an `aggregate` tenant ignores latency.
    const reach = (d: (typeof this.demand)[number], r: string) =>
      failed === null ? this.rtt(d.client, r) <= d.threshold : mode === 'aggregate' || this.rtt(d.client, r) <= d.drThreshold;
    const flow = maxFlow(
      this.demand.map((d) => d.rps),
      regions.map((r) => this.capacity.get(r)!),
      (i, j) => reach(this.demand[i], regions[j]),
    );
    const unserved: DemandLoss[] = [];
    this.demand.forEach((d, i) => {
      const u = round3(d.rps - flow.fromSource[i]);
      if (u > 0) unserved.push({ cls: d.cls, client: d.client, unserved: u });
    });
    const load: RegionLoss['load'] = {};
    regions.forEach((r, j) => (load[r] = { routed: round3(flow.toSink[j]), capacity: round3(this.capacity.get(r)!) }));
    return { served: flow.total, unserved, load };
  }
}

/**
 * The RTT lookup of a Spec's latency table, built once per table: every tenant's verdict asks for it, and
 * a block's Spec shares the fleet's table (at 10,000 × 30 rebuilding it per tenant took ~2 s of the plan).
 */
const rttTables = new WeakMap<Spec['latency'], (a: string, b: string) => number>();

function rttOf(spec: Spec): (a: string, b: string) => number {
  const known = rttTables.get(spec.latency);
  if (known) return known;
  const table = new Map<string, number>();
  for (const p of spec.latency) {
    table.set(`${p.a}\u0000${p.b}`, p.ms);
    table.set(`${p.b}\u0000${p.a}`, p.ms);
  }
  const rtt = (a: string, b: string) => table.get(`${a}\u0000${b}`) ?? (a === b ? DEFAULT_SELF_RTT_MS : Infinity);
  rttTables.set(spec.latency, rtt);
  return rtt;
}

/**
 * Maximum flow from sources (supplies) to sinks (capacities) over the edges
 * `linked(i, j)` of unbounded capacity: Dinic's algorithm on the bipartite
 * network source → i → j → sink. Deterministic (fixed visiting order).
 */
export function maxFlow(supply: number[], capacity: number[], linked: (i: number, j: number) => boolean): { total: number; fromSource: number[]; toSink: number[] } {
  const S = supply.length;
  const T = capacity.length;
  // Nodes: 0 source, 1..S sources, S+1..S+T sinks, S+T+1 sink.
  const sink = S + T + 1;
  const n = sink + 1;
  const head: number[] = new Array(n).fill(-1);
  const to: number[] = [];
  const cap: number[] = [];
  const next: number[] = [];
  const edge = (u: number, v: number, c: number) => {
    to.push(v), cap.push(c), next.push(head[u]), (head[u] = to.length - 1);
    to.push(u), cap.push(0), next.push(head[v]), (head[v] = to.length - 1);
  };
  // Add in reverse so that adjacency lists are visited in index order.
  for (let j = T - 1; j >= 0; j--) edge(S + 1 + j, sink, capacity[j]);
  for (let i = S - 1; i >= 0; i--) for (let j = T - 1; j >= 0; j--) if (linked(i, j)) edge(1 + i, S + 1 + j, Infinity);
  for (let i = S - 1; i >= 0; i--) edge(0, 1 + i, supply[i]);
  const EPS = 1e-9;
  const level = new Array<number>(n);
  const iter = new Array<number>(n);
  const bfs = (): boolean => {
    level.fill(-1);
    level[0] = 0;
    const queue = [0];
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q];
      for (let e = head[u]; e >= 0; e = next[e]) {
        if (cap[e] > EPS && level[to[e]] < 0) {
          level[to[e]] = level[u] + 1;
          queue.push(to[e]);
        }
      }
    }
    return level[sink] >= 0;
  };
  const dfs = (u: number, f: number): number => {
    if (u === sink) return f;
    for (; iter[u] >= 0; iter[u] = next[iter[u]]) {
      const e = iter[u];
      const v = to[e];
      if (cap[e] > EPS && level[v] === level[u] + 1) {
        const d = dfs(v, Math.min(f, cap[e]));
        if (d > EPS) {
          cap[e] -= d;
          cap[e ^ 1] += d;
          return d;
        }
      }
    }
    return 0;
  };
  let total = 0;
  while (bfs()) {
    for (let u = 0; u < n; u++) iter[u] = head[u];
    for (let f = dfs(0, Infinity); f > EPS; f = dfs(0, Infinity)) total += f;
  }
  // Flow on an edge = its reverse edge's residual capacity.
  const fromSource = new Array<number>(S).fill(0);
  const toSink = new Array<number>(T).fill(0);
  for (let e = head[0]; e >= 0; e = next[e]) fromSource[to[e] - 1] = cap[e ^ 1];
  for (let j = 0; j < T; j++) {
    for (let e = head[S + 1 + j]; e >= 0; e = next[e]) if (to[e] === sink) toSink[j] = cap[e ^ 1];
  }
  return { total, fromSource, toSink };
}

function round3(x: number): number {
  const r = Math.round(x * 1000) / 1000;
  return Object.is(r, -0) ? 0 : r;
}
