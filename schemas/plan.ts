/**
 * The Plan: what `globe plan --out` saves and `globe apply` executes. It
 * freezes everything apply needs — the Spec it was made from, the Placement,
 * the diff reviewers read and the ordered moves — plus what makes a stale
 * plan detectable: the digest of the inputs and the State's lineage/serial.
 * Its type and JSON Schema are declared once, in `plan.schema.ts` (see
 * state.ts for why apart).
 */
import type { Spec } from '../lang/spec.js';
import type { Deployment, State } from './state.js';
import type { Placement } from './placement.js';
import type { Plan, PlanFinding } from './plan.schema.js';

/** A Plan's `version` (its declaration's `const`). */
export const PLAN_VERSION = 1 as const;

export type { CountsDiff, Move, MoveKind, Plan, PlanDiff, PlanFinding, PlanFindingReason, PlanLimit, PlanSummary, PlanWave, ReplicaChange, ResizeMove, RouteMove, RoutingChange, RoutingDiffEntry, ShiftMove, Subject, TenantDiff } from './plan.schema.js';

/**
 * The planner's derivation of a Plan from its target and the current state (planner/build-plan.ts):
 * apply re-derives a saved plan with it to refuse an edited one, without depending on the planner.
 */
export type DerivePlan = (args: DerivePlanArgs) => Plan;

export interface DerivePlanArgs {
  spec: Spec;
  current: State | null;
  placement: Placement;
  globeVersion: string;
  findings?: PlanFinding[];
  /**
   * The deployments after each wave but the last (the last reaches `placement.target`), when
   * the target needs more than one safe step. Absent or empty: a one-wave plan, today's shape.
   */
  intermediate?: Deployment[];
}
