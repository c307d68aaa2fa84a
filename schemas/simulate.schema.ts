/**
 * What `globe simulate --fail REGION|all` finds: per failed region, what each tenant and product
 * can no longer serve once its demand is re-routed onto the regions left (planner/simulate.ts
 * computes a `FailureReport`, cli/render/simulate-document.ts builds the `FailuresDocument` its
 * views print). Declared once below: the declaration is the JSON Schema of `--format json`
 * (`npm run schemas` writes it to `schemas/simulate.schema.json`) and `Static` its type.
 */
import { Type, type Static } from 'typebox';
import type { TenantId } from '../lang/spec.js';
import { ByKey, Closed, Const, DRAFT_07, KeyedBy, Ref, schemaId } from '../lang/json-schema.js';

const Name = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });
const Tenant = Type.Unsafe<TenantId>({ type: 'string', pattern: '^[a-z][a-z0-9-]*/[a-z][a-z0-9-]*$' });
const Rps = Type.Number({ minimum: 0 });
const name = Ref(Name, '#/definitions/name');
const tenant = Ref(Tenant, '#/definitions/tenant');
const rps = Ref(Rps, '#/definitions/rps');

/** One failed region: what it costs every tenant and product. */
export const FailureReport = Closed({
  region: name,
  /** tenant → rps it served with nothing lost and cannot serve with this region lost (only tenants that lose some). */
  lost: KeyedBy(tenant, rps, {
    description: 'tenant → rps it served with nothing lost and cannot serve with this region lost (only tenants that lose some)',
  }),
  /** tenant → class → client → rps left unserved with this region lost, for the tenants in `lost`. */
  unserved: KeyedBy(tenant, ByKey(ByKey(rps)), {
    description: 'tenant → request class → client location → rps left unserved with this region lost',
  }),
  /**
   * Per surviving region: rps routed there after failover over the rps its replicas serve at their
   * target utilization, all tenants together (1 = every replica at its target utilization).
   */
  utilization: KeyedBy(name, Type.Number({ minimum: 0 }), {
    description:
      'surviving region → rps routed there after failover ÷ rps its replicas serve at their target utilization, all tenants together (1 = every replica at its target; above 1 = over target)',
  }),
  /** Tenants that asked to tolerate a region failure and lose demand in this one. */
  violated: Type.Array(tenant, { description: 'tenants that ask to tolerate a region failure and lose demand in this one' }),
  /** product → client → traffic that can no longer be served (follower capacity or latency). */
  unservedProducts: ByKey(ByKey(Type.Number({ minimum: 0 })), { description: 'product → client location → traffic that can no longer be served' }),
  /** Products that asked to tolerate a region failure and lose traffic in this one. */
  violatedProducts: Type.Array(name, { description: 'products that ask to tolerate a region failure and lose traffic in this one' }),
});
export type FailureReport = Static<typeof FailureReport>;

/** One row of the table: a (failed region, tenant) that loses demand. */
export const LossRow = Closed({
  region: name,
  tenant,
  lost: Type.Number({ exclusiveMinimum: 0, description: 'rps the tenant served with nothing lost and cannot serve with this region lost' }),
  /** the tenant's declared demand, all classes and clients: the share lost is lost / demand */
  demand: Type.Number({ minimum: 0, description: "the tenant's declared demand, all classes and clients (rps)" }),
  violated: Type.Boolean({ description: 'the tenant asks to tolerate a region failure and loses demand in this one' }),
});
export type LossRow = Static<typeof LossRow>;

/** `globe simulate --fail`. */
export const FailuresDocument = Closed(
  {
    version: Const(1),
    deployment: Type.Enum(['current', 'planned'], { description: 'What was simulated: the current deployment, or the planned placement (--planned).' }),
    /** sorted by region */
    failures: Type.Array(Ref(FailureReport, '#/definitions/failure'), { description: 'One report per failed region, sorted by region.' }),
    rows: Type.Array(LossRow, {
      description: 'One row per (failed region, tenant) that loses demand, sorted by region then tenant: the table the text form prints.',
    }),
    violations: Type.Array(Type.String(), { description: 'One sentence per violated intent, sorted.' }),
  },
  {
    $schema: DRAFT_07,
    $id: schemaId('simulate.schema.json'),
    title: 'globe simulate --fail',
    description:
      'What `globe simulate --fail REGION|all --format json` prints: per failed region, what each tenant and product can no longer serve once its demand is re-routed onto the regions left (planner/region-loss.ts, planner/product-loss.ts).',
    definitions: { name: Name, tenant: Tenant, rps: Rps, failure: FailureReport },
  },
);
export type FailuresDocument = Static<typeof FailuresDocument>;
