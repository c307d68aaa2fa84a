/**
 * Plans in waves (issue 16). The apply-time rule Σ max(current, target) ≤ supply keeps every moment
 * of an apply safe, but a target that needs room someone else frees first is out of reach of one
 * safe step. When the one-wave plan serves less than the plan without that rule (T*), the plan
 * becomes a sequence of deployments D_1 … D_K, each safe from the one before:
 *
 *   - T* is planned with the apply-time peak relaxed (the slack minimised right after demand and
 *     region-loss readiness: the target closest to one safe step among those serving the most);
 *   - each intermediate wave is a MIP with the transition rows from D_{k-1}, its counts boxed between
 *     D_{k-1} and T* (never moving away from the target) and pulled toward T* after every demand
 *     stage, so a wave keeps serving what it can; when that makes no progress, the next try puts the
 *     pull first (shrink what must shrink, grow what fits);
 *   - the last wave is the ordinary plan from the last intermediate deployment, once T* is one safe
 *     step away from it, or when the wave limit is reached (then the plan says how far it stops short).
 *
 * A product's traffic moves at most --max-shift per wave: each wave's model measures it from the wave
 * before, T* is planned without it (it bounds each step, not where the steps go), intermediate waves
 * pull traffic toward T* as they pull counts, and T* is "one step away" only once the rest of the
 * shift fits one wave's budget too. So a shift larger than --max-shift takes more waves (or the plan
 * says how far it stops short). max_surge applies per wave: each wave's moves are built on their own
 * (planner/build-plan.ts), their rounds numbered from 1 in every wave.
 */
import type { Deployment } from '../schemas/state.js';
import type { ModelGoals } from './model/build-placement-model.js';
import type { World } from './model/world.js';
import { supplyUse } from './extract.js';
import type { Placement } from '../schemas/placement.js';

/** Waves a plan may take unless --max-waves says otherwise (1: one safe step, the behaviour before waves). */
export const DEFAULT_MAX_WAVES = 4;

/** Differences below this (rps, units) are rounding, not service. */
const TOLERANCE = 1e-6;

/** How the wave planner solves one model (planner/index.ts passes the one-model solve). */
export interface WaveSolver {
  /** The ordinary plan from `current`: the transition rows from it, the final supply. */
  plan(current: Deployment, goals: ModelGoals): Promise<Placement>;
  /** A deployment from `current` (an intermediate wave, or T* with goals.relax). */
  target(current: Deployment, goals: ModelGoals): Promise<Placement>;
  /**
   * Whether `to` is one safe step from `from`. Default: Σ max(from, to) within the world's supply (or
   * what is held now, where that is more); a sub-fleet planned in the room the rest of the fleet
   * leaves it (planner/decompose/waves-in-blocks.ts) measures it against that room instead.
   */
  oneStepAway?(from: Deployment, to: Deployment): boolean;
}

export interface WavePlan {
  /** The final wave's placement (planned from the last intermediate deployment). */
  placement: Placement;
  /** The deployment after each wave but the last, in order (empty: one wave). */
  intermediate: Deployment[];
}

/**
 * The waves from `world.current` to the best target, given the one-wave plan `one`. Returns `one`
 * unchanged (no intermediate waves) when the transition rule costs it nothing.
 */
export async function planWaves(world: World, one: Placement, goals: ModelGoals, maxWaves: number, solver: WaveSolver): Promise<WavePlan> {
  if (maxWaves <= 1 || !transitionMayBind(world, one)) return { placement: one, intermediate: [] };
  return wavesToward(world, one, goals, maxWaves, solver);
}

/**
 * The waves toward the target without the apply-time peak, whether or not the transition rule binds
 * `one` (the caller has decided it may: a fleet planned in blocks decides it for the whole fleet).
 */
export async function wavesToward(world: World, one: Placement, goals: ModelGoals, maxWaves: number, solver: WaveSolver): Promise<WavePlan> {
  const single = { placement: one, intermediate: [] };
  if (maxWaves <= 1) return single;
  const stepAway = solver.oneStepAway ?? ((from: Deployment, to: Deployment) => oneStepAway(world, from, to));
  // T* is where the waves go: --max-shift bounds each wave's step toward it, not how far it is.
  const best = await solver.target(world.current, { ...goals, maxShift: undefined, relax: new Set(['peak']) });
  if (!serves(best).better(serves(one))) return single;
  const intermediate: Deployment[] = [];
  let from = world.current;
  while (intermediate.length + 1 < maxWaves && !(stepAway(from, best.target) && withinShift(world, from, best.target, goals.maxShift))) {
    const next = await nextWave(from, best.target, goals, solver);
    if (!next) break;
    intermediate.push(next);
    from = next;
  }
  if (intermediate.length === 0) return single;
  const last = await solver.plan(from, goals);
  const placement = { ...last, usage: wavesUsage(world, [world.current, ...intermediate, last.target]), ...shortOf(last, best) };
  return { placement, intermediate };
}

/** The next deployment toward `toward`, keeping service first, else progress first; undefined when neither moves. */
async function nextWave(from: Deployment, toward: Deployment, goals: ModelGoals, solver: WaveSolver): Promise<Deployment | undefined> {
  for (const progressFirst of [false, true]) {
    const wave = await solver.target(from, { ...goals, wave: { toward, progressFirst } });
    if (!sameCounts(wave.target, from)) return wave.target;
  }
  return undefined;
}

/**
 * Whether planning without the transition rule could serve more: something is left unserved or a
 * region-loss readiness is unmet, and some (region, resource) holds its whole supply mid-apply.
 * Plans that serve everything never pay for the second solve.
 */
export function transitionMayBind(world: World, one: Placement): boolean {
  const s = serves(one);
  if (s.unserved <= TOLERANCE && s.shortfall <= TOLERANCE) return false;
  for (const byResource of Object.values(one.usage)) {
    for (const u of Object.values(byResource)) if (u.peak > 0 && u.peak >= u.supply - TOLERANCE) return true;
  }
  return world.regions.some((r) => world.resources.some((k) => world.currentUsage(r, k) > world.supply(r, k)));
}

/** What a placement leaves unserved (rps and product units) and its region-loss shortfall (rps). */
function serves(p: Placement): { unserved: number; shortfall: number; better(o: { unserved: number; shortfall: number }): boolean } {
  let unserved = 0;
  for (const byClass of Object.values(p.unserved)) for (const byClient of Object.values(byClass)) for (const v of Object.values(byClient)) unserved += v;
  for (const byClient of Object.values(p.unservedProducts)) for (const v of Object.values(byClient)) unserved += v;
  let shortfall = 0;
  for (const d of Object.values(p.disasterReadiness)) shortfall += d.shortfall ?? 0;
  return {
    unserved,
    shortfall,
    better: (o) => unserved < o.unserved - TOLERANCE || (Math.abs(unserved - o.unserved) <= TOLERANCE && shortfall < o.shortfall - TOLERANCE),
  };
}

/** Whether `to` is one safe step from `from`: Σ max(from, to) within the supply (or what is held now, where that is more). */
function oneStepAway(world: World, from: Deployment, to: Deployment): boolean {
  const peak = supplyUse(world, from, to);
  const held = supplyUse(world, from, from);
  for (const [r, byResource] of Object.entries(peak)) {
    for (const [k, u] of Object.entries(byResource)) {
      if (u.peak > Math.max(u.supply, held[r]?.[k]?.used ?? 0) + TOLERANCE) return false;
    }
  }
  return true;
}

/**
 * Whether every product's traffic that arrives in a region beyond what it serves there in `from`
 * is within --max-shift of the product's total (the model's budget, planner/model): then the last
 * wave can move what is left.
 */
function withinShift(world: World, from: Deployment, to: Deployment, maxShift: number | undefined): boolean {
  if (maxShift === undefined) return true;
  for (const [P, product] of Object.entries(world.spec.products)) {
    const total = Object.values(product.demand).reduce((a, b) => a + b, 0);
    let arrives = 0;
    for (const [client, demand] of Object.entries(product.demand)) {
      const a = from.products[P]?.[client] ?? {};
      const b = to.products[P]?.[client] ?? {};
      for (const [r, share] of Object.entries(b)) arrives += demand * Math.max(0, share - (a[r] ?? 0));
    }
    if (arrives > maxShift * total + TOLERANCE * Math.max(1, total)) return false;
  }
  return true;
}

/** Per region and resource: the target's use, and the largest peak of any wave. */
export function wavesUsage(world: World, steps: Deployment[]): Placement['usage'] {
  const last = steps.length - 1;
  const usage = supplyUse(world, steps[last - 1], steps[last]);
  for (let i = 1; i < last; i++) {
    const wave = supplyUse(world, steps[i - 1], steps[i]);
    for (const [r, byResource] of Object.entries(wave)) {
      for (const [k, u] of Object.entries(byResource)) {
        const into = usage[r]?.[k];
        if (into) into.peak = Math.max(into.peak, u.peak);
      }
    }
  }
  return usage;
}

/** `wavesShortOf` when the last wave serves less than the target without the transition rule. */
function shortOf(last: Placement, best: Placement): Pick<Placement, 'wavesShortOf'> {
  const a = serves(last);
  const b = serves(best);
  const unserved = round6(Math.max(0, a.unserved - b.unserved));
  const shortfall = round6(Math.max(0, a.shortfall - b.shortfall));
  if (unserved <= TOLERANCE && shortfall <= TOLERANCE) return {};
  return { wavesShortOf: { unserved, drShortfall: shortfall } };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Same replica, reservation and follower counts and product traffic (tenants' routing is re-planned by each wave anyway). */
function sameCounts(a: Deployment, b: Deployment): boolean {
  return countsKey(a) === countsKey(b);
}

function countsKey(d: Deployment): string {
  const out: string[] = [];
  for (const id of Object.keys(d.tenants).sort()) {
    for (const [r, byK] of Object.entries(d.tenants[id as keyof typeof d.tenants].replicas)) for (const [k, n] of Object.entries(byK)) if (n > 0) out.push(`t ${id} ${r} ${k} ${n}`);
  }
  for (const [g, byR] of Object.entries(d.reservations)) for (const [r, n] of Object.entries(byR)) if (n > 0) out.push(`g ${g} ${r} ${n}`);
  for (const [S, byR] of Object.entries(d.followers)) for (const [r, byK] of Object.entries(byR)) for (const [k, n] of Object.entries(byK)) if (n > 0) out.push(`f ${S} ${r} ${k} ${n}`);
  // A wave that only shifts a product's traffic (toward T*, within --max-shift) makes progress too.
  for (const [P, byClient] of Object.entries(d.products)) for (const [c, byR] of Object.entries(byClient)) for (const [r, x] of Object.entries(byR)) if (x > 0) out.push(`p ${P} ${c} ${r} ${round6(x)}`);
  return out.sort().join('\n');
}
