/**
 * An independent checker of a Placement against its Spec and the current
 * Deployment. It shares no code with the planner (no model, no extraction):
 * it reads the documents alone and verifies every promise the planner makes,
 * so the solver's output is never trusted blindly.
 *
 *   policy      replicas only in allowed regions, on resources of the table,
 *               whole numbers, min/max per region
 *   routing     weights ≥ 0 summing to 1 for every served client location,
 *               only within the class's latency threshold
 *   demand      0 ≤ unserved ≤ demand
 *   capacity    replicas × rps per replica × utilization ≥ routed demand,
 *               per tenant and region
 *   readiness   with any one region lost, the rest covers the served demand
 *               (or the shortfall the document declares is the true one)
 *   reservations in their locality, amount surviving a region loss
 *   followers   capacity ≥ residual + α × product traffic served
 *   supply      Σ units ≤ supply per (region, resource)
 *   transition  Σ max(current, target) ≤ supply (or ≤ what runs now where supply shrank);
 *               for a plan in waves, Σ max(before, after) of every wave
 *   report      the document's used / free / peak figures and failover lists are true
 *               (when it has them: a bare { target, unserved } is checked for the rest)
 */
import type { Spec, TenantId } from '../../lang/spec.js';
import type { Deployment } from '../../schemas/state.js';
import type { Placement } from '../../schemas/placement.js';
import { weightRounding } from '../../schemas/invariants.js';
import { readinessOf } from '../../planner/extract.js';
import { tenantReadiness } from '../../planner/region-loss.js';

const TOL = 1e-6;
/** Weights are stored to 1e-6 and renormalised: loads may exceed capacity by that rounding, relatively. */
const ROUNDING = 1e-5;

/** `intermediate`: the deployments after each wave but the last of a plan in waves (planner/waves.ts). */
export function checkPlacement(spec: Spec, current: Deployment, placement: Placement, intermediate: Deployment[] = []): string[] {
  const problems: string[] = [];
  const rttTable = new Map<string, number>();
  for (const p of spec.latency) rttTable.set(`${p.a}|${p.b}`, p.ms).set(`${p.b}|${p.a}`, p.ms);
  const rtt = (a: string, b: string) => rttTable.get(`${a}|${b}`) ?? (a === b ? 1 : Infinity);
  const target = placement.target;
  const used = new Map<string, number>();
  const peak = new Map<string, number>();
  const add = (m: Map<string, number>, r: string, k: string, v: number) => m.set(`${r}/${k}`, (m.get(`${r}/${k}`) ?? 0) + v);

  for (const [service, s] of Object.entries(spec.services)) {
    for (const [name, t] of Object.entries(s.tenants)) {
      const id = `${service}/${name}` as TenantId;
      const d = target.tenants[id];
      if (!d) {
        problems.push(`${id}: missing from the placement`);
        continue;
      }
      const capacity = (r: string) => Object.entries(d.replicas[r] ?? {}).reduce((sum, [k, n]) => sum + n * (t.replicas[k]?.serves ?? NaN) * t.targetUtilization, 0);
      for (const [r, byRes] of Object.entries(d.replicas)) {
        if (!(r in spec.regions)) problems.push(`${id}: placed in ${r}, which is not a region`);
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
      // demand that follows a product: rate × the product's traffic served in each region
      const demandOf: Record<string, Record<string, number>> = structuredClone(t.demand);
      // unserved product traffic is reported to 1e-3: demand that follows it is known to rate × that
      const slack: Record<string, Record<string, number>> = {};
      const shareRounding: Record<string, Record<string, number>> = {};
      for (const [P, rates] of Object.entries(t.follows ?? {})) {
        for (const [client, row] of Object.entries(target.products[P] ?? {})) {
          const traffic = (spec.products[P]?.demand[client] ?? 0) - (placement.unservedProducts[P]?.[client] ?? 0);
          for (const [r, shareOf] of Object.entries(row)) {
            for (const [cls, rate] of Object.entries(rates)) {
              (demandOf[cls] ??= {})[r] = (demandOf[cls][r] ?? 0) + rate * traffic * shareOf;
              (slack[cls] ??= {})[r] = (slack[cls][r] ?? 0) + rate * 5e-4 * shareOf;
              // shares are stored to 1e-6: the followed demand is known to that rounding of the traffic
              (shareRounding[cls] ??= {})[r] = (shareRounding[cls][r] ?? 0) + rate * weightRounding(traffic, Object.keys(row).length);
            }
          }
        }
      }
      const routed = new Map<string, number>();
      const rounding = new Map<string, number>();
      let served = 0;
      for (const [cls, byClient] of Object.entries(demandOf)) {
        for (const [client, demand] of Object.entries(byClient)) {
          const row = d.routing[cls]?.[client] ?? {};
          const unserved = placement.unserved[id]?.[cls]?.[client] ?? 0;
          const known = 1e-3 + (slack[cls]?.[client] ?? 0);
          if (unserved < 0 || unserved > demand + known) problems.push(`${id} ${cls} ${client}: ${unserved} unserved of ${demand}`);
          const servedHere = demand - unserved;
          const sum = Object.values(row).reduce((a, b) => a + b, 0);
          if (servedHere > known && Math.abs(sum - 1) > TOL) problems.push(`${id} ${cls} ${client}: routing weights sum to ${sum}`);
          for (const [r, weight] of Object.entries(row)) {
            if (!(weight > 0)) problems.push(`${id} ${cls} ${client}: weight ${weight} for ${r}`);
            if (rtt(client, r) > (t.latency[cls] ?? 0)) problems.push(`${id} ${cls}: ${client} → ${r} is ${rtt(client, r)}ms, over the ${t.latency[cls]}ms threshold`);
            routed.set(r, (routed.get(r) ?? 0) + weight * servedHere);
            rounding.set(r, (rounding.get(r) ?? 0) + weightRounding(servedHere, Object.keys(row).length) + ((shareRounding[cls]?.[client] ?? 0) + (slack[cls]?.[client] ?? 0)) * weight);
          }
          served += servedHere;
        }
      }
      for (const [cls, matrix] of Object.entries(d.routing)) {
        for (const client of Object.keys(matrix)) if (demandOf[cls]?.[client] === undefined) problems.push(`${id} ${cls}: routes ${client}, which has no demand`);
      }
      for (const [r, load] of routed) {
        if (load > capacity(r) * (1 + ROUNDING) + 1e-3 + (rounding.get(r) ?? 0)) problems.push(`${id}: ${load} rps routed to ${r} but capacity there is ${capacity(r)}`);
      }
      checkReadiness(spec, id, placement.target, placement, problems);
      checkFailover(id, t.latency, d.routing, d.replicas, placement, rtt, problems);
      // transition peak: max(current, target) per item
      const cur = current.tenants[id]?.replicas ?? {};
      for (const r of new Set([...Object.keys(cur), ...Object.keys(d.replicas)])) {
        for (const k of new Set([...Object.keys(cur[r] ?? {}), ...Object.keys(d.replicas[r] ?? {})])) {
          add(peak, r, k, Math.max(cur[r]?.[k] ?? 0, d.replicas[r]?.[k] ?? 0) * (t.replicas[k]?.units ?? 1));
        }
      }
    }
  }
  // Tenants no longer in the Spec hold their current replicas until the final downsizes.
  for (const [id, d] of Object.entries(current.tenants)) {
    const [s, n] = id.split('/');
    if (spec.services[s]?.tenants[n]) continue;
    for (const [r, byRes] of Object.entries(d.replicas)) for (const [k, c] of Object.entries(byRes)) add(peak, r, k, c);
  }
  const shortReservations: { name: string; worst: number }[] = [];
  for (const [name, g] of Object.entries(spec.reservations)) {
    const byRegion = target.reservations[name] ?? {};
    let total = 0;
    for (const [r, m] of Object.entries(byRegion)) {
      if (spec.regions[r]?.locality !== g.locality) problems.push(`reservation ${name}: units in ${r}, outside ${g.locality}`);
      if (!Number.isInteger(m) || m < 0) problems.push(`reservation ${name}: ${m} units in ${r}`);
      add(used, r, g.resource, m);
      total += m;
    }
    for (const r of Object.keys(spec.regions)) add(peak, r, g.resource, Math.max(byRegion[r] ?? 0, current.reservations[name]?.[r] ?? 0));
    const worst = g.tolerateRegionFailure ? total - Math.max(0, ...Object.values(byRegion)) : total;
    if (worst + TOL < g.amount) shortReservations.push({ name, worst });
  }
  for (const [service, byRegion] of Object.entries(target.followers)) {
    const s = spec.services[service];
    for (const [r, byRes] of Object.entries(byRegion)) {
      for (const [k, f] of Object.entries(byRes)) {
        let need = s.residual[r]?.[k] ?? 0;
        let rounding = 0;
        for (const [P, c] of Object.entries(s.follows)) {
          const alpha = c.perUnit[k] ?? 0;
          for (const [client, row] of Object.entries(target.products[P] ?? {})) {
            need += alpha * (spec.products[P].demand[client] - (placement.unservedProducts[P]?.[client] ?? 0)) * (row[r] ?? 0);
            rounding += alpha * 5e-4 * (row[r] ?? 0); // unserved traffic is reported to 1e-3
          }
        }
        // shares are stored to 1e-6 and unserved traffic to 1e-3: allow that rounding
        if (f + 1e-4 + need * 2e-6 + rounding < need) problems.push(`follower ${service}: ${f} ${k} in ${r} < ${need} needed`);
        add(used, r, k, f);
      }
    }
  }
  for (const service of new Set([...Object.keys(current.followers), ...Object.keys(target.followers)])) {
    for (const r of Object.keys(spec.regions)) {
      const a = current.followers[service]?.[r] ?? {};
      const b = target.followers[service]?.[r] ?? {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) add(peak, r, k, Math.max(a[k] ?? 0, b[k] ?? 0));
    }
  }
  if (intermediate.length > 0) return [...problems, ...checkWaves(spec, [current, ...intermediate, target], placement, used, shortReservations)];
  for (const { name, worst } of shortReservations) checkReservationShortfall(spec, current, name, target.reservations[name] ?? {}, worst, used, peak, problems);
  checkSupply(spec, used, problems);
  checkTransition(spec, current, peak, problems, '');
  checkUsageReport(spec, placement, used, peak, problems);
  return problems;
}

function checkSupply(spec: Spec, used: Map<string, number>, problems: string[]): void {
  for (const [key, u] of used) {
    const [r, k] = key.split('/');
    const supply = spec.regions[r]?.supply[k] ?? 0;
    if (u > supply + 1e-4) problems.push(`supply: ${r}/${k} uses ${u} of ${supply}`);
  }
}

/** Σ max(before, after) within the supply, or within what `from` held where that was more. */
function checkTransition(spec: Spec, from: Deployment, peak: Map<string, number>, problems: string[], wave: string): void {
  for (const [key, p] of peak) {
    const [r, k] = key.split('/');
    const supply = spec.regions[r]?.supply[k] ?? 0;
    if (p > supply + 1e-4 && p > currentUse(spec, from, r, k) + 1e-4) problems.push(`transition: ${r}/${k} peaks at ${p} of ${supply} during apply${wave}`);
  }
}

/**
 * A plan in waves: every wave's transition within supply on its own, the last wave's room for a short
 * reservation, and the reported peak the largest of any wave's.
 */
function checkWaves(spec: Spec, steps: Deployment[], placement: Placement, used: Map<string, number>, shortReservations: { name: string; worst: number }[]): string[] {
  const problems: string[] = [];
  const largest = new Map<string, number>();
  let last = new Map<string, number>();
  for (let i = 1; i < steps.length; i++) {
    last = transitionPeak(spec, steps[i - 1], steps[i]);
    checkTransition(spec, steps[i - 1], last, problems, ` (wave ${i})`);
    for (const [key, p] of last) largest.set(key, Math.max(largest.get(key) ?? 0, p));
  }
  const before = steps[steps.length - 2];
  for (const { name, worst } of shortReservations) checkReservationShortfall(spec, before, name, placement.target.reservations[name] ?? {}, worst, used, last, problems);
  checkSupply(spec, used, problems);
  checkUsageReport(spec, placement, used, largest, problems);
  return problems;
}

/** Σ max(from, to) per `region/resource`: what one step holds at its peak (tenants gone from the Spec hold what they run). */
function transitionPeak(spec: Spec, from: Deployment, to: Deployment): Map<string, number> {
  const peak = new Map<string, number>();
  const add = (r: string, k: string, v: number) => peak.set(`${r}/${k}`, (peak.get(`${r}/${k}`) ?? 0) + v);
  for (const id of new Set([...Object.keys(from.tenants), ...Object.keys(to.tenants)])) {
    const [s, n] = id.split('/');
    const t = spec.services[s]?.tenants[n];
    const a = from.tenants[id as TenantId]?.replicas ?? {};
    const b = t ? (to.tenants[id as TenantId]?.replicas ?? {}) : {};
    for (const r of new Set([...Object.keys(a), ...Object.keys(b)])) {
      for (const k of new Set([...Object.keys(a[r] ?? {}), ...Object.keys(b[r] ?? {})])) add(r, k, Math.max(a[r]?.[k] ?? 0, b[r]?.[k] ?? 0) * (t ? (t.replicas[k]?.units ?? 1) : 1));
    }
  }
  for (const [name, g] of Object.entries(spec.reservations)) {
    for (const r of Object.keys(spec.regions)) add(r, g.resource, Math.max(to.reservations[name]?.[r] ?? 0, from.reservations[name]?.[r] ?? 0));
  }
  for (const service of new Set([...Object.keys(from.followers), ...Object.keys(to.followers)])) {
    for (const r of Object.keys(spec.regions)) {
      const a = from.followers[service]?.[r] ?? {};
      const b = to.followers[service]?.[r] ?? {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) add(r, k, Math.max(a[k] ?? 0, b[k] ?? 0));
    }
  }
  return peak;
}

/**
 * A reservation short of its amount is right only when no region of its locality has room for one
 * more unit that would count (its reservation comes before every tenant: only products' followers
 * and what apply holds come first): room in the target and at the apply-time peak.
 */
function checkReservationShortfall(spec: Spec, current: Deployment, name: string, byRegion: Record<string, number>, worst: number, used: Map<string, number>, peak: Map<string, number>, problems: string[]): void {
  const g = spec.reservations[name];
  // a product that tolerates a region failure keeps room free in other regions for its followers
  if (Object.values(spec.products).some((p) => p.tolerateRegionFailure)) return;
  const largest = Math.max(0, ...Object.values(byRegion));
  for (const r of Object.keys(spec.regions).sort()) {
    if (spec.regions[r].locality !== g.locality) continue;
    const supply = spec.regions[r].supply[g.resource] ?? 0;
    const key = `${r}/${g.resource}`;
    const room = Math.min(supply - (used.get(key) ?? 0), Math.max(supply, currentUse(spec, current, r, g.resource)) - (peak.get(key) ?? 0));
    const counts = !g.tolerateRegionFailure || (byRegion[r] ?? 0) + 1 <= largest;
    if (room >= 1 - 1e-9 && counts) {
      problems.push(`reservation ${name}: ${worst} < ${g.amount}${g.tolerateRegionFailure ? ' after a region loss' : ''}, though ${r} has room for more`);
      return;
    }
  }
}

/**
 * Region-loss readiness: what the placement claims must be the verdict of planner/region-loss.ts on its
 * target — the one function plan, show and simulate use, so none of them can say otherwise.
 */
function checkReadiness(spec: Spec, id: TenantId, target: Deployment, placement: Placement, problems: string[]): void {
  const [s, n] = id.split('/');
  const tenant = spec.services[s].tenants[n];
  if (!tenant.tolerateRegionFailure) return;
  const claims = placement.disasterReadiness as Placement['disasterReadiness'] | undefined;
  if (!claims) return; // a bare target (reference placements) claims nothing
  const claim = claims[id];
  if (!claim) {
    problems.push(`${id}: asks to tolerate a region failure but the placement says nothing about it`);
    return;
  }
  const verdict = readinessOf(tenantReadiness(spec, target, id, tenant));
  if (JSON.stringify(claim) !== JSON.stringify(verdict)) problems.push(`${id}: claims ${JSON.stringify(claim)}, the region-loss verdict is ${JSON.stringify(verdict)}`);
}

/** Failover regions: within the threshold, holding capacity, not serving that client now, nearest first. */
function checkFailover(
  id: TenantId,
  thresholds: Record<string, number>,
  routing: Record<string, Record<string, Record<string, number>>>,
  replicas: Record<string, Record<string, number>>,
  placement: Placement,
  rtt: (a: string, b: string) => number,
  problems: string[],
): void {
  for (const [cls, byClient] of Object.entries(placement.failover?.[id] ?? {})) {
    for (const [client, order] of Object.entries(byClient)) {
      const serving = routing[cls]?.[client] ?? {};
      order.forEach((r, i) => {
        if (rtt(client, r) > (thresholds[cls] ?? 0)) problems.push(`${id} ${cls} ${client}: failover to ${r} is beyond the threshold`);
        if (r in serving) problems.push(`${id} ${cls} ${client}: failover lists ${r}, which already serves it`);
        if (!Object.values(replicas[r] ?? {}).some((n) => n > 0)) problems.push(`${id} ${cls} ${client}: failover to ${r}, which has no replicas`);
        if (i > 0 && rtt(client, order[i - 1]) > rtt(client, r)) problems.push(`${id} ${cls} ${client}: failover order is not nearest first`);
      });
    }
  }
}

/** The document's own figures per (region, resource) must match what its target and the current state imply. */
function checkUsageReport(spec: Spec, placement: Placement, used: Map<string, number>, peak: Map<string, number>, problems: string[]): void {
  if (!placement.usage) return; // a bare target makes no claims to check
  for (const [key, u] of used) {
    const [r, k] = key.split('/');
    if (u > 0 && !placement.usage[r]?.[k]) problems.push(`usage: ${r}/${k} is used (${u}) but not reported`);
  }
  for (const [r, byRes] of Object.entries(placement.usage)) {
    for (const [k, claim] of Object.entries(byRes)) {
      const supply = spec.regions[r]?.supply[k] ?? 0;
      const u = used.get(`${r}/${k}`) ?? 0;
      const p = peak.get(`${r}/${k}`) ?? 0;
      if (claim.supply !== supply) problems.push(`usage: ${r}/${k} reports supply ${claim.supply}, the Spec says ${supply}`);
      if (Math.abs(claim.used - u) > 1e-6) problems.push(`usage: ${r}/${k} reports ${claim.used} used, the target uses ${u}`);
      if (Math.abs(claim.free - (supply - u)) > 1e-6) problems.push(`usage: ${r}/${k} reports ${claim.free} free, ${supply - u} is`);
      if (Math.abs(claim.peak - p) > 1e-6) problems.push(`usage: ${r}/${k} reports a peak of ${claim.peak}, the transition peaks at ${p}`);
    }
  }
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
