/**
 * An independent checker of a Placement against its Spec and the current
 * Deployment. It shares no code with the planner's model builder: it reads
 * the documents alone and verifies every promise the planner makes, so the
 * solver's output is never trusted blindly.
 */
import type { Spec } from '../../lang/spec.js';
import type { Deployment } from '../../executor/state.js';
import type { Placement } from '../../planner/placement.js';

const TOL = 1e-6;

export function checkPlacement(spec: Spec, current: Deployment, placement: Placement): string[] {
  const problems: string[] = [];
  const rtt = (a: string, b: string) => {
    const p = spec.latency.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
    return p ? p.ms : a === b ? 1 : Infinity;
  };
  const target = placement.target;
  const used = new Map<string, number>();
  const peak = new Map<string, number>();
  const add = (m: Map<string, number>, r: string, k: string, v: number) => m.set(`${r}/${k}`, (m.get(`${r}/${k}`) ?? 0) + v);

  for (const [service, s] of Object.entries(spec.services)) {
    for (const [name, t] of Object.entries(s.tenants)) {
      const id = `${service}/${name}` as const;
      const d = target.tenants[id];
      if (!d) {
        problems.push(`${id}: missing from the placement`);
        continue;
      }
      const capacity = (r: string) => Object.entries(d.replicas[r] ?? {}).reduce((sum, [k, n]) => sum + n * (t.replicas[k]?.serves ?? NaN) * t.targetUtilization, 0);
      for (const [r, byRes] of Object.entries(d.replicas)) {
        if (t.avoid.includes(r) || (t.onlyIn.length > 0 && !t.onlyIn.includes(r))) problems.push(`${id}: placed in ${r}, which its policy excludes`);
        let count = 0;
        for (const [k, n] of Object.entries(byRes)) {
          if (!Number.isInteger(n) || n < 0) problems.push(`${id}: ${n} replicas in ${r}/${k} is not a whole number`);
          if (!(k in t.replicas)) problems.push(`${id}: runs on ${k}, which is not in its resource table`);
          add(used, r, k, n * (t.replicas[k]?.units ?? 0));
          count += n;
        }
        if (t.maxReplicasPerRegion !== undefined && count > t.maxReplicasPerRegion) problems.push(`${id}: ${count} replicas in ${r} > max ${t.maxReplicasPerRegion}`);
        if (t.minReplicasPerRegion !== undefined && count > 0 && count < t.minReplicasPerRegion) problems.push(`${id}: ${count} replicas in ${r} < min ${t.minReplicasPerRegion}`);
      }
      // routing: rows sum to 1, within the threshold, served + unserved = demand, capacity covers what is routed
      const routed = new Map<string, number>();
      let served = 0;
      // demand that follows a product: rate × the product's traffic served in each region
      const demandOf: Record<string, Record<string, number>> = structuredClone(t.demand);
      for (const [P, rates] of Object.entries(t.follows ?? {})) {
        for (const [client, row] of Object.entries(target.products[P] ?? {})) {
          const traffic = (spec.products[P]?.demand[client] ?? 0) - (placement.unservedProducts[P]?.[client] ?? 0);
          for (const [r, shareOf] of Object.entries(row)) {
            for (const [cls, rate] of Object.entries(rates)) (demandOf[cls] ??= {})[r] = (demandOf[cls][r] ?? 0) + rate * traffic * shareOf;
          }
        }
      }
      for (const [cls, byClient] of Object.entries(demandOf)) {
        for (const [client, demand] of Object.entries(byClient)) {
          const row = d.routing[cls]?.[client] ?? {};
          const unserved = placement.unserved[id]?.[cls]?.[client] ?? 0;
          const sum = Object.values(row).reduce((a, b) => a + b, 0);
          const servedHere = demand - unserved;
          if (servedHere > TOL && Math.abs(sum - 1) > TOL) problems.push(`${id} ${cls} ${client}: routing weights sum to ${sum}`);
          for (const [r, weight] of Object.entries(row)) {
            if (rtt(client, r) > (t.latency[cls] ?? 0)) problems.push(`${id} ${cls}: ${client} → ${r} is ${rtt(client, r)}ms, over the ${t.latency[cls]}ms threshold`);
            routed.set(r, (routed.get(r) ?? 0) + weight * servedHere);
          }
          served += servedHere;
        }
      }
      for (const [r, load] of routed) {
        // weights are stored to 1e-6 and renormalised: a relative 1e-5 covers that rounding, nothing more
        if (load > capacity(r) * (1 + 1e-5) + 1e-3) problems.push(`${id}: ${load} rps routed to ${r} but capacity there is ${capacity(r)}`);
      }
      if (t.tolerateRegionFailure) {
        const regions = Object.keys(d.replicas);
        const total = regions.reduce((a, r) => a + capacity(r), 0);
        for (const f of regions) {
          if (total - capacity(f) + TOL < served) problems.push(`${id}: losing ${f} leaves ${total - capacity(f)} rps of capacity for ${served} served`);
        }
      }
      // transition peak: max(current, target) per item
      const cur = current.tenants[id]?.replicas ?? {};
      for (const r of new Set([...Object.keys(cur), ...Object.keys(d.replicas)])) {
        for (const k of new Set([...Object.keys(cur[r] ?? {}), ...Object.keys(d.replicas[r] ?? {})])) {
          add(peak, r, k, Math.max(cur[r]?.[k] ?? 0, d.replicas[r]?.[k] ?? 0) * (t.replicas[k]?.units ?? 1));
        }
      }
    }
  }
  for (const [name, g] of Object.entries(spec.reservations)) {
    const byRegion = target.reservations[name] ?? {};
    let total = 0;
    for (const [r, m] of Object.entries(byRegion)) {
      if (spec.regions[r]?.locality !== g.locality) problems.push(`reservation ${name}: units in ${r}, outside ${g.locality}`);
      add(used, r, g.resource, m);
      total += m;
    }
    for (const r of Object.keys(spec.regions)) add(peak, r, g.resource, Math.max(byRegion[r] ?? 0, current.reservations[name]?.[r] ?? 0));
    const worst = g.tolerateRegionFailure ? total - Math.max(0, ...Object.values(byRegion)) : total;
    if (worst + TOL < g.amount) problems.push(`reservation ${name}: ${worst} < ${g.amount} after a region loss`);
  }
  for (const [service, byRegion] of Object.entries(target.followers)) {
    const s = spec.services[service];
    for (const [r, byRes] of Object.entries(byRegion)) {
      for (const [k, f] of Object.entries(byRes)) {
        let need = s.residual[r]?.[k] ?? 0;
        for (const [P, c] of Object.entries(s.follows)) {
          const alpha = c.perUnit[k] ?? 0;
          for (const [client, row] of Object.entries(target.products[P] ?? {})) need += alpha * (spec.products[P].demand[client] - (placement.unservedProducts[P]?.[client] ?? 0)) * (row[r] ?? 0);
        }
        // shares are stored to 1e-6: allow that rounding, relative to the need
        if (f + 1e-4 + need * 2e-6 < need) problems.push(`follower ${service}: ${f} ${k} in ${r} < ${need} needed`);
        add(used, r, k, f);
        add(peak, r, k, Math.max(f, current.followers[service]?.[r]?.[k] ?? 0));
      }
    }
  }
  for (const [key, u] of used) {
    const [r, k] = key.split('/');
    const supply = spec.regions[r]?.supply[k] ?? 0;
    if (u > supply + 1e-4) problems.push(`supply: ${r}/${k} uses ${u} of ${supply}`);
  }
  for (const [key, p] of peak) {
    const [r, k] = key.split('/');
    const supply = spec.regions[r]?.supply[k] ?? 0;
    if (p > supply + 1e-4 && p > currentUse(spec, current, r, k) + 1e-4) problems.push(`transition: ${r}/${k} peaks at ${p} of ${supply} during apply`);
  }
  return problems;
}

function currentUse(spec: Spec, current: Deployment, r: string, k: string): number {
  let u = 0;
  for (const [id, d] of Object.entries(current.tenants)) {
    const [s, t] = id.split('/');
    u += (d.replicas[r]?.[k] ?? 0) * (spec.services[s]?.tenants[t]?.replicas[k]?.units ?? 1);
  }
  for (const [g, byRegion] of Object.entries(current.reservations)) if (spec.reservations[g]?.resource === k) u += byRegion[r] ?? 0;
  for (const byRegion of Object.values(current.followers)) u += byRegion[r]?.[k] ?? 0;
  return u;
}
