/**
 * The objective, in priority order, and its weights.
 *
 * 1. Unserved demand, one lexicographic stage per priority level, highest
 *    first: stage k minimises the rps left unserved at level k with every
 *    higher level held at its optimum. Dominance is therefore exact by
 *    construction — a higher-priority tenant can never lose demand to a lower
 *    one, whatever the other weights — and no "big enough" weight has to be
 *    chosen (big weights are what make MIPs numerically fragile).
 * 2. Then one blended stage:
 *      cost     × Σ units placed × cost per unit
 *    + churn    × Σ |replicas − current| × units      (stability)
 *    + balance  × Σ |free(r,k) − supply(r,k) × φ_k|  (free capacity in proportion to region size)
 *    + distance × Σ y × RTT / threshold / Σ demand   (prefer nearer serving regions; ≤ distance in total)
 *    + serviceBalance × Σ |capacity(S,r,k) − share_r × capacity(S,k)|   (each service spread like the regions)
 */
import type { PlannerWeights } from '../lang/spec.js';

export const DEFAULT_WEIGHTS: PlannerWeights = {
  cost: 1,
  churn: 0.1,
  balance: 0.01,
  distance: 0.001,
  serviceBalance: 0,
};

export const WEIGHT_DOCS: Record<keyof PlannerWeights, string> = {
  cost: 'per unit of hardware cost (resource cost × units placed)',
  churn: 'per resource unit added or removed against the current state',
  balance: 'per unit of free capacity away from its region-proportional share',
  distance: 'for serving all demand at its threshold distance (normalised; a tie-breaker)',
  serviceBalance: "per unit of a service's capacity away from its region-proportional share (off by default)",
};

export function resolveWeights(...layers: (Partial<PlannerWeights> | undefined)[]): PlannerWeights {
  const w = { ...DEFAULT_WEIGHTS };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) if (v !== undefined) w[k as keyof PlannerWeights] = v;
  }
  return w;
}
