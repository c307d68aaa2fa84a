/**
 * The Spec's declaration: the JSON Schema (`npm run schemas` writes it to
 * `schemas/spec-document.schema.json`) and, by `Static`, the type (`lang/spec.ts`
 * re-exports it with the Spec's constants and functions).
 */
import { Type, type Static } from 'typebox';
import { ByKey, ByName, Closed, Const, DRAFT_07, OneOf, schemaId } from './json-schema.js';

const count = Type.Integer({ minimum: 0 });
const amount = Type.Number({ minimum: 0 });
const names = Type.Array(Type.String());

export const Resource = Closed({
  /** What one unit is (`gpu`, `server`, ...): documentation only. */
  unit: Type.String(),
  /** Cost of one unit (any currency per unit and period; only ratios matter). Default 0. */
  cost: amount,
});
export type Resource = Static<typeof Resource>;

export const Region = Closed({
  /** Locality (`na`, `eu`, `apac`, ...): reservations are spread within one. */
  locality: Type.String(),
  /** Units available per resource type; a resource not listed has 0. */
  supply: ByName(count),
});
export type Region = Static<typeof Region>;

export const LatencyPair = Closed({
  a: Type.String(),
  b: Type.String(),
  /** Round-trip time in milliseconds. */
  ms: amount,
});
export type LatencyPair = Static<typeof LatencyPair>;

export const ReplicaOption = Closed({
  /** Units of the resource one replica takes. */
  units: Type.Integer({ minimum: 1 }),
  /** Requests per second one replica serves at 100% utilization. */
  serves: Type.Number({ exclusiveMinimum: 0 }),
});
export type ReplicaOption = Static<typeof ReplicaOption>;

export const Tenant = Closed({
  /** Integer; higher is served first when supply is short. Default 0. */
  priority: Type.Integer(),
  /** Requests per second per request class and client location. */
  demand: ByName(ByName(amount)),
  /** Latency threshold (RTT, ms) per request class; every class with demand has one. */
  latency: ByName(amount),
  /** Resource table: the hardware options of this tenant, keyed by resource name. */
  replicas: ByName(ReplicaOption),
  /** Fraction of a replica's rps that may be used, in (0, 1]. Default 1. */
  targetUtilization: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  /**
   * `tolerate region-failure`: for every single region lost, the demand served
   * can be re-routed onto the replicas left within each class's threshold (or
   * `drLatency`) — planner/region-loss.ts decides it.
   */
  tolerateRegionFailure: Type.Boolean(),
  /** Regions this tenant must not be placed in (residency / policy). */
  avoid: names,
  /** If non-empty, the only regions this tenant may be placed in. */
  onlyIn: names,
  /** Minimum replicas (all resources together) in every region where the tenant runs at all. */
  minReplicasPerRegion: Type.Optional(count),
  /** Maximum replicas (all resources together) in any one region. */
  maxReplicasPerRegion: Type.Optional(count),
  /** Replicas that may be added before the matching ones are removed (apply rounds). Absent: no limit. */
  maxSurge: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * Demand that follows a product: product → request class → rps per unit
   * of the product's traffic. The class's demand from a region is that rate
   * times the product traffic served in the region (added to `demand`).
   */
  follows: Type.Optional(ByKey(ByKey(amount))),
  /**
   * `tolerate region-failure aggregate`: only the capacity left outside any one
   * region must cover the demand, wherever its clients are (latency-tolerant work).
   */
  aggregateDisasterReadiness: Type.Optional(Type.Boolean()),
  /** During a region failure, classes may be served up to this RTT (ms) if larger than their threshold. */
  drLatency: Type.Optional(amount),
});
export type Tenant = Static<typeof Tenant>;

export const FollowerContract = Closed({
  /** Units of each resource per unit of the product's traffic. */
  perUnit: ByName(amount),
});
export type FollowerContract = Static<typeof FollowerContract>;

export const Service = Closed({
  tenants: ByName(Tenant),
  /** Follower contract: capacity per unit of each product's traffic served in a region. */
  follows: ByName(FollowerContract),
  /** Capacity the products do not explain, per region and resource (units). */
  residual: ByName(ByName(amount)),
  /** Follower capacity must survive the loss of any one region. */
  tolerateRegionFailure: Type.Boolean(),
});
export type Service = Static<typeof Service>;

export const Reservation = Closed({
  resource: Type.String(),
  /** Units required (with any one region lost, when `tolerateRegionFailure`). */
  amount,
  locality: Type.String(),
  tolerateRegionFailure: Type.Boolean(),
});
export type Reservation = Static<typeof Reservation>;

export const Product = Closed({
  /** Units of product traffic per client location (absolute; `%` forms are resolved against `total`). */
  demand: ByName(amount),
  /** User → serving region RTT threshold, ms. */
  latency: amount,
  avoid: names,
  /** Serving regions must survive the loss of any one region. */
  tolerateRegionFailure: Type.Boolean(),
});
export type Product = Static<typeof Product>;

const argv = Type.Array(Type.String(), { minItems: 1 });

export const ExecCommands = Closed({
  getState: argv,
  upsize: argv,
  route: argv,
  downsize: argv,
  /** Product traffic shift; optional when the project has no products. */
  shift: Type.Optional(argv),
  /**
   * Validation gate, optional: run before and after each wave's traffic moves (route, shift)
   * with GLOBE_GATE=pre|post and GLOBE_WAVE=k; a non-zero exit stops the apply.
   */
  validate: Type.Optional(argv),
});
export type ExecCommands = Static<typeof ExecCommands>;

export const BackendConfig = OneOf([
  Closed({ kind: Const('file'), path: Type.String() }),
  Closed({ kind: Const('exec'), commands: ExecCommands, timeoutMs: amount }),
  Closed({ kind: Const('postgres'), urlEnv: Type.String(), schema: Type.String() }),
]);
export type BackendConfig = Static<typeof BackendConfig>;

/** Objective weights (see planner/weights.ts for defaults and the dominance argument). */
export const PlannerWeights = Closed({
  cost: amount,
  churn: amount,
  balance: amount,
  distance: amount,
  /** Each service's capacity spread across regions in proportion to region size. */
  serviceBalance: amount,
});
export type PlannerWeights = Static<typeof PlannerWeights>;

export const PlannerSettings = Closed({
  weights: Type.Optional(Closed(Type.Partial(PlannerWeights).properties)),
  timeLimitSeconds: Type.Optional(amount),
  /** Relative MIP gap at which the solver may stop, e.g. 0.001. */
  gapLimit: Type.Optional(amount),
});
export type PlannerSettings = Static<typeof PlannerSettings>;

export const Spec = Closed(
  {
    version: Const(1),
    resources: ByName(Resource),
    regions: ByName(Region),
    /** Symmetric RTT pairs, each unordered pair once, `a < b` (or `a === b` for a self override). */
    latency: Type.Array(LatencyPair),
    services: ByName(Service),
    reservations: ByName(Reservation),
    products: ByName(Product),
    /** Where state lives and how moves run. Absent: the embedded `file` backend. */
    backend: Type.Optional(BackendConfig),
    /** Planner weights and solver limits declared in the project (CLI flags override). */
    planner: Type.Optional(PlannerSettings),
  },
  {
    $schema: DRAFT_07,
    $id: schemaId('spec-document.schema.json'),
    title: 'globe Spec (IR)',
    description: 'The intermediate representation both the DSL and the YAML compile to (lang/spec.ts). Canonical units: ms, rps, fractions.',
  },
);
export type Spec = Static<typeof Spec>;
