/**
 * May this move start now? With several moves running at once, the states
 * the world passes through depend on which of them finishes first, so the
 * invariant check before a move must hold whatever that order:
 *
 * - Moves whose effects meet in one capacity constraint never run together
 *   (their *footprints* conflict): a tenant's resize in a region and its
 *   routing change, a product shift and the tenants and followers that
 *   follow the product. Each capacity constraint then has at most one move
 *   in flight, and checking it against the finished moves is exact.
 * - Supply is shared by everything in a region, but only resizes change it,
 *   each in one direction. A move is checked against the state where every
 *   running move that adds units has finished and every one that releases
 *   units has not: the worst any order can reach.
 *
 * A move that fails this check while others run may pass once they have
 * finished; only a move that fails it with nothing in flight is refused.
 */
import type { Spec } from '../lang/spec.js';
import type { Move, ResizeMove } from '../schemas/plan.js';
import { applyMove } from '../schemas/apply-move.js';
import { moveViolations, type InvariantViolation } from '../schemas/invariants.js';
import type { Deployment } from '../schemas/state.js';

/** What a move touches: scope (a tenant, follower service, reservation, product) → its regions, or all of them. */
export type Footprint = Map<string, Set<string> | 'all'>;

export function footprintOf(spec: Spec, move: Move): Footprint {
  const fp: Footprint = new Map();
  const touch = (scope: string, region: string | 'all') => {
    const had = fp.get(scope);
    if (region === 'all' || had === 'all') fp.set(scope, 'all');
    else fp.set(scope, new Set([...(had ?? []), region]));
  };
  switch (move.kind) {
    case 'upsize':
    case 'downsize': {
      const s = move.subject;
      touch(s.type === 'tenant' ? `tenant:${s.tenant}` : s.type === 'reservation' ? `reservation:${s.reservation}` : `follower:${s.service}`, move.region);
      return fp;
    }
    case 'route':
      touch(`tenant:${move.tenant}`, 'all');
      return fp;
    case 'shift':
      touch(`product:${move.product}`, 'all');
      // The product's traffic is demand of the tenants, and need of the follower services, that follow it.
      for (const [serviceName, service] of Object.entries(spec.services)) {
        if (service.follows[move.product]) touch(`follower:${serviceName}`, 'all');
        for (const [tenantName, tenant] of Object.entries(service.tenants)) {
          if (tenant.follows?.[move.product]) touch(`tenant:${serviceName}/${tenantName}`, 'all');
        }
      }
      return fp;
  }
}

export function conflicts(a: Footprint, b: Footprint): boolean {
  for (const [scope, regions] of a) {
    const other = b.get(scope);
    if (other === undefined) continue;
    if (regions === 'all' || other === 'all') return true;
    for (const r of regions) if (other.has(r)) return true;
  }
  return false;
}

export type Admission =
  | { verdict: 'start' }
  /** Not now: it conflicts with a running move, or is unsafe in some order the running ones may finish in. */
  | { verdict: 'wait'; reason: 'conflict' | 'unsafe-while-others-run' }
  /** Never: with nothing else running it would still break the invariant. */
  | { verdict: 'refuse'; violations: InvariantViolation[] };

export interface AdmissionInput {
  spec: Spec;
  /** The deployment every finished move has produced. */
  expected: Deployment;
  running: Move[];
  /** Units per (region, resource) in use when the plan was made: a region already over its supply may stay there. */
  allowance: Map<string, number>;
}

export function admit(input: AdmissionInput, move: Move): Admission {
  const { spec, expected, running, allowance } = input;
  const fp = footprintOf(spec, move);
  if (running.some((m) => conflicts(fp, footprintOf(spec, m)))) return { verdict: 'wait', reason: 'conflict' };
  const worst = running.filter((m) => addsUnits(expected, m)).reduce(applyMove, expected);
  // Only what the move touches is checked (moveViolations): the rest is the same before and after it.
  const violations = moveViolations(spec, worst, move, allowance);
  if (violations.length === 0) return { verdict: 'start' };
  if (running.length > 0) return { verdict: 'wait', reason: 'unsafe-while-others-run' };
  return { verdict: 'refuse', violations };
}

/** A resize whose target is above what the deployment holds now. */
function addsUnits(d: Deployment, m: Move): boolean {
  return (m.kind === 'upsize' || m.kind === 'downsize') && m.to > countOf(d, m);
}

/** What the deployment holds of a resize move's (subject, region, resource). */
export function countOf(d: Deployment, move: ResizeMove): number {
  const s = move.subject;
  switch (s.type) {
    case 'tenant':
      return d.tenants[s.tenant]?.replicas[move.region]?.[move.resource] ?? 0;
    case 'reservation':
      return d.reservations[s.reservation]?.[move.region] ?? 0;
    case 'follower':
      return d.followers[s.service]?.[move.region]?.[move.resource] ?? 0;
  }
}
