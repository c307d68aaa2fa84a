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
 * Its type and JSON Schema are declared once, in `spec-document.schema.ts`
 * (imported only by the schema writer and tests: TypeBox costs any
 * command that loads it about 0.2 s of CPU); this module is what the stages run.
 */
import type { LatencyPair, Spec } from './spec-document.schema.js';

export type { BackendConfig, ExecCommands, FollowerContract, LatencyPair, PlannerSettings, PlannerWeights, Product, Region, ReplicaOption, Reservation, Resource, Service, Spec, Tenant } from './spec-document.schema.js';

/** A Spec's `version` (its declaration's `const`: assigning this to a Spec checks the two agree). */
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
