/**
 * The Placement's declaration: the JSON Schema (`npm run schemas` writes it to
 * `schemas/placement.schema.json`) and, by `Static`, the type (`schemas/placement.ts`
 * re-exports it).
 */
import { Type, type Static } from 'typebox';
import { ByKey, ByName, ByTenant, Closed, Const, DRAFT_07, Ref, schemaId } from '../lang/json-schema.js';
import { Deployment } from './state.schema.js';

const count = Type.Integer({ minimum: 0 });
const rps = Type.Number({ minimum: 0 });

export const SupplyUse = Closed({
  supply: Type.Number(),
  used: Type.Number(),
  free: Type.Number(),
  /** Σ max(current, target) over everything placed: what apply needs at its peak. */
  peak: Type.Number(),
});
export type SupplyUse = Static<typeof SupplyUse>;

/**
 * For one model, `optimal` is proven within the gap asked for. For a fleet in blocks (`blocks` set) it
 * means every block's solve was proven within its own gap; the fleet's gap is `gap`, to the sum of the
 * blocks' bounds, and may be above the gap asked for (plan text: "each block optimal within its gap").
 */
export const SolverStatus = Type.Enum(['optimal', 'time-limit', 'gap-limit', 'infeasible', 'error'], {
  description:
    "For one model, `optimal` is proven within the gap asked for. For a fleet in blocks (`blocks` set), every block's solve was proven within its own gap; the fleet's gap is `gap`, to the sum of the blocks' bounds, and may be above the gap asked for.",
});
export type SolverStatus = Static<typeof SolverStatus>;

export const SolverReport = Closed({
  status: SolverStatus,
  /** Objective of the returned solution. */
  objective: Type.Number(),
  /** Best valid lower bound on the objective, and which bound it is. */
  bound: Type.Number(),
  /**
   * mip-dual / lp-relaxation: of the one model; decomposition: the sum of the blocks'
   * bounds with shared supply relaxed (planner/decompose), certified when the plan serves
   * what that relaxation served (else the gap is reported as 1, unknown), and for a fleet in
   * blocks planned in waves the objective less the blocks' and the last wave's own gaps;
   * incremental: only the re-planned tenants were solved, and the bound is their block's own.
   */
  boundKind: Type.Enum(['mip-dual', 'lp-relaxation', 'exact', 'decomposition', 'incremental']),
  /** LP relaxation objective of the one model (a valid lower bound); absent when the fleet was planned in blocks. */
  lpBound: Type.Optional(Type.Number({ description: 'LP relaxation objective of the one model (a valid lower bound); absent when the fleet was planned in blocks.' })),
  /** (objective − bound) / max(|objective|, 1e-9); 0 when optimal. */
  gap: Type.Number({ minimum: 0 }),
  /** Wall time of the solve, seconds. Excluded from determinism comparisons by `stripTimings`. */
  seconds: Type.Number({ minimum: 0 }),
  model: Closed({ rows: count, columns: count, nonzeros: count, integers: count }),
  /** Objective terms by name (unserved, cost, churn, balance, distance) at the solution. */
  terms: ByKey(Type.Number()),
  /** When the fleet was planned in blocks: how many, and how many tenants the supply repair planned again. */
  blocks: Type.Optional(
    Closed(
      { count: Type.Integer({ minimum: 2 }), repaired: count },
      { description: 'When the fleet was planned in blocks: how many, and how many tenants the supply repair planned again.' },
    ),
  ),
  /** When only the tenants whose intent changed were planned again: how many, and how many kept what they run. */
  incremental: Type.Optional(
    Closed(
      { replanned: count, kept: count },
      { description: 'When only the tenants whose intent changed were planned again: how many, and how many kept what they run.' },
    ),
  ),
});
export type SolverReport = Static<typeof SolverReport>;

/** A tenant's region-loss readiness (planner/region-loss.ts). */
const TenantReadiness = Closed({
  met: Type.Boolean(),
  worstRegion: Type.Optional(Type.String()),
  shortfall: Type.Optional(Type.Number({ description: "rps the worst region's loss loses" })),
  lost: Type.Optional(
    ByKey(Type.Number(), { description: 'region → rps served with nothing lost that cannot be served with that region lost (planner/region-loss.ts)' }),
  ),
  mode: Type.Enum(['per-failure', 'aggregate'], {
    description:
      'per-failure: for every region lost, the served demand can be re-routed within the thresholds (or dr_latency); aggregate (opt-in): the capacity outside any one region covers it, latency not checked',
  }),
});

export const Placement = Closed(
  {
    version: Const(1),
    /** The target world. Routing matrices only list serving regions with weight > 0. */
    target: Ref(Deployment, 'state.schema.json#/definitions/deployment'),
    /**
     * Failover preference per tenant, class and client location: the regions
     * within the class's threshold that do not serve it now, nearest first.
     */
    failover: ByTenant(ByName(ByName(Type.Array(Type.String()))), { description: 'tenant → class → client → regions to fail over to, nearest first' }),
    /** Demand left unserved: tenant → class → client location → rps. Only non-zero entries. */
    unserved: ByTenant(ByName(ByName(rps)), { description: 'tenant → class → client → rps left unserved' }),
    /** Product traffic left unserved: product → client location → units. */
    unservedProducts: ByName(ByName(rps), { description: 'product → client → traffic left unserved' }),
    /** Per region and resource: units supplied, used by the target, free, and the peak during the transition. */
    usage: ByName(ByName(SupplyUse), { description: 'region → resource → supply use' }),
    /**
     * Region-loss readiness per tenant that asked for it (planner/region-loss.ts): met, or the
     * regions whose loss loses served demand (rps), the worst one named.
     */
    disasterReadiness: ByTenant<typeof TenantReadiness, string>(TenantReadiness),
    /** Region-loss readiness per product that asked for it (planner/product-loss.ts): met, or traffic lost per region. */
    productReadiness: Type.Optional(
      ByKey(Closed({ met: Type.Boolean(), lost: Type.Optional(ByKey(Type.Number())) }), {
        description: 'product → region-loss verdict (planner/product-loss.ts): met, or region → traffic lost with that region lost',
      }),
    ),
    /**
     * A multi-wave plan stopped by the wave limit (--max-waves) before its best target
     * (planner/waves.ts): how much more its last wave leaves unserved (rps and product units) and
     * short of region-loss readiness (rps) than the target planned without the apply-time peak.
     */
    wavesShortOf: Type.Optional(
      Closed(
        { unserved: rps, drShortfall: rps },
        {
          description:
            'A multi-wave plan stopped by the wave limit (--max-waves) before its best target: how much more its last wave leaves unserved (rps and product units) and short of region-loss readiness (rps) than the target planned without the apply-time peak. Absent when the plan reaches it.',
        },
      ),
    ),
    solver: SolverReport,
  },
  {
    $schema: DRAFT_07,
    $id: schemaId('placement.schema.json'),
    title: 'globe Placement',
    description: "The planner's answer: the target deployment and what a reviewer needs to trust it.",
  },
);
export type Placement = Static<typeof Placement>;
