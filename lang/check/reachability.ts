/**
 * Demand that no region can serve is an error before any solver runs: for
 * each tenant, class and client location there must be an allowed region
 * within the class's threshold that can hold at least one replica: supply of
 * a resource in the tenant's table of at least the units one replica takes.
 * The message says what the nearest candidate is and why it fails.
 */
import type { Tenant } from '../spec.js';
import type { CheckContext } from './context.js';

export function allowedRegions(ctx: CheckContext, tenant: Tenant): string[] {
  return Object.keys(ctx.spec.regions)
    .filter((r) => !tenant.avoid.includes(r))
    .filter((r) => tenant.onlyIn.length === 0 || tenant.onlyIn.includes(r))
    .sort();
}

export function checkReachability(ctx: CheckContext): void {
  const { spec } = ctx;
  for (const [s, service] of Object.entries(spec.services)) {
    for (const [t, tenant] of Object.entries(service.tenants)) {
      // No hardware option (none written: empty-resource-table; or each refused: its own error) — "no region has enough  for one replica" would only echo it.
      if (Object.keys(tenant.replicas).length === 0) continue;
      const allowed = allowedRegions(ctx, tenant);
      // A region counts only if it can hold one whole replica: supply of some option's resource of at least its units.
      const withHardware = allowed.filter((r) => Object.entries(tenant.replicas).some(([k, option]) => (spec.regions[r].supply[k] ?? 0) >= option.units));
      for (const [cls, byLoc] of Object.entries(tenant.demand)) {
        const threshold = Object.hasOwn(tenant.latency, cls) ? tenant.latency[cls] : undefined;
        if (threshold === undefined) continue;
        for (const [loc, rps] of Object.entries(byLoc)) {
          if (rps <= 0 || !ctx.locations.has(loc)) continue;
          if (withHardware.some((r) => ctx.latency(loc, r) <= threshold)) continue;
          ctx.error('unreachable-demand', explain(ctx, tenant, `${s}/${t}`, cls, loc, threshold, allowed, withHardware), `services/${s}/tenants/${t}/demand/${cls}/${loc}`);
        }
      }
    }
  }
}

function explain(ctx: CheckContext, tenant: Tenant, id: string, cls: string, loc: string, threshold: number, allowed: string[], withHardware: string[]): string {
  const head = `demand of \`${id}\` class \`${cls}\` from \`${loc}\` cannot be served`;
  const hardware = `enough ${Object.keys(tenant.replicas).join(' or ')} for one replica`;
  if (allowed.length === 0) return `${head}: avoid/only_in leave no region`;
  if (withHardware.length === 0) return `${head}: no allowed region has ${hardware}`;
  const nearest = [...withHardware].sort((a, b) => ctx.latency(loc, a) - ctx.latency(loc, b) || (a < b ? -1 : 1))[0];
  const rtt = ctx.latency(loc, nearest);
  const within = allowed.filter((r) => ctx.latency(loc, r) <= threshold);
  const why = within.length > 0 ? ` (${within.join(', ')} ${within.length === 1 ? 'is' : 'are'} within reach but ${within.length === 1 ? 'has' : 'have'} not ${hardware})` : '';
  const distance = Number.isFinite(rtt) ? `${rtt}ms away` : 'not connected in the latency table';
  return `${head} within ${threshold}ms: the nearest region with ${hardware} is \`${nearest}\`, ${distance}${why}`;
}
