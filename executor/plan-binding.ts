/**
 * A saved plan is bound to what was reviewed. Whoever can write the plan file
 * must not get other moves, other hardware counts or other commands run:
 * `apply PLAN` refuses before anything runs when
 *
 * - the plan's Spec does not digest to its `basis.specDigest`, or the
 *   project on disk does not (the backend and its commands always come from
 *   the project on disk, never from the plan file);
 * - its target names what the Spec does not declare, holds a replica or
 *   reservation count that is not a whole number ≥ 0, or needs more of a
 *   region's resource than its supply;
 * - its diff, moves and summary are not the ones the planner's own
 *   functions derive from that target and the current state (buildPlan);
 * - its moves, run one at a time in the order apply runs them, would leave
 *   the invariant (admission.ts) — found now rather than after half of them ran;
 * - a multi-wave plan: a wave's target is not one the Spec allows or over
 *   supply, its moves are not the ones buildPlan derives through the plan's
 *   own wave targets, or a wave's Σ max(before, after) exceeds a supply.
 */
import { canonicalJson } from '../lang/canonical-json.js';
import type { Spec, TenantId } from '../lang/spec.js';
import type { DerivePlan, Move, Plan } from '../schemas/plan.js';
import { admit } from './admission.js';
import { applyMove } from '../schemas/apply-move.js';
import { documentDigest, specDigest } from '../schemas/digest.js';
import { describeViolation, usageByRegion } from '../schemas/invariants.js';
import { transitionUse } from './waves.js';
import { deploymentOf, type Deployment, type State } from '../schemas/state.js';
import { GlobeError } from '../schemas/diagnostic.js';

export class PlanBindingError extends GlobeError {
  readonly code = 'plan-binding';
}

const EDITED = 'Was the plan file edited? Plan again.';

/** The plan's full identity (sha256 of the canonical document, solver wall time left out): kept in its journal. */
export function planDigest(plan: Plan): string {
  return documentDigest({ ...plan, placement: { ...plan.placement, solver: { ...plan.placement.solver, seconds: 0 } } });
}

/** What needs no state: the plan's Spec is the project's, and its target is one that Spec allows. Throws PlanBindingError. */
export function checkPlanDocument(plan: Plan, projectSpec: Spec): void {
  if (specDigest(plan.spec) !== plan.basis.specDigest) {
    throw new PlanBindingError(`the plan cannot be applied: the Spec inside it does not match the digest it was planned from (${plan.basis.specDigest.slice(0, 19)}…). ${EDITED}`);
  }
  const digest = specDigest(projectSpec);
  if (digest !== plan.basis.specDigest) {
    throw new PlanBindingError(`Saved plan is stale: the project's files changed since the plan was made (${plan.basis.specDigest.slice(0, 19)}… → ${digest.slice(0, 19)}…). Plan again.`);
  }
  const problem = targetProblem(projectSpec, plan.placement.target) ?? waveTargetsProblem(projectSpec, plan) ?? movesProblem(projectSpec, plan.moves);
  if (problem) throw new PlanBindingError(`the plan cannot be applied: ${problem}. ${EDITED}`);
}

/** A fresh apply, against the state the plan was made from: the moves follow from the target and are safe in order. */
/** The project's Spec a saved plan must match, and the planner's derivation it is checked against. */
export interface PlanBinding {
  spec: Spec;
  derivePlan: DerivePlan;
}

export function checkPlanAgainstState(plan: Plan, binding: PlanBinding, current: State | null): void {
  const { spec } = binding;
  const start = deploymentOf(current);
  const problem =
    supplyProblem(spec, start, plan.placement.target) ??
    waveSupplyProblem(spec, start, plan) ??
    derivationProblem(plan, binding, current) ??
    transitionProblem(spec, start, plan) ??
    dryRunProblem(plan, spec, start);
  if (problem) throw new PlanBindingError(`the plan cannot be applied: ${problem}. ${EDITED}`);
}

const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const isAmount = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
const isShare = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1 + 1e-6;
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function tenantOf(spec: Spec, id: string) {
  const [service, name, ...rest] = id.split('/');
  if (rest.length > 0 || !own(spec.services, service) || !own(spec.services[service].tenants, name)) return undefined;
  return spec.services[service].tenants[name];
}

/** Every name in the target is declared, every count a whole number ≥ 0, every share within [0, 1]. */
function targetProblem(spec: Spec, target: Deployment): string | undefined {
  const region = (r: string) => own(spec.regions, r);
  for (const [id, t] of Object.entries(target.tenants)) {
    const tenant = tenantOf(spec, id);
    if (!tenant) return `its target places tenant ${id}, which the project does not declare`;
    for (const [r, byRes] of Object.entries(t.replicas)) {
      if (!region(r)) return `its target places ${id} in region ${r}, which the project does not declare`;
      for (const [k, n] of Object.entries(byRes)) {
        if (!own(tenant.replicas, k)) return `its target gives ${id} replicas on ${k} in ${r}, which its resource table does not list`;
        if (!isCount(n)) return `its target gives ${id} ${JSON.stringify(n)} replicas on ${k} in ${r}: not a whole number ≥ 0`;
      }
    }
    for (const [cls, matrix] of Object.entries(t.routing)) {
      for (const [client, row] of Object.entries(matrix)) {
        for (const [r, w] of Object.entries(row)) {
          if (!region(r)) return `its target routes ${id} ${cls} traffic to region ${r}, which the project does not declare`;
          if (!isShare(w)) return `its target routes ${JSON.stringify(w)} of ${id} ${cls} traffic from ${client} to ${r}: not a share between 0 and 1`;
        }
      }
    }
  }
  for (const [g, byRegion] of Object.entries(target.reservations)) {
    if (!own(spec.reservations, g)) return `its target holds reservation ${g}, which the project does not declare`;
    for (const [r, n] of Object.entries(byRegion)) {
      if (!region(r)) return `its target holds reservation ${g} in region ${r}, which the project does not declare`;
      if (!isCount(n)) return `its target holds ${JSON.stringify(n)} units of reservation ${g} in ${r}: not a whole number ≥ 0`;
    }
  }
  for (const [S, byRegion] of Object.entries(target.followers)) {
    if (!own(spec.services, S) || Object.keys(spec.services[S].follows).length === 0) return `its target gives capacity to follower service ${S}, which the project does not declare`;
    for (const [r, byRes] of Object.entries(byRegion)) {
      if (!region(r)) return `its target gives ${S} capacity in region ${r}, which the project does not declare`;
      for (const [k, n] of Object.entries(byRes)) {
        if (!own(spec.resources, k)) return `its target gives ${S} capacity of ${k}, which the project does not declare`;
        if (!isAmount(n)) return `its target gives ${S} ${JSON.stringify(n)} units of ${k} in ${r}: not a number ≥ 0`;
      }
    }
  }
  for (const [P, matrix] of Object.entries(target.products)) {
    if (!own(spec.products, P)) return `its target routes product ${P}, which the project does not declare`;
    for (const row of Object.values(matrix)) for (const [r, w] of Object.entries(row)) if (!region(r) || !isShare(w)) return `its target routes product ${P} to ${r} with share ${JSON.stringify(w)}`;
  }
  return undefined;
}

/** Moves name what the project declares (or remove what it no longer does), with whole-number targets. */
function movesProblem(spec: Spec, moves: Move[]): string | undefined {
  for (const m of moves) {
    if (m.kind === 'upsize' || m.kind === 'downsize') {
      const s = m.subject;
      const declared = s.type === 'tenant' ? tenantOf(spec, s.tenant) !== undefined : s.type === 'reservation' ? own(spec.reservations, s.reservation) : own(spec.services, s.service);
      if (!declared && m.to !== 0) return `move ${m.id} sets ${JSON.stringify(s)}, which the project does not declare, to ${m.to}`;
      if (s.type !== 'follower' && (!isCount(m.to) || !isCount(m.from))) return `move ${m.id} sets a count of ${JSON.stringify(m.to)}: not a whole number ≥ 0`;
      if (s.type === 'follower' && (!isAmount(m.to) || !isAmount(m.from))) return `move ${m.id} sets ${JSON.stringify(m.to)} units: not a number ≥ 0`;
    } else if (m.kind === 'route') {
      if (!tenantOf(spec, m.tenant) && Object.values(m.routing).some((x) => Object.keys(x).length > 0)) return `move ${m.id} routes traffic of ${m.tenant as TenantId}, which the project does not declare`;
    } else if (m.kind === 'shift' && !own(spec.products, m.product) && Object.keys(m.routing).length > 0) {
      return `move ${m.id} shifts product ${m.product}, which the project does not declare`;
    }
  }
  return undefined;
}

/** The target may use no more of a region's resource than its supply — or than it already used, where it was over. */
function supplyProblem(spec: Spec, start: Deployment, target: Deployment): string | undefined {
  const before = usageByRegion(spec, start);
  for (const [key, used] of [...usageByRegion(spec, target)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [r, k] = key.split('\u0000');
    const supply = spec.regions[r]?.supply[k] ?? 0;
    if (used > Math.max(supply, before.get(key) ?? 0) + 1e-6) return `its target uses ${used} ${k} in ${r}, more than its supply of ${supply}`;
  }
  return undefined;
}

/** Every wave's target is one the Spec allows, like the plan's own target. */
function waveTargetsProblem(spec: Spec, plan: Plan): string | undefined {
  if (plan.waves !== undefined && !Array.isArray(plan.waves)) return 'its waves are not a list';
  for (const [i, w] of (plan.waves ?? []).entries()) {
    if (typeof w !== 'object' || w === null || typeof w.target !== 'object' || w.target === null) return `its wave ${i + 1} has no target`;
    const problem = targetProblem(spec, w.target);
    if (problem) return `wave ${i + 1}: ${problem}`;
  }
  return undefined;
}

/** No wave may end using more of a region's resource than its supply (or than it used at the start, where it was over). */
function waveSupplyProblem(spec: Spec, start: Deployment, plan: Plan): string | undefined {
  for (const w of plan.waves ?? []) {
    const problem = supplyProblem(spec, start, w.target);
    if (problem) return `wave ${w.wave}: ${problem}`;
  }
  return undefined;
}

/**
 * Each wave holds, at worst, everything it starts and ends with: Σ max(before, after) per
 * (region, resource) must fit the supply (or what the region held at the start, where it was
 * over). This is the rule that makes a wave safe in any order of its tenants' moves.
 */
function transitionProblem(spec: Spec, start: Deployment, plan: Plan): string | undefined {
  if (!plan.waves) return undefined;
  const before = usageByRegion(spec, start);
  let previous = start;
  for (const w of plan.waves) {
    for (const [key, held] of [...transitionUse(spec, previous, w.target)].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [r, k] = key.split('\u0000');
      const supply = spec.regions[r]?.supply[k] ?? 0;
      if (held > Math.max(supply, before.get(key) ?? 0) + 1e-6) {
        return `its wave ${w.wave} holds up to ${held} ${k} in ${r} while it runs (the sum over everything placed there of the larger of before and after), more than its supply of ${supply}`;
      }
    }
    previous = w.target;
  }
  return undefined;
}

/**
 * Recompute the diff, moves and summary with the planner's own function and compare. A
 * multi-wave plan is rebuilt through its own wave targets: its moves must be the ones those
 * targets call for, and its last wave must end at the plan's target.
 */
function derivationProblem(plan: Plan, { spec, derivePlan }: PlanBinding, current: State | null): string | undefined {
  const intermediate = (plan.waves ?? []).slice(0, -1).map((w) => w.target);
  const rebuilt = derivePlan({ spec, current, placement: plan.placement, globeVersion: plan.globeVersion, intermediate });
  const n = Math.max(rebuilt.moves.length, plan.moves.length);
  for (let i = 0; i < n; i++) {
    const want = rebuilt.moves[i];
    const have = plan.moves[i];
    if (canonicalJson(want, 0) === canonicalJson(have, 0)) continue;
    if (!have) return `its moves stop at ${plan.moves.length}, but its target and the current state call for ${rebuilt.moves.length} (the next would be ${want.id})`;
    if (!want) return `it has ${plan.moves.length} moves, but its target and the current state call for ${rebuilt.moves.length} (${have.id} is not one of them)`;
    return `its move ${i + 1} (${have.id}) is not the one its target and the current state call for (${want.id}${want.id === have.id ? ', with other values' : ''})`;
  }
  if (canonicalJson(rebuilt.waves ?? null, 0) !== canonicalJson(plan.waves ?? null, 0)) {
    return "its waves are not the ones its wave targets, its target and the current state give (each wave's regions and reason are derived from them, and the last wave ends at the plan's target)";
  }
  if (canonicalJson(rebuilt.diff, 0) !== canonicalJson(plan.diff, 0)) return 'the diff it shows is not the one its target and the current state give';
  if (canonicalJson(rebuilt.summary, 0) !== canonicalJson(plan.summary, 0)) return 'the summary it shows is not the one its moves give';
  return undefined;
}

/**
 * Apply's own scheduler, one move at a time, on paper: the first move it would refuse. With
 * nothing running, apply starts the first ready move in plan order; the moves were just
 * found to be the planner's, whose dependencies all point backwards, so that is plan order.
 */
function dryRunProblem(plan: Plan, spec: Spec, start: Deployment): string | undefined {
  const allowance = new Map<string, number>();
  for (const r of plan.diff.regions) allowance.set(`${r.region}\u0000${r.resource}`, r.before);
  const done = new Set<string>();
  let expected = start;
  for (const m of plan.moves) {
    const waiting = m.dependsOn.find((d) => !done.has(d));
    if (waiting) return `its move ${m.id} depends on ${waiting}, which comes after it`;
    const admission = admit({ spec, expected, running: [], allowance }, m);
    if (admission.verdict === 'refuse') return `its move ${m.id} would break an invariant — ${admission.violations.map(describeViolation).join('; ')}`;
    expected = applyMove(expected, m);
    done.add(m.id);
  }
  return undefined;
}
