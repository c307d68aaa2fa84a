/**
 * The Plan: what `globe plan --out` saves and `globe apply` executes. It
 * freezes everything apply needs — the Spec it was made from, the Placement,
 * the diff reviewers read and the ordered moves — plus what makes a stale
 * plan detectable: the digest of the inputs and the State's lineage/serial.
 * JSON Schema: `schemas/plan.schema.json`.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { Deployment, RoutingMatrix, State } from './state.js';
import type { Placement } from './placement.js';
import type { Diagnostic, DiagnosticSource } from './diagnostic.js';

export const PLAN_VERSION = 1 as const;

export interface Plan {
  version: typeof PLAN_VERSION;
  /** globe's package version that made the plan; apply refuses another major version. */
  globeVersion: string;
  /** What the plan was made against. */
  basis: {
    /** sha256 of the canonical Spec JSON (source positions excluded). */
    specDigest: string;
    /** Lineage of the State, or null when nothing was deployed yet. */
    lineage: string | null;
    serial: number;
  };
  spec: Spec;
  placement: Placement;
  diff: PlanDiff;
  moves: Move[];
  /**
   * What the plan could not do and why (planner/explain.ts), saved so that `show` renders exactly
   * what `plan` printed. Absent in plans saved before findings were kept: read as none.
   */
  findings?: PlanFinding[];
  /**
   * Present only when the target needs more than one safe step (issue 16): the waves in order,
   * the last one reaching `placement.target` (or as close as the wave limit allows). A one-wave
   * plan has no `waves` and its moves no `wave`: the shape plans had before waves.
   */
  waves?: PlanWave[];
  summary: PlanSummary;
}

/**
 * One wave of a multi-wave plan. Within a wave the usual order holds (upsize → route/shift →
 * downsize) and Σ max(before, after) ≤ supply in every (region, resource).
 */
export interface PlanWave {
  /** 1-based, in execution order. */
  wave: number;
  /** Why the wave exists, computed by the planner, e.g. "uses the h100 that wave 1 frees in r2". */
  reason: string;
  /** The deployment when the wave completes; apply checks the read-back state against it. */
  target: Deployment;
  /** Per region and resource: used before the wave, after it, and the peak while it runs. */
  regions: { region: string; resource: string; supply: number; before: number; after: number; peak: number }[];
}

/**
 * A planner finding as the Plan keeps it: a Diagnostic (schemas/diagnostic.ts) whose source is the
 * intent's line relative to the project (no span end, no line text: the saved shape predates the
 * Diagnostic and stays as it was), plus the Spec path and the reason found from the model.
 */
export interface PlanFinding extends Pick<Diagnostic, 'severity' | 'code' | 'message'> {
  /** Spec path of the intent concerned. */
  path?: string;
  source?: Pick<DiagnosticSource, 'file' | 'line' | 'col'>;
  /** The binding limit found from the model (planner/reasons), where it is written, and its fix. */
  reason?: PlanFindingReason;
}

export interface PlanLimit {
  family: string;
  /** Spec path of the limit. */
  limitPath?: string;
  /** Where the limit is written, relative to the project. */
  limit?: { file: string; line: number; col: number };
  fix: string;
}

export interface PlanFindingReason extends PlanLimit {
  complete: boolean;
  gain: number;
  with?: PlanLimit;
  alternatives?: PlanLimit[];
}

/** What a move changes. */
export type Subject =
  | { type: 'tenant'; tenant: TenantId }
  | { type: 'reservation'; reservation: string }
  | { type: 'follower'; service: string };

interface MoveBase {
  /** Stable, human-readable id, unique in the plan, e.g. `m007-upsize-inference/ranker-us-east-h100`. */
  id: string;
  /** Ids of moves that must be COMPLETE before this one starts. */
  dependsOn: string[];
  /** `max_surge` round (1-based); 1 when the subject's move is not split. */
  round: number;
  /** Wave (1-based) of a multi-wave plan; absent in one-wave plans. */
  wave?: number;
}

/** Set the count of (subject, region, resource) to `to` (an absolute target: repeating it is harmless). */
export interface ResizeMove extends MoveBase {
  kind: 'upsize' | 'downsize';
  subject: Subject;
  region: string;
  resource: string;
  from: number;
  to: number;
  /**
   * A tenant's resize: units of the resource one replica takes, which the backend records in
   * the State beside the count (the Spec may later drop the tenant). Absent when nobody knows
   * it: a removed tenant of a state written before globe recorded units.
   */
  units?: number;
}

/** Set a tenant's routing matrices (only the classes listed) to these absolute weights. */
export interface RouteMove extends MoveBase {
  kind: 'route';
  tenant: TenantId;
  routing: Record<string, RoutingMatrix>;
}

/** Set a product's traffic matrix to these absolute shares. */
export interface ShiftMove extends MoveBase {
  kind: 'shift';
  product: string;
  routing: RoutingMatrix;
}

export type Move = ResizeMove | RouteMove | ShiftMove;
export type MoveKind = Move['kind'];

export interface PlanDiff {
  tenants: TenantDiff[];
  reservations: CountsDiff[];
  followers: CountsDiff[];
  products: RoutingDiffEntry[];
  /** Per region and resource: used before, after, and the peak during execution. */
  regions: { region: string; resource: string; supply: number; before: number; after: number; peak: number }[];
}

export interface TenantDiff {
  tenant: TenantId;
  change: 'create' | 'update' | 'delete' | 'none';
  replicas: ReplicaChange[];
  routing: RoutingChange[];
}

export interface ReplicaChange {
  region: string;
  resource: string;
  from: number;
  to: number;
}

export interface RoutingChange {
  class: string;
  client: string;
  server: string;
  from: number;
  to: number;
}

export interface CountsDiff {
  name: string;
  changes: ReplicaChange[];
}

export interface RoutingDiffEntry {
  product: string;
  changes: { client: string; server: string; from: number; to: number }[];
}

export interface PlanSummary {
  tenantsToAdd: number;
  tenantsToChange: number;
  tenantsToRemove: number;
  replicasUp: number;
  replicasDown: number;
  routingChanges: number;
  movesByKind: Record<MoveKind, number>;
  hasChanges: boolean;
}

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
