/**
 * The Spec: globe's intermediate representation of everything the project
 * declares. Both the DSL (`*.globe`) and the YAML form (`*.yaml`) compile to
 * exactly this document; the planner reads nothing else.
 *
 * Every number here is in a canonical unit, named by the field or documented
 * on it: milliseconds, requests per second, fractions in [0, 1], whole
 * resource units. Maps are plain objects; writers sort their keys so that the
 * document is byte-stable (see `canonicalSpec`).
 *
 * Source positions are NOT part of the Spec: they live in a SourceMap keyed by
 * JSON-pointer-like paths (see `lang/source-map.ts`), so that moving a comment
 * never changes the Spec or the plan digest.
 *
 * The JSON Schema of this document is `schemas/spec-document.schema.json`;
 * `test/schemas/schemas.test.ts` checks that the two agree.
 */

export const SPEC_VERSION = 1 as const;

/** Latency tiers of DESIGN.md, in milliseconds. */
export const LATENCY_TIERS = {
  regional: 1,
  zonal: 20,
  continental: 70,
  global: 200,
} as const;
export type LatencyTier = keyof typeof LATENCY_TIERS;

/** RTT of a location to itself when the latency table does not say. */
export const DEFAULT_SELF_RTT_MS = 1;

export interface Spec {
  version: typeof SPEC_VERSION;
  resources: Record<string, Resource>;
  regions: Record<string, Region>;
  /** Symmetric RTT pairs, each unordered pair once, `a < b` (or `a === b` for a self override). */
  latency: LatencyPair[];
  services: Record<string, Service>;
  reservations: Record<string, Reservation>;
  products: Record<string, Product>;
  /** Where state lives and how moves run. Absent: the embedded `file` backend. */
  backend?: BackendConfig;
  /** Planner weights and solver limits declared in the project (CLI flags override). */
  planner?: PlannerSettings;
}

export interface Resource {
  /** What one unit is (`gpu`, `server`, ...): documentation only. */
  unit: string;
  /** Cost of one unit (any currency per unit and period; only ratios matter). Default 0. */
  cost: number;
}

export interface Region {
  /** Locality (`na`, `eu`, `apac`, ...): reservations are spread within one. */
  locality: string;
  /** Units available per resource type; a resource not listed has 0. */
  supply: Record<string, number>;
}

export interface LatencyPair {
  a: string;
  b: string;
  /** Round-trip time in milliseconds. */
  ms: number;
}

export interface Service {
  tenants: Record<string, Tenant>;
  /** Follower contract: capacity per unit of each product's traffic served in a region. */
  follows: Record<string, FollowerContract>;
  /** Capacity the products do not explain, per region and resource (units). */
  residual: Record<string, Record<string, number>>;
  /** Follower capacity must survive the loss of any one region. */
  tolerateRegionFailure: boolean;
}

export interface FollowerContract {
  /** Units of each resource per unit of the product's traffic. */
  perUnit: Record<string, number>;
}

export interface Tenant {
  /** Integer; higher is served first when supply is short. Default 0. */
  priority: number;
  /** Requests per second per request class and client location. */
  demand: Record<string, Record<string, number>>;
  /** Latency threshold (RTT, ms) per request class; every class with demand has one. */
  latency: Record<string, number>;
  /** Resource table: the hardware options of this tenant, keyed by resource name. */
  replicas: Record<string, ReplicaOption>;
  /** Fraction of a replica's rps that may be used, in (0, 1]. Default 1. */
  targetUtilization: number;
  /**
   * `tolerate region-failure`: for every single region lost, the demand served
   * can be re-routed onto the replicas left within each class's threshold (or
   * `drLatency`) — planner/region-loss.ts decides it.
   */
  tolerateRegionFailure: boolean;
  /**
   * `tolerate region-failure aggregate`: only the capacity left outside any one
   * region must cover the demand, wherever its clients are (latency-tolerant work).
   */
  aggregateDisasterReadiness?: boolean;
  /** During a region failure, classes may be served up to this RTT (ms) if larger than their threshold. */
  drLatency?: number;
  /** Regions this tenant must not be placed in (residency / policy). */
  avoid: string[];
  /** If non-empty, the only regions this tenant may be placed in. */
  onlyIn: string[];
  /** Minimum replicas (all resources together) in every region where the tenant runs at all. */
  minReplicasPerRegion?: number;
  /** Maximum replicas (all resources together) in any one region. */
  maxReplicasPerRegion?: number;
  /** Replicas that may be added before the matching ones are removed (apply rounds). Absent: no limit. */
  maxSurge?: number;
  /**
   * Demand that follows a product: product → request class → rps per unit
   * of the product's traffic. The class's demand from a region is that rate
   * times the product traffic served in the region (added to `demand`).
   */
  follows?: Record<string, Record<string, number>>;
}

export interface ReplicaOption {
  /** Units of the resource one replica takes. */
  units: number;
  /** Requests per second one replica serves at 100% utilization. */
  serves: number;
}

export interface Reservation {
  resource: string;
  /** Units required (with any one region lost, when `tolerateRegionFailure`). */
  amount: number;
  locality: string;
  tolerateRegionFailure: boolean;
}

export interface Product {
  /** Units of product traffic per client location (absolute; `%` forms are resolved against `total`). */
  demand: Record<string, number>;
  /** User → serving region RTT threshold, ms. */
  latency: number;
  avoid: string[];
  /** Serving regions must survive the loss of any one region. */
  tolerateRegionFailure: boolean;
}

export type BackendConfig =
  | { kind: 'file'; path: string }
  | { kind: 'exec'; commands: ExecCommands; timeoutMs: number }
  | { kind: 'postgres'; urlEnv: string; schema: string };

export interface ExecCommands {
  getState: string[];
  upsize: string[];
  route: string[];
  downsize: string[];
  /** Product traffic shift; optional when the project has no products. */
  shift?: string[];
  /**
   * Validation gate, optional: run before and after each wave's traffic moves (route, shift)
   * with GLOBE_GATE=pre|post and GLOBE_WAVE=k; a non-zero exit stops the apply.
   */
  validate?: string[];
}

export interface PlannerSettings {
  weights?: Partial<PlannerWeights>;
  timeLimitSeconds?: number;
  /** Relative MIP gap at which the solver may stop, e.g. 0.001. */
  gapLimit?: number;
}

/** Objective weights (see planner/weights.ts for defaults and the dominance argument). */
export interface PlannerWeights {
  cost: number;
  churn: number;
  balance: number;
  distance: number;
  /** Each service's capacity spread across regions in proportion to region size. */
  serviceBalance: number;
}

/** `service/tenant`: the stable id of a tenant across Spec, State, Placement and Plan. */
export type TenantId = `${string}/${string}`;

export function tenantId(service: string, tenant: string): TenantId {
  return `${service}/${tenant}`;
}

export function emptySpec(): Spec {
  return {
    version: SPEC_VERSION,
    resources: {},
    regions: {},
    latency: [],
    services: {},
    reservations: {},
    products: {},
  };
}

/** Latency pairs in canonical order (by a, then b): every writer of a Spec sorts them this way. */
export function sortLatency(pairs: LatencyPair[]): LatencyPair[] {
  return pairs.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
}
