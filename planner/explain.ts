/**
 * Shortage and infeasibility in the user's words: which tenant, class and
 * client location, how much, and why — with the Spec path of the intent so
 * the CLI can show the line that asked for it.
 */
import type { SourceSpan } from '../lang/diagnostics.js';
import type { World } from './model/world.js';
import type { Placement } from './placement.js';

export interface PlannerFinding {
  severity: 'error' | 'warning';
  code: 'unserved-demand' | 'unserved-traffic' | 'reservation-short' | 'dr-not-met' | 'solver-failed' | 'time-limit';
  message: string;
  /** Spec path of the intent at fault (look it up in the SourceMap). */
  path?: string;
  span?: SourceSpan;
}

export function explainPlacement(world: World, placement: Placement): PlannerFinding[] {
  const findings: PlannerFinding[] = [];
  for (const t of world.tenants) {
    const unserved = placement.unserved[t.id];
    if (!unserved) continue;
    for (const cls of Object.keys(unserved).sort()) {
      for (const client of Object.keys(unserved[cls]).sort()) {
        const rps = unserved[cls][client];
        const demand = t.spec.demand[cls]?.[client] ?? 0;
        findings.push({
          severity: 'warning',
          code: 'unserved-demand',
          message: `${fmt(rps)} of ${fmt(demand)} rps of \`${t.id}\` class \`${cls}\` from \`${client}\` cannot be served: ${whyUnserved(world, t.id, cls, client, placement)}`,
          path: `services/${t.service}/tenants/${t.name}/demand/${cls}/${client}`,
        });
      }
    }
  }
  for (const [P, byClient] of Object.entries(placement.unservedProducts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [client, q] of Object.entries(byClient).sort(([a], [b]) => (a < b ? -1 : 1))) {
      findings.push({
        severity: 'warning',
        code: 'unserved-traffic',
        message: `${fmt(q)} units of product \`${P}\` traffic from \`${client}\` cannot be served within ${world.spec.products[P].latency}ms`,
        path: `products/${P}/demand/${client}`,
      });
    }
  }
  for (const [name, g] of Object.entries(world.spec.reservations).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const placed = Object.values(placement.target.reservations[name] ?? {});
    const total = placed.reduce((a, b) => a + b, 0);
    const worst = g.tolerateRegionFailure ? total - Math.max(0, ...placed) : total;
    if (worst + 1e-6 < g.amount) {
      findings.push({
        severity: 'warning',
        code: 'reservation-short',
        message: `reservation \`${name}\` holds ${fmt(worst)} of ${g.amount} ${g.resource}${g.tolerateRegionFailure ? ' after the loss of its largest region' : ''}: supply of ${g.resource} in locality \`${g.locality}\` is short`,
        path: `reservations/${name}/amount`,
      });
    }
  }
  for (const [id, dr] of Object.entries(placement.disasterReadiness).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (dr.met) continue;
    const [service, name] = id.split('/');
    findings.push({
      severity: 'warning',
      code: 'dr-not-met',
      message: `\`${id}\` does not survive the loss of \`${dr.worstRegion}\`: ${fmt(dr.shortfall ?? 0)} rps of capacity short${drReason(world, id)}`,
      path: `services/${service}/tenants/${name}/tolerateRegionFailure`,
    });
  }
  for (const [P, dr] of Object.entries(placement.productReadiness ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (dr.met) continue;
    const losses = Object.entries(dr.lost ?? {}).map(([r, units]) => `\`${r}\` (${fmt(units)} units of traffic lost)`);
    findings.push({
      severity: 'warning',
      code: 'dr-not-met',
      message: `product \`${P}\` does not survive the loss of ${losses.join(', ')}: the follower capacity left within ${world.spec.products[P].latency}ms cannot carry its traffic`,
      path: `products/${P}/tolerateRegionFailure`,
    });
  }
  if (placement.solver.status === 'time-limit') {
    findings.push({
      severity: 'warning',
      code: 'time-limit',
      message: `the solver stopped at its time limit with a feasible plan ${(placement.solver.gap * 100).toFixed(2)}% from the best bound; raise --time-limit for a better one`,
    });
  }
  return findings;
}

function whyUnserved(world: World, id: string, cls: string, client: string, placement: Placement): string {
  const t = world.tenants.find((x) => x.id === id)!;
  const threshold = t.spec.latency[cls] ?? 0;
  const resources = t.resources;
  const hardware = resources.join(' or ');
  const reachable = t.regions.filter((r) => world.latency(client, r) <= threshold);
  if (reachable.length === 0) {
    const nearest = [...t.regions].sort((a, b) => world.latency(client, a) - world.latency(client, b))[0];
    return nearest
      ? `no allowed region is within ${threshold}ms (the nearest, \`${nearest}\`, is ${rtt(world.latency(client, nearest))})`
      : 'avoid/only_in leave no region to run in';
  }
  const withHardware = reachable.filter((r) => resources.some((k) => world.supply(r, k) > 0));
  if (withHardware.length === 0) return `no region within ${threshold}ms (${reachable.join(', ')}) has ${hardware}`;
  const placeable = t.regions.filter((r) => resources.some((k) => world.supply(r, k) > 0));
  if (t.spec.tolerateRegionFailure && placeable.length <= 1) {
    return `\`tolerate region-failure\` asks that losing any one region loses no served demand, and \`${id}\` can run only in ${placeable.map((r) => `\`${r}\``).join('') || 'no region'}: allow a second region with ${hardware}, or drop \`tolerate region-failure\``;
  }
  const free = withHardware.map((r) => `${r}: ${resources.map((k) => `${fmt(placement.usage[r]?.[k]?.free ?? world.supply(r, k))} ${k} free`).join(', ')}`);
  return `supply of ${hardware} in the regions within ${threshold}ms is short (${free.join('; ')}); higher-priority demand is served first`;
}

function drReason(world: World, id: string): string {
  const t = world.tenants.find((x) => x.id === id);
  if (!t) return '';
  const reachable = new Set<string>();
  for (const [cls, byLoc] of Object.entries(t.spec.demand)) {
    for (const client of Object.keys(byLoc)) {
      for (const r of t.regions) if (world.latency(client, r) <= (t.spec.latency[cls] ?? 0) && t.resources.some((k) => world.supply(r, k) > 0)) reachable.add(r);
    }
  }
  return reachable.size <= 1 ? ` (only ${[...reachable].join(', ') || 'no region'} can serve it within its latency thresholds)` : ' (supply in the other regions is short)';
}

function rtt(ms: number): string {
  return Number.isFinite(ms) ? `${ms}ms away` : 'not connected in the latency table';
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
