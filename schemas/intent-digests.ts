/**
 * Digests of the intent a deployment was planned from, split into what the
 * whole fleet shares and what each tenant says on its own. An apply that
 * completes records them in the State (`plannedFrom`); the next plan compares
 * them with the Spec to find the tenants whose intent changed, and plans only
 * those when nothing shared changed (planner/incremental.ts).
 */
import { documentDigest } from './digest.js';
import type { IntentDigests } from './state.js';
import type { Service, Spec, TenantId } from '../lang/spec.js';

export function intentDigests(spec: Spec): IntentDigests {
  const shared: Record<string, Omit<Service, 'tenants'>> = {};
  const tenants: Record<TenantId, string> = {};
  for (const name of Object.keys(spec.services).sort()) {
    const { tenants: byName, ...rest } = spec.services[name];
    shared[name] = rest;
    for (const t of Object.keys(byName).sort()) tenants[`${name}/${t}`] = documentDigest(byName[t]).slice(7, 31);
  }
  return { world: documentDigest({ ...spec, services: shared }).slice(7, 31), tenants };
}

/** Tenants whose intent is not the one the current deployment was planned from; undefined when the shared intent changed (or is unknown). */
export function changedTenants(spec: Spec, plannedFrom: IntentDigests | undefined): Set<TenantId> | undefined {
  if (!plannedFrom) return undefined;
  const now = intentDigests(spec);
  if (now.world !== plannedFrom.world) return undefined;
  const out = new Set<TenantId>();
  for (const [id, digest] of Object.entries(now.tenants) as [TenantId, string][]) if (plannedFrom.tenants[id] !== digest) out.add(id);
  return out;
}
