/**
 * One tenant planned alone against the rest of the plan: the room the rest of
 * the fleet leaves in each (region, resource), final and mid-apply
 * (decompose/room.ts), and the tenant's own limits — each of which a
 * Relaxation may lift. Demand that follows a product is fixed at what the
 * plan's product routing gives it (the products are the rest of the plan).
 */
import type { Deployment } from '../../schemas/state.js';
import { followedDemand } from '../../schemas/invariants.js';
import type { PlannerWeights, Spec, Tenant, TenantId } from '../../lang/spec.js';
import { exactRoom, itemsUse, type Room, type Use } from '../decompose/room.js';
import type { ModelGoals, RelaxedLimit } from '../model/build-placement-model.js';
import { World, type TenantEntry } from '../model/world.js';
import type { Placement } from '../../schemas/placement.js';
import { solveBlock } from '../solve-block.js';
import type { SolvePool } from '../solve/solve.js';

/** A threshold that lets every connected pair through (unconnected pairs stay out: their RTT is Infinity). */
export const ANY_RTT = 1e6;

/** What one re-solve lifts; absent fields keep the declared limit. */
export interface Relaxation {
  supply?: boolean;
  peak?: boolean;
  /** max_replicas: a value, or null to drop it. */
  maxReplicas?: number | null;
  /** min_replicas: a value, or null to drop it. */
  minReplicas?: number | null;
  /** Regions allowed besides avoid / only_in ('all': no placement policy). */
  allow?: string[] | 'all';
  /** Every class's threshold at least this (ms). */
  latency?: number;
  /** dr_latency at least this (ms). */
  drLatency?: number;
  /** Ignore `--free`. */
  free?: boolean;
  /** The tenant planned before every tenant of a priority below this (Infinity: before all). */
  priorityAbove?: number;
}

export interface SoloOutcome {
  target: Deployment;
  /** rps served. */
  served: number;
  /** Σ over lost regions of the rps each loss loses (0: region-loss readiness met or not asked). */
  loss: number;
}

/** Everything a tenant's re-solves share. */
export class SoloContext {
  readonly demand: Record<string, Record<string, number>>;
  readonly totalDemand: number;
  /** Use of the rest of the fleet (everything but this tenant), final and peak. */
  private readonly others: { final: Use; peak: Use };

  constructor(
    readonly world: World,
    readonly placement: Placement,
    readonly entry: TenantEntry,
    readonly limits: Use,
    fleetUse: { final: Use; peak: Use },
    readonly goals: ModelGoals,
    readonly weights: PlannerWeights,
    readonly pool: SolvePool,
  ) {
    this.demand = demandOf(world.spec, entry.spec, placement.target);
    this.totalDemand = Object.values(this.demand).reduce((a, byClient) => a + Object.values(byClient).reduce((x, y) => x + y, 0), 0);
    const own = itemsUse(world, world.current, placement.target, [entry.id], false);
    this.others = { final: minus(fleetUse.final, own.final), peak: minus(fleetUse.peak, own.peak) };
  }

  /** The room this tenant has, with tenants of priority in (own, below) planned after it. */
  room(priorityAbove?: number): Room {
    if (priorityAbove === undefined) return exactRoom(this.world, this.limits, this.others);
    const final = new Map(this.others.final);
    const peak = new Map(this.others.peak);
    for (const u of this.world.tenants) {
      if (u.id === this.entry.id || !(u.spec.priority > this.entry.spec.priority && u.spec.priority < priorityAbove)) continue;
      // Planned after this tenant, u could end up with nothing — but it holds what it runs now until the apply shrinks it.
      const next = itemsUse(this.world, this.world.current, this.placement.target, [u.id], false);
      const now = itemsUse(this.world, this.world.current, this.world.current, [u.id], false);
      subtract(final, next.final);
      subtract(peak, next.peak);
      for (const [k, v] of now.final) peak.set(k, (peak.get(k) ?? 0) + v);
    }
    return exactRoom(this.world, this.limits, { final, peak });
  }

  /** The tenant alone with the relaxation applied (its spec edited, the room and goals chosen). */
  async solve(relax: Relaxation): Promise<SoloOutcome> {
    const world = this.soloWorld(relax);
    const builderRelax = new Set<RelaxedLimit>();
    if (relax.supply) builderRelax.add('supply');
    if (relax.peak) builderRelax.add('peak');
    const goals: ModelGoals = {
      free: relax.free ? undefined : this.goals.free,
      room: this.room(relax.priorityAbove),
      relax: builderRelax.size > 0 ? builderRelax : undefined,
      // The region losses the plan does not survive modelled from the start: they are the ones likely
      // to bind again (solveBlock adds any other it finds violated).
      drScenarios: new Map([[this.entry.id, new Set(Object.keys(this.placement.disasterReadiness[this.entry.id]?.lost ?? {}))]]),
    };
    const started = Date.now();
    const r = await solveBlock(world, this.weights, goals, { timeLimitSeconds: SOLO_TIME_LIMIT, gapLimit: SOLO_GAP, lpBound: false, pool: this.pool });
    soloStats.solves++;
    soloStats.solverSeconds += r.seconds;
    soloStats.wallSeconds += (Date.now() - started) / 1000;
    const unserved = Object.values(r.unserved[this.entry.id] ?? {}).reduce((a, byClient) => a + Object.values(byClient).reduce((x, y) => x + y, 0), 0);
    const dr = r.disasterReadiness[this.entry.id];
    return { target: r.target, served: this.totalDemand - unserved, loss: lossOf(dr) };
  }

  /** The tenant's spec as a relaxation leaves it (followed demand folded into its declared demand). */
  tenantSpec(relax: Relaxation): Tenant {
    const t = this.entry.spec;
    const out: Tenant = { ...t, demand: this.demand, follows: undefined, latency: { ...t.latency } };
    if (relax.maxReplicas !== undefined) out.maxReplicasPerRegion = relax.maxReplicas ?? undefined;
    if (relax.minReplicas !== undefined) out.minReplicasPerRegion = relax.minReplicas ?? undefined;
    if (relax.allow === 'all') {
      out.avoid = [];
      out.onlyIn = [];
    } else if (relax.allow) {
      out.avoid = t.avoid.filter((r) => !relax.allow!.includes(r));
      out.onlyIn = t.onlyIn.length > 0 ? [...t.onlyIn, ...relax.allow] : [];
    }
    if (relax.latency !== undefined) for (const cls of Object.keys(out.demand)) out.latency[cls] = Math.max(out.latency[cls] ?? 0, relax.latency);
    if (relax.drLatency !== undefined) out.drLatency = Math.max(t.drLatency ?? 0, relax.drLatency);
    return out;
  }

  private soloWorld(relax: Relaxation): World {
    const spec: Spec = this.world.spec;
    const service = spec.services[this.entry.service];
    const soloSpec: Spec = {
      ...spec,
      services: { [this.entry.service]: { ...service, tenants: { [this.entry.name]: this.tenantSpec(relax) }, follows: {}, residual: {} } },
      products: {},
      reservations: {},
    };
    const d = this.world.current.tenants[this.entry.id];
    const current: Deployment = { tenants: d ? { [this.entry.id]: d } : {}, reservations: {}, products: {}, followers: {} };
    return new World(soloSpec, current);
  }
}

/** Work done by the re-solves of this process (for the benchmark and tests that measure it). */
export const soloStats = { solves: 0, solverSeconds: 0, wallSeconds: 0 };

/**
 * A tenant alone is a small model. Its shortfall stages (demand, readiness, the relaxed limits' slack)
 * are always solved exactly; the cost stage after them only picks among equally good answers, so a
 * loose gap: proving the cheapest took most of the time and changes no reason.
 */
const SOLO_TIME_LIMIT = 10;
const SOLO_GAP = 0.05;

/** Declared demand plus the demand that follows the plan's product traffic, per class and client. */
export function demandOf(spec: Spec, tenant: Tenant, target: Deployment): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [cls, byClient] of Object.entries(tenant.demand)) for (const [client, rps] of Object.entries(byClient)) (out[cls] ??= {})[client] = rps;
  for (const [key, rps] of followedDemand(spec, tenant, target)) {
    const [cls, client] = key.split('\u0000');
    (out[cls] ??= {})[client] = (out[cls][client] ?? 0) + rps;
  }
  return out;
}

export function lossOf(dr: Placement['disasterReadiness'][string] | undefined): number {
  if (!dr || dr.met) return 0;
  return Object.values(dr.lost ?? {}).reduce((a, b) => a + b, 0);
}

function minus(a: Use, b: Use): Use {
  const out = new Map(a);
  subtract(out, b);
  return out;
}

function subtract(into: Use, b: Use): void {
  for (const [k, v] of b) into.set(k, (into.get(k) ?? 0) - v);
}


