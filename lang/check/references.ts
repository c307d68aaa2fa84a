/**
 * Every name used must be declared: resources in supply and resource
 * tables, regions in avoid/only_in/residual, client locations in demand,
 * products in follower contracts, localities in reservations.
 */
import { didYouMean } from '../suggest.js';
import type { CheckContext } from './context.js';

export function checkReferences(ctx: CheckContext): void {
  const { spec } = ctx;
  const resources = Object.keys(spec.resources);
  const regions = Object.keys(spec.regions);
  const localities = new Set(Object.values(spec.regions).map((r) => r.locality));
  const locations = [...ctx.locations];

  const resource = (name: string, path: string) => {
    if (!Object.hasOwn(spec.resources, name)) ctx.error('unknown-reference', `resource \`${name}\` is not declared${didYouMean(name, resources)}`, path);
  };
  const region = (name: string, path: string) => {
    if (!Object.hasOwn(spec.regions, name)) ctx.error('unknown-reference', `region \`${name}\` is not declared${didYouMean(name, regions)}`, path);
  };
  const location = (name: string, path: string) => {
    if (!ctx.locations.has(name)) {
      ctx.error('unknown-reference', `location \`${name}\` is neither a region nor an edge location of the latency table${didYouMean(name, locations)}`, path);
    }
  };

  for (const [r, region_] of Object.entries(spec.regions)) {
    for (const k of Object.keys(region_.supply)) resource(k, `regions/${r}/supply/${k}`);
  }
  for (const [s, service] of Object.entries(spec.services)) {
    for (const [t, tenant] of Object.entries(service.tenants)) {
      const base = `services/${s}/tenants/${t}`;
      for (const k of Object.keys(tenant.replicas)) resource(k, `${base}/replicas/${k}`);
      tenant.avoid.forEach((r, i) => region(r, `${base}/avoid/${i}`));
      tenant.onlyIn.forEach((r, i) => region(r, `${base}/onlyIn/${i}`));
      for (const [cls, byLoc] of Object.entries(tenant.demand)) {
        for (const loc of Object.keys(byLoc)) location(loc, `${base}/demand/${cls}/${loc}`);
      }
      for (const P of Object.keys(tenant.follows ?? {})) {
        if (!Object.hasOwn(spec.products, P)) ctx.error('unknown-reference', `product \`${P}\` is not declared${didYouMean(P, Object.keys(spec.products))}`, `${base}/follows/${P}`);
      }
    }
    for (const [p, contract] of Object.entries(service.follows)) {
      if (!Object.hasOwn(spec.products, p)) {
        ctx.error('unknown-reference', `product \`${p}\` is not declared${didYouMean(p, Object.keys(spec.products))}`, `services/${s}/follows/${p}`);
      }
      for (const k of Object.keys(contract.perUnit)) resource(k, `services/${s}/follows/${p}/perUnit/${k}`);
    }
    for (const [r, amounts] of Object.entries(service.residual)) {
      region(r, `services/${s}/residual/${r}`);
      for (const k of Object.keys(amounts)) resource(k, `services/${s}/residual/${r}/${k}`);
    }
  }
  for (const [g, reservation] of Object.entries(spec.reservations)) {
    if (reservation.resource) resource(reservation.resource, `reservations/${g}/resource`);
    if (reservation.locality && !localities.has(reservation.locality)) {
      ctx.error('unknown-reference', `no region is in locality \`${reservation.locality}\`${didYouMean(reservation.locality, localities)}`, `reservations/${g}/locality`);
    }
  }
  for (const [p, product] of Object.entries(spec.products)) {
    for (const loc of Object.keys(product.demand)) location(loc, `products/${p}/demand/${loc}`);
    product.avoid.forEach((r, i) => region(r, `products/${p}/avoid/${i}`));
  }
}
