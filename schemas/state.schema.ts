/**
 * The State's declaration: the JSON Schema (`npm run schemas` writes it to
 * `schemas/state.schema.json`; ajv compiles it as it is) and, by `Static`,
 * the type (`schemas/state.ts` re-exports it with the State's functions).
 */
import { Type, type Static, type TString } from 'typebox';
import type { TenantId } from '../lang/spec.js';
import { ByKey, ByName, ByTenant, Closed, Const, DRAFT_07, schemaId } from '../lang/json-schema.js';

const count = Type.Integer({ minimum: 0 });
const weight = Type.Number({ minimum: 0, maximum: 1 });

/** Replicas per region, then per resource. Zero counts are omitted. */
export const ReplicaCounts = ByName(ByName(count), { description: 'region → resource → replicas' });
export type ReplicaCounts = Static<typeof ReplicaCounts>;

/**
 * Routing of one request class: client location → serving region → weight.
 * The weights of one client location sum to 1.
 */
export const RoutingMatrix = ByName(ByName(weight));
export type RoutingMatrix = Static<typeof RoutingMatrix>;

/** A tenant's routing: a matrix per request class. */
export const ClassRouting = ByName(RoutingMatrix, { description: 'class → client → serving region → weight' });

/** A product's traffic: client location → serving region → share (sums to 1). */
export const ProductRouting = ByName(ByName(weight), { description: 'client → serving region → share' });

export const TenantDeployment = Closed({
  replicas: ReplicaCounts,
  /** Per request class. */
  routing: ClassRouting,
  /**
   * Units of each resource one replica takes (a key for each resource in `replicas`), recorded
   * as moves are applied: once the Spec no longer declares the tenant, only the State knows
   * its size. States written before globe recorded it lack it (see `replicaUnits`).
   */
  units: Type.Optional(
    ByName(Type.Integer({ minimum: 1 }), { description: 'resource → units one replica takes, recorded when moves are applied; states written before globe recorded it lack it' }),
  ),
});
export type TenantDeployment = Static<typeof TenantDeployment>;

/** The deployable part of the world: shared by State and Placement. */
export const Deployment = Closed({
  tenants: ByTenant(TenantDeployment, { description: 'tenant id (service/tenant) → replicas and routing' }),
  /** Reservation → region → units. */
  reservations: ByName(ByName(count), { description: 'reservation → region → units' }),
  /** Product → client location → serving region → share (sums to 1). */
  products: ByName(ProductRouting, { description: 'product → client → region → share' }),
  /** Follower service → region → resource → units. */
  followers: ByName(ByName(ByName(Type.Number({ minimum: 0 }))), { description: 'follower service → region → resource → units' }),
});
export type Deployment = Static<typeof Deployment>;

/** Digests of the Spec a deployment was planned from (intent-digests.ts computes them). */
export const IntentDigests = Closed(
  {
    /** Everything shared by the fleet: regions, supply, latency, resources, products, reservations, planner settings. */
    world: Type.String({ description: 'Digest of everything the fleet shares: regions, supply, latency, resources, products, reservations, planner settings.' }),
    /** Each tenant's own intent. */
    tenants: ByKey<TString, TenantId>(Type.String(), { description: "Digest of each tenant's own intent, by service/tenant." }),
  },
  {
    description:
      'What this deployment was planned from, recorded when an apply completes and dropped by the next change: lets the next plan re-plan only the tenants whose intent changed.',
  },
);
export type IntentDigests = Static<typeof IntentDigests>;

export const State = Closed(
  {
    version: Const(1),
    /** Identity of this world: a UUID fixed when the state is first created. */
    lineage: Type.String({ minLength: 1, description: 'Identity of this world (a UUID).' }),
    /** Increases by one with every committed change. */
    serial: Type.Integer({ minimum: 0, description: 'Increases with every committed change.' }),
    ...Deployment.properties,
    /**
     * What this deployment was planned from, recorded when an apply completes and dropped by
     * the next change: lets the next plan re-plan only the tenants whose intent changed.
     */
    plannedFrom: Type.Optional(IntentDigests),
  },
  {
    $schema: DRAFT_07,
    $id: schemaId('state.schema.json'),
    title: 'globe State',
    description: 'What is deployed now; read from a backend, changed by apply move by move.',
    definitions: { deployment: Deployment },
  },
);
export type State = Static<typeof State>;
