/**
 * An arbitrary but valid current deployment of a loaded Spec (what a State may hold): whole
 * replica counts on a tenant's own resources in its allowed regions, routing weights that sum
 * to 1, product shares, follower units, reservation units — now and then in a region the tenant
 * may no longer use — and, when asked, a tenant the Spec no longer declares. `withinSupply` keeps every (region, resource) within its supply (a world
 * whose supply did not shrink); without it a deployment may exceed a region's supply.
 */
import type { Deployment } from '../../schemas/state.js';
import type { Spec, TenantId } from '../../lang/spec.js';
import { Random } from '../random.js';

export interface DeploymentOptions {
  withinSupply: boolean;
  /** Add `gone/old`, a tenant absent from the Spec, holding a few replicas. */
  removedTenant: boolean;
}

export function randomDeployment(spec: Spec, seed: number, options: DeploymentOptions): Deployment {
  const rnd = new Random(seed);
  const d: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  const regions = Object.keys(spec.regions).sort();
  const units = new Map<string, number>();
  const fits = (r: string, k: string, n: number) => !options.withinSupply || (units.get(`${r}/${k}`) ?? 0) + n <= (spec.regions[r].supply[k] ?? 0);
  const take = (r: string, k: string, n: number) => units.set(`${r}/${k}`, (units.get(`${r}/${k}`) ?? 0) + n);

  for (const service of Object.keys(spec.services).sort()) {
    for (const name of Object.keys(spec.services[service].tenants).sort()) {
      const t = spec.services[service].tenants[name];
      if (rnd.chance(0.3)) continue; // not deployed yet
      // now and then the tenant's policy changed since: it runs where it may no longer run
      const allowed = rnd.chance(0.15) ? regions : regions.filter((r) => !t.avoid.includes(r) && (t.onlyIn.length === 0 || t.onlyIn.includes(r)));
      const replicas: Record<string, Record<string, number>> = {};
      for (const r of allowed) {
        for (const [k, o] of Object.entries(t.replicas).sort()) {
          if (!rnd.chance(0.5)) continue;
          let n = rnd.int(1, 4);
          while (n > 0 && !fits(r, k, n * o.units)) n--;
          if (n === 0) continue;
          take(r, k, n * o.units);
          (replicas[r] ??= {})[k] = n;
        }
      }
      const routing: Record<string, Record<string, Record<string, number>>> = {};
      const serving = Object.keys(replicas);
      for (const [cls, byClient] of Object.entries(t.demand).sort()) {
        for (const client of Object.keys(byClient).sort()) {
          if (serving.length === 0 || rnd.chance(0.2)) continue;
          const a = rnd.pick(serving);
          const b = rnd.pick(serving);
          (routing[cls] ??= {})[client] = a === b ? { [a]: 1 } : { [a]: 0.25, [b]: 0.75 };
        }
      }
      d.tenants[`${service}/${name}` as TenantId] = { replicas, routing };
    }
  }
  if (options.removedTenant && regions.length > 0) {
    const r = rnd.pick(regions);
    const k = rnd.pick(Object.keys(spec.resources).sort());
    if (k !== undefined && fits(r, k, 2)) {
      take(r, k, 2);
      d.tenants['gone/old'] = { replicas: { [r]: { [k]: 2 } }, routing: {} };
    }
  }
  for (const [g, res] of Object.entries(spec.reservations).sort()) {
    const byRegion: Record<string, number> = {};
    for (const r of regions.filter((x) => spec.regions[x].locality === res.locality)) {
      if (!rnd.chance(0.5)) continue;
      let n = rnd.int(1, Math.max(1, res.amount));
      while (n > 0 && !fits(r, res.resource, n)) n--;
      if (n > 0) {
        take(r, res.resource, n);
        byRegion[r] = n;
      }
    }
    d.reservations[g] = byRegion;
  }
  for (const [P, p] of Object.entries(spec.products).sort()) {
    const matrix: Record<string, Record<string, number>> = {};
    for (const client of Object.keys(p.demand).sort()) {
      const ok = regions.filter((r) => !p.avoid.includes(r));
      if (ok.length === 0 || rnd.chance(0.3)) continue;
      matrix[client] = { [rnd.pick(ok)]: 1 };
    }
    d.products[P] = matrix;
  }
  for (const [S, s] of Object.entries(spec.services).sort()) {
    const resources = new Set([...Object.values(s.follows).flatMap((c) => Object.keys(c.perUnit)), ...Object.values(s.residual).flatMap((x) => Object.keys(x))]);
    if (resources.size === 0) continue;
    const byRegion: Record<string, Record<string, number>> = {};
    for (const r of regions) {
      for (const k of [...resources].sort()) {
        if (!rnd.chance(0.4)) continue;
        let n = rnd.int(1, 5);
        while (n > 0 && !fits(r, k, n)) n--;
        if (n > 0) {
          take(r, k, n);
          (byRegion[r] ??= {})[k] = n;
        }
      }
    }
    d.followers[S] = byRegion;
  }
  return d;
}
