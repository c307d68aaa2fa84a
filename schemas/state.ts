/**
 * The State: what is deployed now. Read from a backend (`getState()`), it
 * is the planner's second input and what `apply` changes move by move.
 * Its type and JSON Schema are declared once, in `state.schema.ts` (imported
 * only by the schema writer and tests: TypeBox costs any command that loads
 * it about 0.2 s of CPU); this module is what the stages run.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { Deployment, State } from './state.schema.js';

/** A State's `version` (its declaration's `const`: assigning this to a State checks the two agree). */
export const STATE_VERSION = 1 as const;

export type { ClassRouting, Deployment, IntentDigests, ProductRouting, ReplicaCounts, RoutingMatrix, State, TenantDeployment } from './state.schema.js';

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

export function emptyDeployment(): Deployment {
  return { tenants: {}, reservations: {}, products: {}, followers: {} };
}

/** The deployment a State holds (its bookkeeping left out); nothing deployed yet when null. */
export function deploymentOf(state: State | null): Deployment {
  return state ? { tenants: state.tenants, reservations: state.reservations, products: state.products, followers: state.followers } : emptyDeployment();
}
