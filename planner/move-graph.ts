/**
 * The ordered moves that carry the current deployment to the target.
 *
 * Per tenant: every upsize, then one routing change, then every downsize —
 * so capacity always covers routed traffic. The planner's transition
 * constraint (Σ max(current, target) fits the supply) makes it safe to run
 * all tenants' upsizes before any downsize, so tenants are independent of one
 * another and apply may run them in parallel. A tenant with `max_surge`
 * moves in rounds: each round adds about `max_surge` replicas, routes a
 * proportional blend of old and new traffic, and removes the matching
 * replicas; the rounds are kept only if every intermediate state passes the
 * invariant check (otherwise the tenant moves in one round).
 * Products: followers upsize where traffic arrives, the traffic shifts, then
 * followers downsize where it left. Reservations resize on their own.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import { applyMove } from '../schemas/apply-move.js';
import { checkInvariants, newViolations, usageByRegion } from '../schemas/invariants.js';
import { replicaUnits, type Deployment, type RoutingMatrix } from '../schemas/state.js';
import { diffCounts, diffMatrix } from './diff.js';
import { normalizeRow } from './extract.js';
import type { Move, ResizeMove, Subject } from '../schemas/plan.js';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Draft = Omit<ResizeMove, 'id' | 'dependsOn' | 'round'> | Omit<Extract<Move, { kind: 'route' }>, 'id' | 'dependsOn' | 'round'> | Omit<Extract<Move, { kind: 'shift' }>, 'id' | 'dependsOn' | 'round'>;

interface Chain {
  /** Groups run in order; the moves of one group are independent of each other. */
  groups: { round: number; moves: Draft[] }[];
}

export function buildMoves(spec: Spec, current: Deployment, target: Deployment, routingThreshold = 0.005): Move[] {
  const chains: Chain[] = [];
  const ids = [...new Set([...Object.keys(current.tenants), ...Object.keys(target.tenants)])].sort(byName) as TenantId[];
  for (const id of ids) {
    const chain = tenantChain(spec, current, target, id, routingThreshold);
    if (chain) chains.push(withUnits(chain, (k) => replicaUnits(spec, current, id, k)));
  }
  for (const name of [...new Set([...Object.keys(current.reservations), ...Object.keys(target.reservations)])].sort(byName)) {
    const resource = spec.reservations[name]?.resource ?? 'units';
    const subject: Subject = { type: 'reservation', reservation: name };
    const changes = diffCounts(wrap(current.reservations[name] ?? {}, resource), wrap(target.reservations[name] ?? {}, resource));
    const ups = changes.filter((c) => c.to > c.from).map((c) => resize(subject, c.region, c.resource, c.from, c.to));
    const downs = changes.filter((c) => c.to < c.from).map((c) => resize(subject, c.region, c.resource, c.from, c.to));
    const groups = [ups, downs].filter((g) => g.length > 0).map((moves) => ({ round: 1, moves }));
    if (groups.length > 0) chains.push({ groups });
  }
  chains.push(...productChains(spec, current, target, routingThreshold));
  return number(chains);
}

function wrap(byRegion: Record<string, number>, resource: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [r, n] of Object.entries(byRegion)) out[r] = { [resource]: n };
  return out;
}

function resize(subject: Subject, region: string, resource: string, from: number, to: number): Omit<ResizeMove, 'id' | 'dependsOn' | 'round'> {
  return { kind: to > from ? 'upsize' : 'downsize', subject, region, resource, from, to };
}

/** A tenant's resizes carry the units one replica takes, for the backend to record in the State. */
function withUnits(chain: Chain, unitsOf: (resource: string) => number | undefined): Chain {
  const groups = chain.groups.map((g) => ({
    round: g.round,
    moves: g.moves.map((m): Draft => {
      if (m.kind !== 'upsize' && m.kind !== 'downsize') return m;
      const units = unitsOf(m.resource);
      return units === undefined ? m : { ...m, units };
    }),
  }));
  return { groups };
}

function tenantChain(spec: Spec, current: Deployment, target: Deployment, id: TenantId, threshold: number): Chain | undefined {
  const a = current.tenants[id] ?? { replicas: {}, routing: {} };
  const b = target.tenants[id] ?? { replicas: {}, routing: {} };
  const changes = diffCounts(a.replicas, b.replicas);
  const classes = [...new Set([...Object.keys(a.routing), ...Object.keys(b.routing)])].sort(byName);
  const changedClasses = classes.filter((c) => diffMatrix(a.routing[c] ?? {}, b.routing[c] ?? {}, threshold).length > 0);
  if (changes.length === 0 && changedClasses.length === 0) return undefined;
  const subject: Subject = { type: 'tenant', tenant: id };
  const routingOf = (weight: number): Record<string, RoutingMatrix> => {
    const out: Record<string, RoutingMatrix> = {};
    for (const c of changedClasses) out[c] = weight >= 1 ? (b.routing[c] ?? {}) : blend(a.routing[c] ?? {}, b.routing[c] ?? {}, weight);
    return out;
  };
  const single = oneRound(subject, id, changes, changedClasses.length > 0 ? routingOf(1) : undefined);
  const [service, name] = id.split('/');
  const surge = spec.services[service]?.tenants[name]?.maxSurge;
  const added = changes.reduce((s, c) => s + Math.max(0, c.to - c.from), 0);
  if (surge === undefined || added <= surge) return single;
  const rounds = Math.ceil(added / surge);
  const groups: Chain['groups'] = [];
  // Only this tenant's capacity is checked: play its moves on a deployment that holds it alone
  // (with the products whose traffic it may follow), not on the whole fleet's once per move.
  const alone: Deployment = { tenants: current.tenants[id] ? { [id]: current.tenants[id] } : {}, reservations: {}, products: current.products, followers: {} };
  const allowance = usageByRegion(spec, alone);
  let state = alone;
  let counts = structuredClone(a.replicas);
  // Replicas still to add per growing (region, resource); each round hands out at most
  // `max_surge` of them, one at a time to whichever still needs the most, so no round
  // exceeds the surge and capacity grows everywhere at a similar pace.
  const growing = changes.filter((c) => c.to > c.from);
  const addedSoFar = new Map(growing.map((c) => [c, 0]));
  for (let i = 1; i <= rounds; i++) {
    const step = (c: { from: number; to: number }, up: boolean) =>
      up ? c.from + (addedSoFar.get(c as (typeof growing)[number]) ?? 0) : c.from - Math.floor(((c.from - c.to) * i) / rounds);
    for (let budget = surge; budget > 0; budget--) {
      let best: (typeof growing)[number] | undefined;
      for (const c of growing) {
        const left = c.to - c.from - addedSoFar.get(c)!;
        if (left > 0 && (!best || left > best.to - best.from - addedSoFar.get(best)!)) best = c;
      }
      if (!best) break;
      addedSoFar.set(best, addedSoFar.get(best)! + 1);
    }
    const ups = growing
      .map((c) => ({ c, to: step(c, true) }))
      .filter(({ c, to }) => to !== (counts[c.region]?.[c.resource] ?? 0))
      .map(({ c, to }) => resize(subject, c.region, c.resource, counts[c.region]?.[c.resource] ?? 0, to));
    const route = changedClasses.length > 0 ? [{ kind: 'route' as const, tenant: id, routing: routingOf(i / rounds) }] : [];
    const downs = changes
      .filter((c) => c.to < c.from)
      .map((c) => ({ c, to: i === rounds ? c.to : step(c, false) }))
      .filter(({ c, to }) => to !== (counts[c.region]?.[c.resource] ?? 0))
      .map(({ c, to }) => resize(subject, c.region, c.resource, counts[c.region]?.[c.resource] ?? 0, to));
    for (const g of [ups, route, downs]) {
      if (g.length === 0) continue;
      groups.push({ round: i, moves: g });
      for (const m of g) {
        const before = checkInvariants(spec, state, allowance);
        state = applyMove(state, { ...m, id: '', dependsOn: [], round: i } as Move);
        if (newViolations(before, checkInvariants(spec, state, allowance)).some((v) => v.kind === 'capacity' && v.tenant === id)) return single;
      }
    }
    counts = structuredClone(state.tenants[id]?.replicas ?? {});
  }
  return { groups };
}

function oneRound(subject: Subject, id: TenantId, changes: { region: string; resource: string; from: number; to: number }[], routing?: Record<string, RoutingMatrix>): Chain {
  const ups = changes.filter((c) => c.to > c.from).map((c) => resize(subject, c.region, c.resource, c.from, c.to));
  const downs = changes.filter((c) => c.to < c.from).map((c) => resize(subject, c.region, c.resource, c.from, c.to));
  const route = routing ? [{ kind: 'route' as const, tenant: id, routing }] : [];
  return { groups: [ups, route, downs].filter((g) => g.length > 0).map((moves) => ({ round: 1, moves })) };
}

/** (1 − w)·old + w·new, row by row, renormalised. */
function blend(from: RoutingMatrix, to: RoutingMatrix, w: number): RoutingMatrix {
  const out: RoutingMatrix = {};
  for (const client of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort(byName)) {
    const row: Record<string, number> = {};
    for (const r of new Set([...Object.keys(from[client] ?? {}), ...Object.keys(to[client] ?? {})])) {
      row[r] = (1 - w) * (from[client]?.[r] ?? 0) + w * (to[client]?.[r] ?? 0);
    }
    const normalized = normalizeRow(row);
    if (Object.keys(normalized).length > 0) out[client] = normalized;
  }
  return out;
}

function productChains(spec: Spec, current: Deployment, target: Deployment, threshold: number): Chain[] {
  const chains: Chain[] = [];
  const followerUps: Draft[] = [];
  const followerDowns: Draft[] = [];
  for (const S of [...new Set([...Object.keys(current.followers), ...Object.keys(target.followers)])].sort(byName)) {
    const subject: Subject = { type: 'follower', service: S };
    for (const c of diffCounts(current.followers[S] ?? {}, target.followers[S] ?? {})) {
      (c.to > c.from ? followerUps : followerDowns).push(resize(subject, c.region, c.resource, c.from, c.to));
    }
  }
  const shifts: Draft[] = [];
  for (const P of [...new Set([...Object.keys(current.products), ...Object.keys(target.products)])].sort(byName)) {
    if (diffMatrix(current.products[P] ?? {}, target.products[P] ?? {}, threshold).length === 0) continue;
    shifts.push({ kind: 'shift', product: P, routing: target.products[P] ?? {} });
  }
  const groups = [followerUps, shifts, followerDowns].filter((g) => g.length > 0).map((moves) => ({ round: 1, moves }));
  if (groups.length > 0) chains.push({ groups });
  return chains;
}

/** Give moves their ids and dependencies: each group depends on every move of the group before it. */
function number(chains: Chain[]): Move[] {
  const moves: Move[] = [];
  for (const chain of chains) {
    let previous: string[] = [];
    for (const group of chain.groups) {
      const ids: string[] = [];
      for (const draft of group.moves) {
        const seq = String(moves.length + 1).padStart(3, '0');
        const id = `m${seq}-${draft.kind}-${describeTarget(draft)}`;
        moves.push({ ...draft, id, dependsOn: [...previous], round: group.round } as Move);
        ids.push(id);
      }
      previous = ids;
    }
  }
  return moves;
}

function describeTarget(d: Draft): string {
  switch (d.kind) {
    case 'route':
      return d.tenant;
    case 'shift':
      return d.product;
    default: {
      const s = d.subject;
      const who = s.type === 'tenant' ? s.tenant : s.type === 'reservation' ? s.reservation : s.service;
      return `${who}-${d.region}-${d.resource}`;
    }
  }
}
