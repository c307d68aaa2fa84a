/**
 * What happens when a region fails: replicas stay where they are, the failed
 * region's capacity is gone, and each tenant's demand is re-routed onto what
 * is left by the one verdict function (planner/region-loss.ts) — the same
 * that decides the plan's "survives the loss of any one region" — and
 * product traffic by planner/product-loss.ts.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import type { FailureReport } from '../schemas/simulate.schema.js';
import type { Deployment } from '../schemas/state.js';
import { World } from './model/world.js';
import { LOSS_TOLERANCE, readinessMode, TenantNetwork } from './region-loss.js';
import { productFailover, productLossesByRegion } from './product-loss.js';

/** What one failed region costs: declared with the document `globe simulate --fail` prints (schemas/simulate.schema.ts). */
export type { FailureReport } from '../schemas/simulate.schema.js';

export async function simulateFailure(spec: Spec, deployment: Deployment, failed: string): Promise<FailureReport> {
  const world = new World(spec, deployment);
  const report: FailureReport = { region: failed, lost: {}, unserved: {}, utilization: {}, violated: [], unservedProducts: {}, violatedProducts: [] };
  const routed = new Map<string, number>();
  const capacityOf = new Map<string, number>();
  for (const t of world.tenants) {
    if (!deployment.tenants[t.id]) continue;
    const net = TenantNetwork.of(spec, deployment, t.id, t.spec);
    // Ready tenants are judged in their own mode; the others by where their clients can really be served.
    const mode = t.spec.tolerateRegionFailure ? readinessMode(t.spec) : 'per-failure';
    const before = net.maxServed(null, mode).served;
    const after = net.maxServed(failed, mode);
    for (const [r, l] of Object.entries(after.load)) {
      routed.set(r, (routed.get(r) ?? 0) + l.routed);
      capacityOf.set(r, (capacityOf.get(r) ?? 0) + l.capacity);
    }
    const lost = before - after.served;
    if (!(lost > LOSS_TOLERANCE)) continue;
    report.lost[t.id] = Math.round(lost * 1000) / 1000;
    for (const u of after.unserved) ((report.unserved[t.id] ??= {})[u.cls] ??= {})[u.client] = u.unserved;
    if (t.spec.tolerateRegionFailure) report.violated.push(t.id);
  }
  for (const r of [...capacityOf.keys()].sort()) {
    const c = capacityOf.get(r)!;
    if (c > 0) report.utilization[r] = Math.round(((routed.get(r) ?? 0) / c) * 1e4) / 1e4;
  }
  report.unservedProducts = await productFailover(spec, deployment, failed);
  if (Object.values(spec.products).some((p) => p.tolerateRegionFailure)) {
    const lost = await productLossesByRegion(spec, deployment, [failed]);
    report.violatedProducts = [...lost.keys()].filter((P) => spec.products[P].tolerateRegionFailure).sort();
  }
  return report;
}
