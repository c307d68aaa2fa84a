/**
 * The Placement: the planner's answer. It is the target Deployment plus
 * what the reviewer needs to trust it: unserved demand, supply use per
 * region and resource, and the solver's report. Its type and JSON Schema are
 * declared once, in `placement.schema.ts` (see state.ts for why apart).
 */
/** A Placement's `version` (its declaration's `const`). */
export const PLACEMENT_VERSION = 1 as const;

export type { Placement, SolverReport, SolverStatus, SupplyUse } from './placement.schema.js';

/** The gap as SolverReport reports it: (objective − bound) / max(|objective|, 1e-9), 0 when they meet. */
export function relativeGap(objective: number, bound: number): number {
  if (Math.abs(objective - bound) < 1e-9) return 0;
  return Math.max(0, (objective - bound) / Math.max(Math.abs(objective), 1e-9));
}
