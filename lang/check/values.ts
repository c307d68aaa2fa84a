/**
 * Numbers that parse but make no sense: negative or non-finite amounts,
 * contradictory bounds and policies, classes without thresholds.
 */
import { NUMBER_MAX, plainDecimal } from '../units.js';
import type { CheckContext } from './context.js';

export function checkValues(ctx: CheckContext): void {
  const { spec } = ctx;
  const finite = (x: number, what: string, path: string) => {
    if (!Number.isFinite(x) || x < 0) ctx.error('invalid-value', `${what} must be a finite number ≥ 0, found ${x}`, path);
    else tooLarge(x, what, path);
  };
  const tooLarge = (x: number | undefined, what: string, path: string) => {
    if (x !== undefined && Math.abs(x) > NUMBER_MAX) ctx.error('invalid-value', `${what} is at most ${NUMBER_MAX}, found ${plainDecimal(x)}`, path);
  };
  for (const [k, r] of Object.entries(spec.resources)) finite(r.cost, 'cost', `resources/${k}/cost`);
  for (const [name, r] of Object.entries(spec.regions)) {
    for (const [k, n] of Object.entries(r.supply)) {
      finite(n, `supply of \`${k}\``, `regions/${name}/supply/${k}`);
      if (!Number.isInteger(n)) ctx.error('not-integer', `supply of \`${k}\` must be a whole number of units`, `regions/${name}/supply/${k}`);
    }
  }
  for (const p of spec.latency) finite(p.ms, 'latency', `latency/${p.a}/${p.b}`);

  for (const [s, service] of Object.entries(spec.services)) {
    if (Object.keys(service.tenants).length === 0 && Object.keys(service.follows).length === 0 && Object.keys(service.residual).length === 0) {
      ctx.warn('invalid-value', `service \`${s}\` has no tenants and no follower contract: it places nothing`, `services/${s}`);
    }
    for (const [t, tenant] of Object.entries(service.tenants)) {
      const base = `services/${s}/tenants/${t}`;
      if (!Number.isInteger(tenant.priority)) ctx.error('not-integer', 'priority must be a whole number', `${base}/priority`);
      else tooLarge(tenant.priority, 'priority', `${base}/priority`);
      tooLarge(tenant.minReplicasPerRegion, 'min_replicas', `${base}/minReplicasPerRegion`);
      tooLarge(tenant.maxReplicasPerRegion, 'max_replicas', `${base}/maxReplicasPerRegion`);
      tooLarge(tenant.maxSurge, 'max_surge', `${base}/maxSurge`);
      // A replica option that was written but refused has its own error already.
      if (Object.keys(tenant.replicas).length === 0 && !ctx.writtenUnder(`${base}/replicas`)) {
        ctx.error('empty-resource-table', `tenant \`${s}/${t}\` has no hardware option: add \`replica <resource> x<units> serves <n>rps\``, base);
      }
      for (const [k, o] of Object.entries(tenant.replicas)) {
        if (!Number.isInteger(o.units) || o.units < 1) ctx.error('invalid-value', 'units per replica must be a whole number ≥ 1', `${base}/replicas/${k}`);
        else tooLarge(o.units, 'units per replica', `${base}/replicas/${k}`);
        if (!(o.serves > 0) || !Number.isFinite(o.serves)) ctx.error('invalid-value', 'a replica must serve a finite rate above 0rps', `${base}/replicas/${k}`);
      }
      if (Object.keys(tenant.demand).length === 0 && Object.keys(tenant.follows ?? {}).length === 0) ctx.warn('invalid-value', `tenant \`${s}/${t}\` has no demand: nothing will be placed for it`, base);
      for (const [cls, byLoc] of Object.entries(tenant.demand)) {
        if (!Object.hasOwn(tenant.latency, cls) && !ctx.written(`${base}/latency/${cls}`)) {
          ctx.error('invalid-value', `request class \`${cls}\` has demand but no latency threshold: add \`latency ${cls} < continental\``, `${base}/demand/${cls}`);
        }
        for (const [loc, rps] of Object.entries(byLoc)) finite(rps, 'demand', `${base}/demand/${cls}/${loc}`);
      }
      const followed = new Set(Object.values(tenant.follows ?? {}).flatMap((rates) => Object.keys(rates)));
      for (const cls of followed) {
        if (!Object.hasOwn(tenant.latency, cls) && !ctx.written(`${base}/latency/${cls}`)) {
          ctx.error('invalid-value', `request class \`${cls}\` follows a product but has no latency threshold: add \`latency ${cls} < continental\``, `${base}/follows`);
        }
      }
      for (const cls of Object.keys(tenant.latency)) {
        if (!Object.hasOwn(tenant.demand, cls) && !followed.has(cls)) ctx.warn('invalid-value', `latency threshold for \`${cls}\`, a class with no demand`, `${base}/latency/${cls}`);
      }
      const { minReplicasPerRegion: min, maxReplicasPerRegion: max } = tenant;
      if (min !== undefined && max !== undefined && min > max) {
        ctx.error('invalid-value', `min_replicas (${min}) is more than max_replicas (${max})`, `${base}/minReplicasPerRegion`);
      }
      tenant.avoid.forEach((r, i) => {
        if (tenant.onlyIn.includes(r)) ctx.error('invalid-value', `region \`${r}\` is both avoided and in only_in`, `${base}/avoid/${i}`);
      });
      if (tenant.onlyIn.length > 0 && tenant.onlyIn.every((r) => tenant.avoid.includes(r))) {
        ctx.error('invalid-value', `tenant \`${s}/${t}\` may run nowhere: every only_in region is avoided`, `${base}/onlyIn`);
      }
    }
    for (const [p, c] of Object.entries(service.follows)) {
      for (const [k, x] of Object.entries(c.perUnit)) finite(x, 'capacity per unit', `services/${s}/follows/${p}/perUnit/${k}`);
    }
    for (const [r, amounts] of Object.entries(service.residual)) {
      for (const [k, x] of Object.entries(amounts)) finite(x, 'residual', `services/${s}/residual/${r}/${k}`);
    }
  }
  for (const [w, x] of Object.entries(spec.planner?.weights ?? {})) if (x !== undefined) finite(x, `weight \`${w}\``, `planner/weights/${w}`);
  for (const [g, r] of Object.entries(spec.reservations)) finite(r.amount, 'amount', `reservations/${g}/amount`);
  for (const [p, product] of Object.entries(spec.products)) {
    for (const [loc, x] of Object.entries(product.demand)) finite(x, 'traffic', `products/${p}/demand/${loc}`);
  }
}
