import { createHash } from 'node:crypto';
import { canonicalJson } from '../lang/canonical-json.js';
import type { Spec } from '../lang/spec.js';

/** sha256 of the canonical Spec: what a saved plan was made from. Source positions are not in the Spec, so comments never make a plan stale. */
export function specDigest(spec: Spec): string {
  return `sha256:${createHash('sha256').update(canonicalJson(spec, 0)).digest('hex')}`;
}

export function documentDigest(doc: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(doc, 0)).digest('hex')}`;
}

/** A plan's identity: the digest of its document with the solver's wall time left out. Two identical plans share one journal. */
export function planIdOf(plan: { placement: { solver: { seconds: number } } }): string {
  return documentDigest({ ...plan, placement: { ...plan.placement, solver: { ...plan.placement.solver, seconds: 0 } } }).slice(7, 23);
}
