/**
 * The Placement: the planner's answer. It is the target Deployment plus
 * what the reviewer needs to trust it: unserved demand, supply use per
 * region and resource, and the solver's report.
 * JSON Schema: `schemas/placement.schema.json`.
 */
import type { TenantId } from '../lang/spec.js';
import type { Deployment } from './state.js';

export const PLACEMENT_VERSION = 1 as const;

export interface Placement {
  version: typeof PLACEMENT_VERSION;
  /** The target world. Routing matrices only list serving regions with weight > 0. */
  target: Deployment;
  /**
   * Failover preference per tenant, class and client location: the regions
   * within the class's threshold that do not serve it now, nearest first.
   */
  failover: Record<TenantId, Record<string, Record<string, string[]>>>;
  /** Demand left unserved: tenant → class → client location → rps. Only non-zero entries. */
  unserved: Record<TenantId, Record<string, Record<string, number>>>;
  /** Product traffic left unserved: product → client location → units. */
  unservedProducts: Record<string, Record<string, number>>;
  /** Per region and resource: units supplied, used by the target, free, and the peak during the transition. */
  usage: Record<string, Record<string, SupplyUse>>;
  /**
   * Region-loss readiness per tenant that asked for it (planner/region-loss.ts): met, or the
   * regions whose loss loses served demand (rps), the worst one named.
   */
  disasterReadiness: Record<string, { met: boolean; mode: 'per-failure' | 'aggregate'; worstRegion?: string; shortfall?: number; lost?: Record<string, number> }>;
  /** Region-loss readiness per product that asked for it (planner/product-loss.ts): met, or traffic lost per region. */
  productReadiness?: Record<string, { met: boolean; lost?: Record<string, number> }>;
  /**
   * A multi-wave plan stopped by the wave limit (--max-waves) before its best target
   * (planner/waves.ts): how much more its last wave leaves unserved (rps and product units) and
   * short of region-loss readiness (rps) than the target planned without the apply-time peak.
   */
  wavesShortOf?: { unserved: number; drShortfall: number };
  solver: SolverReport;
}

/** The gap as SolverReport reports it: (objective − bound) / max(|objective|, 1e-9), 0 when they meet. */
export function relativeGap(objective: number, bound: number): number {
  if (Math.abs(objective - bound) < 1e-9) return 0;
  return Math.max(0, (objective - bound) / Math.max(Math.abs(objective), 1e-9));
}

export interface SupplyUse {
  supply: number;
  used: number;
  free: number;
  /** Σ max(current, target) over everything placed: what apply needs at its peak. */
  peak: number;
}

export type SolverStatus = 'optimal' | 'time-limit' | 'gap-limit' | 'infeasible' | 'error';

export interface SolverReport {
  status: SolverStatus;
  /** Objective of the returned solution. */
  objective: number;
  /** Best valid lower bound on the objective, and which bound it is. */
  bound: number;
  /**
   * mip-dual / lp-relaxation: of the one model; decomposition: the sum of the blocks'
   * bounds with shared supply relaxed (planner/decompose), certified when the plan serves
   * what that relaxation served (else the gap is reported as 1, unknown), and for a fleet in
   * blocks planned in waves the objective less the blocks' and the last wave's own gaps;
   * incremental: only the re-planned tenants were solved, and the bound is their block's own.
   */
  boundKind: 'mip-dual' | 'lp-relaxation' | 'exact' | 'decomposition' | 'incremental';
  /** LP relaxation objective of the one model (a valid lower bound); absent when the fleet was planned in blocks. */
  lpBound?: number;
  /** (objective − bound) / max(|objective|, 1e-9); 0 when optimal. */
  gap: number;
  /** Wall time of the solve, seconds. Excluded from determinism comparisons by `stripTimings`. */
  seconds: number;
  model: { rows: number; columns: number; nonzeros: number; integers: number };
  /** Objective terms by name (unserved, cost, churn, balance, distance) at the solution. */
  terms: Record<string, number>;
  /** When the fleet was planned in blocks: how many, and how many tenants the supply repair planned again. */
  blocks?: { count: number; repaired: number };
  /** When only the tenants whose intent changed were planned again: how many, and how many kept what they run. */
  incremental?: { replanned: number; kept: number };
}
