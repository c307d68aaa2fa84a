/**
 * The planner's answer against the exact reference (reference-model.ts), stage by stage in
 * the lexicographic order both minimise: product traffic unserved, reservation shortfall,
 * per priority (high to low) demand unserved and region-loss shortfall, then hardware cost.
 * The planner's figures are read from its Placement document, not from its model.
 */
import type { Deployment } from '../../schemas/state.js';
import type { Spec } from '../../lang/spec.js';
import type { Placement } from '../../schemas/placement.js';
import type { ReferenceResult } from './reference-model.js';

export interface StageValue {
  stage: string;
  planner: number;
  reference: number;
  /** Figures of the planner's document this value adds up (each known to ROOM_PER_FIGURE). */
  rounded: number;
}

/** Relative tolerance of the comparison (and an absolute floor for values near 0). */
export const REL_TOL = 1e-6;
const ABS_TOL = 1e-6;

/**
 * Room per rounded figure: the documents give unserved rps and traffic to 1e-3, and the planner holds
 * each stage with room for solver tolerance (highs-worker.js, hold()), which a later stage may use:
 * product traffic moved by that room moves demand that follows it, times the rate (≤ 3.25 here).
 */
const ROOM_PER_FIGURE = 5e-3;

export function sameValue(a: number, b: number, rounded = 0): boolean {
  return Math.abs(a - b) <= ABS_TOL + ROOM_PER_FIGURE * rounded + REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

/** The lexicographic values of a placement, in the reference's stage order. */
export function plannerStages(spec: Spec, placement: Placement, ref: ReferenceResult, withDr: boolean): StageValue[] {
  const out: StageValue[] = [];
  const sum = (o: Record<string, Record<string, number>>) => Object.values(o).reduce((a, m) => a + Object.values(m).reduce((x, y) => x + y, 0), 0);
  const count = (o: Record<string, Record<string, number>>) => Object.values(o).reduce((a, m) => a + Object.keys(m).length, 0);
  out.push({ stage: 'products', planner: sum(placement.unservedProducts), reference: ref.unservedProducts, rounded: count(placement.unservedProducts) });
  out.push({ stage: 'reservations', planner: reservationShortfall(spec, placement.target), reference: ref.reservationShortfall, rounded: 0 });
  const priorities = Object.keys(ref.unserved).map(Number).sort((a, b) => b - a);
  for (const p of priorities) {
    let unserved = 0;
    let rounded = 0;
    for (const [id, byCls] of Object.entries(placement.unserved)) {
      const [S, name] = id.split('/');
      if (spec.services[S]?.tenants[name]?.priority !== p) continue;
      unserved += sum(byCls);
      rounded += count(byCls);
    }
    out.push({ stage: `unserved:${p}`, planner: unserved, reference: ref.unserved[p], rounded });
    if (withDr) {
      let short = 0;
      let lostCount = 0;
      for (const [id, dr] of Object.entries(placement.disasterReadiness)) {
        const [S, name] = id.split('/');
        // the stage is rps lost summed over lost regions (docs: "Disaster readiness")
        if (spec.services[S]?.tenants[name]?.priority === p && !dr.met) {
          short += Object.values(dr.lost ?? {}).reduce((a, b) => a + b, 0);
          lostCount += Object.keys(dr.lost ?? {}).length;
        }
      }
      out.push({ stage: `dr:${p}`, planner: short, reference: ref.drShortfall[p], rounded: Math.max(1, lostCount) });
    }
  }
  out.push({ stage: 'cost', planner: hardwareCost(spec, placement.target), reference: ref.cost, rounded: 0 });
  return out;
}

/** The first stage where the two differ (the later ones are then not comparable), or undefined. */
export function firstDifference(stages: StageValue[]): StageValue | undefined {
  return stages.find((s) => !sameValue(s.planner, s.reference, s.rounded));
}

export function hardwareCost(spec: Spec, target: Deployment): number {
  let cost = 0;
  const price = (k: string) => spec.resources[k]?.cost ?? 0;
  for (const [id, d] of Object.entries(target.tenants)) {
    const [S, name] = id.split('/');
    const t = spec.services[S]?.tenants[name];
    for (const byRes of Object.values(d.replicas)) for (const [k, n] of Object.entries(byRes)) cost += n * (t?.replicas[k]?.units ?? 0) * price(k);
  }
  for (const [g, byRegion] of Object.entries(target.reservations)) for (const m of Object.values(byRegion)) cost += m * price(spec.reservations[g]?.resource ?? '');
  for (const byRegion of Object.values(target.followers)) for (const byRes of Object.values(byRegion)) for (const [k, f] of Object.entries(byRes)) cost += f * price(k);
  return cost;
}

/** docs: `amount` units in the locality; with `tolerate region-failure`, still `amount` after the loss of any one region. */
export function reservationShortfall(spec: Spec, target: Deployment): number {
  let short = 0;
  for (const [g, res] of Object.entries(spec.reservations)) {
    const units = Object.values(target.reservations[g] ?? {});
    const total = units.reduce((a, b) => a + b, 0);
    const kept = res.tolerateRegionFailure ? total - Math.max(0, ...units) : total;
    short += Math.max(0, res.amount - kept);
  }
  return short;
}
