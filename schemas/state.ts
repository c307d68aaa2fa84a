/**
 * The State: what is deployed now. Read from a backend (`getState()`), it
 * is the planner's second input and what `apply` changes move by move.
 * JSON Schema: `schemas/state.schema.json`.
 */
import type { Spec, TenantId } from '../lang/spec.js';

export const STATE_VERSION = 1 as const;

/** Replicas per region, then per resource. Zero counts are omitted. */
export type ReplicaCounts = Record<string, Record<string, number>>;

/**
 * Routing of one request class: client location → serving region → weight.
 * The weights of one client location sum to 1.
 */
export type RoutingMatrix = Record<string, Record<string, number>>;

export interface TenantDeployment {
  replicas: ReplicaCounts;
  /** Per request class. */
  routing: Record<string, RoutingMatrix>;
  /**
   * Units of each resource one replica takes (a key for each resource in `replicas`), recorded
   * as moves are applied: once the Spec no longer declares the tenant, only the State knows
   * its size. States written before globe recorded it lack it (see `replicaUnits`).
   */
  units?: Record<string, number>;
}

/**
 * Units of `resource` one replica of a deployed tenant takes: the Spec's table while it
 * declares that option (what the planner models), else what the State recorded when the
 * replicas were placed. Undefined when neither knows: a state written before globe recorded
 * units, of a tenant the Spec no longer declares — callers count 1 and say so.
 */
export function replicaUnits(spec: Spec, d: Deployment, id: TenantId, resource: string): number | undefined {
  const [service, name] = id.split('/');
  const declared = spec.services[service]?.tenants[name]?.replicas[resource]?.units;
  if (typeof declared === 'number') return declared;
  const recorded = d.tenants[id]?.units?.[resource];
  return typeof recorded === 'number' ? recorded : undefined;
}

/** The deployable part of the world: shared by State and Placement. */
export interface Deployment {
  tenants: Record<TenantId, TenantDeployment>;
  /** Reservation → region → units. */
  reservations: Record<string, Record<string, number>>;
  /** Product → client location → serving region → share (sums to 1). */
  products: Record<string, RoutingMatrix>;
  /** Follower service → region → resource → units. */
  followers: Record<string, Record<string, Record<string, number>>>;
}

export interface State extends Deployment {
  version: typeof STATE_VERSION;
  /** Identity of this world: a UUID fixed when the state is first created. */
  lineage: string;
  /** Increases by one with every committed change. */
  serial: number;
  /**
   * What this deployment was planned from, recorded when an apply completes and dropped by
   * the next change: lets the next plan re-plan only the tenants whose intent changed.
   */
  plannedFrom?: IntentDigests;
}

/** Digests of the Spec a deployment was planned from (intent-digests.ts computes them). */
export interface IntentDigests {
  /** Everything shared by the fleet: regions, supply, latency, resources, products, reservations, planner settings. */
  world: string;
  /** Each tenant's own intent. */
  tenants: Record<TenantId, string>;
}

export function emptyDeployment(): Deployment {
  return { tenants: {}, reservations: {}, products: {}, followers: {} };
}

/** The deployment a State holds (its bookkeeping left out); nothing deployed yet when null. */
export function deploymentOf(state: State | null): Deployment {
  return state ? { tenants: state.tenants, reservations: state.reservations, products: state.products, followers: state.followers } : emptyDeployment();
}
