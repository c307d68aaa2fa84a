/**
 * A reason found from the model (planner/reasons): which family of declared
 * limits binds, where that limit is written, and the smallest change that
 * lifts it. Saved in the Plan document with its finding.
 */
import type { SourceSpan } from '../../lang/diagnostics.js';

/**
 * The constraint families a tenant's shortfall is tested against, one relaxed at a time.
 *   supply        the hardware of a region (what the rest of the fleet leaves of it)
 *   peak          the apply-time peak Σ max(current, target) ≤ supply
 *   max-replicas / min-replicas   the tenant's per-region replica bounds
 *   placement     avoid / only_in
 *   latency       a request class's latency threshold
 *   dr-latency    the RTT allowed while a region is lost (region-loss readiness only)
 *   free          units kept free by `--free`
 *   priority      the room tenants of higher priority take
 *   solver        none: the declared limits allow more with the rest of the plan unchanged
 *   unknown       no single family, nor any pair, explains it
 * `max_surge` shapes the apply's rounds, never the placement, and `--max-shift` limits product
 * traffic only: neither can leave a tenant's demand unserved, so neither is a family here.
 */
export type LimitFamily =
  | 'supply'
  | 'peak'
  | 'max-replicas'
  | 'min-replicas'
  | 'placement'
  | 'latency'
  | 'dr-latency'
  | 'free'
  | 'priority'
  | 'solver'
  | 'unknown';

/** One binding limit and its fix. */
export interface Limit {
  family: LimitFamily;
  /** Spec path of the limit (lang/source-map.ts), absent for command-line limits (`--free`) and `solver`/`unknown`. */
  limitPath?: string;
  /** Where `limitPath` is written, when the SourceMap knows. */
  limitSpan?: SourceSpan;
  /** The smallest change that lifts it, in words: "raise max_replicas to 10", "3 more h100 in r2". */
  fix: string;
}

export interface FindingReason extends Limit {
  /**
   * Whether the fix serves everything the limits hold back (meets region-loss readiness); when false it
   * serves `gain` more and the rest has no reason found.
   */
  complete: boolean;
  /** rps the fix would serve more (unserved demand) or lose less on its worst region loss (readiness). */
  gain: number;
  /** When only two limits together explain it: the second, with its own fix (both are needed). */
  with?: Limit;
  /** Other single limits whose change alone would fix it too. */
  alternatives?: Limit[];
}
