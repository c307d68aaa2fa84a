/**
 * The Plan's declaration: the JSON Schema (`npm run schemas` writes it to
 * `schemas/plan.schema.json`) and, by `Static`, the type (`schemas/plan.ts`
 * re-exports it).
 */
import { Type, type Static } from 'typebox';
import type { TenantId } from '../lang/spec.js';
import { Spec } from '../lang/spec-document.schema.js';
import { Closed, Const, DRAFT_07, NullableString, OneOf, Ref, schemaId, TENANT_ID_PATTERN } from '../lang/json-schema.js';
import { Severity } from './diagnostic.schema.js';
import { Placement } from './placement.schema.js';
import { ClassRouting, Deployment, ProductRouting } from './state.schema.js';

const count = Type.Integer({ minimum: 0 });
const amount = Type.Number({ minimum: 0 });
/** A tenant id the schema checks the form of (`pattern`) or, in the diff, does not (it never did). */
const tenantId = (options: { pattern?: string } = {}) => Type.Unsafe<TenantId>({ type: 'string', ...options });
const spec = Ref(Spec, 'spec-document.schema.json');
const deployment = Ref(Deployment, 'state.schema.json#/definitions/deployment');

/** Per region and resource: used before, after, and the peak while it runs. */
const RegionUse = Closed({ region: Type.String(), resource: Type.String(), supply: amount, before: amount, after: amount, peak: amount });

/**
 * One wave of a multi-wave plan. Within a wave the usual order holds (upsize → route/shift →
 * downsize) and Σ max(before, after) ≤ supply in every (region, resource).
 */
export const PlanWave = Closed({
  /** 1-based, in execution order. */
  wave: Type.Integer({ minimum: 1 }),
  /** Why the wave exists, computed by the planner, e.g. "uses the h100 that wave 1 frees in r2". */
  reason: Type.String(),
  /** The deployment when the wave completes; apply checks the read-back state against it. */
  target: deployment,
  /** Per region and resource: used before the wave, after it, and the peak while it runs. */
  regions: Type.Array(RegionUse),
});
export type PlanWave = Static<typeof PlanWave>;

/** A place in the project's files: relative to the project directory. */
const Place = (fileOptions = {}) => Closed({ file: Type.String(fileOptions), line: Type.Integer({ minimum: 1 }), col: Type.Integer({ minimum: 1 }) });

export const PlanLimit = Closed({
  family: Type.Enum(['supply', 'peak', 'max-replicas', 'min-replicas', 'placement', 'latency', 'dr-latency', 'free', 'priority', 'solver', 'unknown']),
  /** Spec path of the limit. */
  limitPath: Type.Optional(Type.String()),
  /** Where the limit is written, relative to the project. */
  limit: Type.Optional(Place()),
  fix: Type.String(),
});
export type PlanLimit = Static<typeof PlanLimit>;

const limit = Ref(PlanLimit, '#/definitions/limit');

export const PlanFindingReason = Closed(
  {
    ...PlanLimit.properties,
    complete: Type.Boolean(),
    gain: Type.Number(),
    with: Type.Optional(limit),
    alternatives: Type.Optional(Type.Array(limit)),
  },
  {
    description:
      'The binding limit found from the model (planner/reasons): re-solving the tenant with one family of limits relaxed at a time; where the limit is written and the smallest change that lifts it.',
  },
);
export type PlanFindingReason = Static<typeof PlanFindingReason>;

/**
 * A planner finding as the Plan keeps it: a Diagnostic (schemas/diagnostic.ts) whose source is the
 * intent's line relative to the project (no span end, no line text: the saved shape predates the
 * Diagnostic and stays as it was), plus the Spec path and the reason found from the model.
 */
export const PlanFinding = Closed({
  severity: Severity,
  code: Type.String(),
  message: Type.String(),
  /** Spec path of the intent concerned. */
  path: Type.Optional(Type.String({ description: 'Spec path of the intent concerned.' })),
  source: Type.Optional(Place({ description: 'relative to the project directory' })),
  /** The binding limit found from the model (planner/reasons), where it is written, and its fix. */
  reason: Type.Optional(PlanFindingReason),
});
export type PlanFinding = Static<typeof PlanFinding>;

/** What a move changes. */
export const Subject = OneOf([
  Closed({ type: Const('tenant'), tenant: tenantId({ pattern: TENANT_ID_PATTERN }) }),
  Closed({ type: Const('reservation'), reservation: Type.String() }),
  Closed({ type: Const('follower'), service: Type.String() }),
]);
export type Subject = Static<typeof Subject>;

const MoveBase = {
  /** Stable, human-readable id, unique in the plan, e.g. `m007-upsize-inference/ranker-us-east-h100`. */
  id: Type.String(),
  /** Ids of moves that must be COMPLETE before this one starts. */
  dependsOn: Type.Array(Type.String()),
  /** `max_surge` round (1-based); 1 when the subject's move is not split. */
  round: Type.Integer({ minimum: 1 }),
  /** Wave (1-based) of a multi-wave plan; absent in one-wave plans. */
  wave: Type.Optional(Type.Integer({ minimum: 1, description: 'Wave (1-based) of a multi-wave plan; absent in one-wave plans.' })),
};

/** Set the count of (subject, region, resource) to `to` (an absolute target: repeating it is harmless). */
export const ResizeMove = Closed({
  ...MoveBase,
  kind: Type.Enum(['upsize', 'downsize']),
  subject: Subject,
  region: Type.String(),
  resource: Type.String(),
  from: amount,
  to: amount,
  /**
   * A tenant's resize: units of the resource one replica takes, which the backend records in
   * the State beside the count (the Spec may later drop the tenant). Absent when nobody knows
   * it: a removed tenant of a state written before globe recorded units.
   */
  units: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "A tenant's resize: units of the resource one replica takes, recorded in the State with the count. Absent when neither the Spec nor the State knows it (a removed tenant of a state written before globe recorded units).",
    }),
  ),
});
export type ResizeMove = Static<typeof ResizeMove>;

/** Set a tenant's routing matrices (only the classes listed) to these absolute weights. */
export const RouteMove = Closed({ ...MoveBase, kind: Const('route'), tenant: tenantId({ pattern: TENANT_ID_PATTERN }), routing: ClassRouting });
export type RouteMove = Static<typeof RouteMove>;

/** Set a product's traffic matrix to these absolute shares. */
export const ShiftMove = Closed({ ...MoveBase, kind: Const('shift'), product: Type.String(), routing: ProductRouting });
export type ShiftMove = Static<typeof ShiftMove>;

export const Move = OneOf([ResizeMove, RouteMove, ShiftMove]);
export type Move = Static<typeof Move>;
export type MoveKind = Move['kind'];

export const ReplicaChange = Closed({ region: Type.String(), resource: Type.String(), from: amount, to: amount });
export type ReplicaChange = Static<typeof ReplicaChange>;

export const RoutingChange = Closed({ class: Type.String(), client: Type.String(), server: Type.String(), from: amount, to: amount });
export type RoutingChange = Static<typeof RoutingChange>;

export const TenantDiff = Closed({
  tenant: tenantId(),
  change: Type.Enum(['create', 'update', 'delete', 'none']),
  replicas: Type.Array(ReplicaChange),
  routing: Type.Array(RoutingChange),
});
export type TenantDiff = Static<typeof TenantDiff>;

export const CountsDiff = Closed({ name: Type.String(), changes: Type.Array(ReplicaChange) });
export type CountsDiff = Static<typeof CountsDiff>;

export const RoutingDiffEntry = Closed({
  product: Type.String(),
  changes: Type.Array(Closed({ client: Type.String(), server: Type.String(), from: amount, to: amount })),
});
export type RoutingDiffEntry = Static<typeof RoutingDiffEntry>;

export const PlanDiff = Closed({
  tenants: Type.Array(TenantDiff),
  reservations: Type.Array(CountsDiff),
  followers: Type.Array(CountsDiff),
  products: Type.Array(RoutingDiffEntry),
  /** Per region and resource: used before, after, and the peak during execution. */
  regions: Type.Array(RegionUse),
});
export type PlanDiff = Static<typeof PlanDiff>;

export const PlanSummary = Closed({
  tenantsToAdd: count,
  tenantsToChange: count,
  tenantsToRemove: count,
  replicasUp: count,
  replicasDown: count,
  routingChanges: count,
  movesByKind: Closed({ upsize: count, route: count, downsize: count, shift: count }),
  hasChanges: Type.Boolean(),
});
export type PlanSummary = Static<typeof PlanSummary>;

export const Plan = Closed(
  {
    version: Const(1),
    /** globe's package version that made the plan; apply refuses another major version. */
    globeVersion: Type.String(),
    /** What the plan was made against. */
    basis: Closed({
      /** sha256 of the canonical Spec JSON (source positions excluded). */
      specDigest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
      /** Lineage of the State, or null when nothing was deployed yet. */
      lineage: NullableString(),
      serial: count,
    }),
    spec,
    placement: Ref(Placement, 'placement.schema.json'),
    diff: PlanDiff,
    moves: Type.Array(Move),
    /**
     * What the plan could not do and why (planner/explain.ts), saved so that `show` renders exactly
     * what `plan` printed. Absent in plans saved before findings were kept: read as none.
     */
    findings: Type.Optional(
      Type.Array(PlanFinding, {
        description:
          'What the plan could not do, each with its reason from the model and the source line of the intent it concerns: rendered identically by `plan` and `show`. Absent in plans saved before findings were kept (read as none).',
      }),
    ),
    /**
     * Present only when the target needs more than one safe step (issue 16): the waves in order,
     * the last one reaching `placement.target` (or as close as the wave limit allows). A one-wave
     * plan has no `waves` and its moves no `wave`: the shape plans had before waves.
     */
    waves: Type.Optional(
      Type.Array(PlanWave, {
        minItems: 2,
        description:
          'Present only when the target needs more than one safe step: the waves in execution order, the last reaching placement.target (or as close as the wave limit allows). Absent in one-wave plans.',
      }),
    ),
    summary: PlanSummary,
  },
  {
    $schema: DRAFT_07,
    $id: schemaId('plan.schema.json'),
    title: 'globe Plan',
    description: 'What `globe plan --out` saves and `globe apply` executes.',
    definitions: { limit: PlanLimit },
  },
);
export type Plan = Static<typeof Plan>;
