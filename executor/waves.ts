/**
 * Waves as apply sees them (issue 16). A multi-wave plan's moves carry their
 * wave; apply starts a wave's moves only once every move of the wave before
 * it is complete, and at each boundary reads the state back and compares it
 * with the wave's target. A one-wave plan is wave 1. What is checked here:
 * the plan's waves are well formed, the state read back is the wave's target,
 * and a wave's Σ max(before, after) fits the supply in every region.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { Move, Plan } from '../schemas/plan.js';
import { replicaUnits, type Deployment, type RoutingMatrix } from '../schemas/state.js';

export const waveOf = (m: Move): number => m.wave ?? 1;

/** How many waves the plan runs: its `waves`, or 1. */
export function waveCount(plan: Plan): number {
  return plan.waves?.length ?? 1;
}

/**
 * What the scheduler relies on: waves numbered 1..n in order, every move in one of them,
 * no move waiting for a move of a later wave, and a one-wave plan whose moves name no wave.
 */
export function wavesProblem(plan: Plan): string | undefined {
  const n = plan.waves?.length ?? 0;
  if (plan.waves) {
    if (n < 2) return `it has a waves list of ${n} wave${n === 1 ? '' : 's'}: a one-wave plan has none`;
    const bad = plan.waves.findIndex((w, i) => w.wave !== i + 1);
    if (bad >= 0) return `its wave ${bad + 1} is numbered ${JSON.stringify(plan.waves[bad].wave)}`;
  }
  const waveById = new Map(plan.moves.map((m) => [m.id, waveOf(m)]));
  for (const m of plan.moves) {
    if (m.wave !== undefined && n === 0) return `its move ${m.id} names wave ${JSON.stringify(m.wave)}, but the plan has no waves`;
    if (n > 0 && (!Number.isInteger(m.wave) || m.wave! < 1 || m.wave! > n)) return `its move ${m.id} names wave ${JSON.stringify(m.wave)}, not one of its ${n} waves`;
    for (const d of m.dependsOn) {
      if ((waveById.get(d) ?? 0) > waveOf(m)) return `its move ${m.id} (wave ${waveOf(m)}) depends on ${d}, a move of a later wave`;
    }
  }
  return undefined;
}

/**
 * Routing changes smaller than this are left out of a wave's moves (the planner's routing
 * threshold), so a matrix read back may differ from the wave's target by up to this much for
 * each wave that left a small change out.
 */
const ROUTING_THRESHOLD = 0.005;
const COUNT_TOL = 1e-6;

/** The first way the state read back differs from the wave's target, in words; undefined when it is the target. */
export function deploymentDifference(actual: Deployment, target: Deployment, wave: number): string | undefined {
  const routingTol = ROUTING_THRESHOLD * wave + 1e-6;
  const tenants = sorted([...Object.keys(actual.tenants), ...Object.keys(target.tenants)]);
  for (const id of tenants) {
    const a = actual.tenants[id as TenantId];
    const b = target.tenants[id as TenantId];
    const counts = countsDifference(a?.replicas ?? {}, b?.replicas ?? {});
    if (counts) return `${id} has ${counts.actual} replicas on ${counts.resource} in ${counts.region}, the wave's target ${counts.target}`;
    for (const cls of sorted([...Object.keys(a?.routing ?? {}), ...Object.keys(b?.routing ?? {})])) {
      const r = matrixDifference(a?.routing[cls] ?? {}, b?.routing[cls] ?? {}, routingTol);
      if (r) return `${id} routes ${r.actual} of its ${cls} traffic from ${r.client} to ${r.server}, the wave's target ${r.target}`;
    }
  }
  for (const g of sorted([...Object.keys(actual.reservations), ...Object.keys(target.reservations)])) {
    const c = countsDifference(wrap(actual.reservations[g] ?? {}), wrap(target.reservations[g] ?? {}));
    if (c) return `reservation ${g} holds ${c.actual} units in ${c.region}, the wave's target ${c.target}`;
  }
  for (const S of sorted([...Object.keys(actual.followers), ...Object.keys(target.followers)])) {
    const c = countsDifference(actual.followers[S] ?? {}, target.followers[S] ?? {});
    if (c) return `follower ${S} has ${c.actual} ${c.resource} in ${c.region}, the wave's target ${c.target}`;
  }
  for (const P of sorted([...Object.keys(actual.products), ...Object.keys(target.products)])) {
    const r = matrixDifference(actual.products[P] ?? {}, target.products[P] ?? {}, routingTol);
    if (r) return `product ${P} sends ${r.actual} of its traffic from ${r.client} to ${r.server}, the wave's target ${r.target}`;
  }
  return undefined;
}

function sorted(keys: string[]): string[] {
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function wrap(byRegion: Record<string, number>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(byRegion).map(([r, n]) => [r, { units: n }]));
}

function countsDifference(a: Record<string, Record<string, number>>, b: Record<string, Record<string, number>>) {
  for (const region of sorted([...Object.keys(a), ...Object.keys(b)])) {
    for (const resource of sorted([...Object.keys(a[region] ?? {}), ...Object.keys(b[region] ?? {})])) {
      const x = a[region]?.[resource] ?? 0;
      const y = b[region]?.[resource] ?? 0;
      if (Math.abs(x - y) > COUNT_TOL) return { region, resource, actual: x, target: y };
    }
  }
  return undefined;
}

function matrixDifference(a: RoutingMatrix, b: RoutingMatrix, tol: number) {
  for (const client of sorted([...Object.keys(a), ...Object.keys(b)])) {
    for (const server of sorted([...Object.keys(a[client] ?? {}), ...Object.keys(b[client] ?? {})])) {
      const x = a[client]?.[server] ?? 0;
      const y = b[client]?.[server] ?? 0;
      if (Math.abs(x - y) > tol) return { client, server, actual: x, target: y };
    }
  }
  return undefined;
}

/**
 * Σ over everything placed of max(before, after) per (region, resource): what a wave may
 * hold at once when all its upsizes land before any of its downsizes — the rule for a
 * wave, which the planner keeps and apply re-checks on a saved plan.
 */
export function transitionUse(spec: Spec, before: Deployment, after: Deployment): Map<string, number> {
  const held = new Map<string, number>();
  const add = (units: (d: Deployment) => Map<string, number>) => {
    const a = units(before);
    const b = units(after);
    for (const key of new Set([...a.keys(), ...b.keys()])) held.set(key, (held.get(key) ?? 0) + Math.max(a.get(key) ?? 0, b.get(key) ?? 0));
  };
  for (const id of new Set([...Object.keys(before.tenants), ...Object.keys(after.tenants)])) {
    add((d) => {
      const out = new Map<string, number>();
      // Units known to either side: a tenant leaving the Spec keeps its size in the state.
      const units = (k: string) => replicaUnits(spec, d, id as TenantId, k) ?? replicaUnits(spec, d === before ? after : before, id as TenantId, k) ?? 1;
      for (const [r, byRes] of Object.entries(d.tenants[id as TenantId]?.replicas ?? {})) for (const [k, n] of Object.entries(byRes)) out.set(`${r}\u0000${k}`, n * units(k));
      return out;
    });
  }
  for (const g of new Set([...Object.keys(before.reservations), ...Object.keys(after.reservations)])) {
    const k = spec.reservations[g]?.resource;
    if (!k) continue;
    add((d) => new Map(Object.entries(d.reservations[g] ?? {}).map(([r, m]) => [`${r}\u0000${k}`, m])));
  }
  for (const S of new Set([...Object.keys(before.followers), ...Object.keys(after.followers)])) {
    add((d) => {
      const out = new Map<string, number>();
      for (const [r, byRes] of Object.entries(d.followers[S] ?? {})) for (const [k, f] of Object.entries(byRes)) out.set(`${r}\u0000${k}`, f);
      return out;
    });
  }
  return held;
}
