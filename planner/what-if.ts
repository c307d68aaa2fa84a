/**
 * What-if changes to a Spec, for `globe simulate`: a latency threshold, a
 * region's supply, a demand multiplier, a region's exit. Each returns a new
 * Spec; the user's files are never touched.
 */
import type { Spec, TenantId } from '../lang/spec.js';
import { parseQuantity } from '../lang/units.js';
import type { Plan } from '../schemas/plan.js';
import { GlobeError } from '../schemas/diagnostic.js';

export class WhatIfError extends GlobeError {
  readonly code = 'what-if';
}

/**
 * `service/tenant.latency.CLASS=20ms` or `region.NAME.supply.RESOURCE=10`.
 */
export function applySetting(spec: Spec, setting: string): Spec {
  const eq = setting.indexOf('=');
  if (eq < 0) throw new WhatIfError(`--set expects key=value, not ${setting}`);
  const key = setting.slice(0, eq);
  const value = setting.slice(eq + 1);
  const next = structuredClone(spec);
  const latency = /^([a-z][a-z0-9-]*)\/([a-z][a-z0-9-]*)\.latency\.([a-z][a-z0-9-]*)$/.exec(key);
  if (latency) {
    const [, service, tenant, cls] = latency;
    const t = next.services[service]?.tenants[tenant];
    if (!t) throw new WhatIfError(`--set ${key}: no tenant ${service}/${tenant}`);
    if (!(cls in t.latency)) throw new WhatIfError(`--set ${key}: tenant ${service}/${tenant} has no class ${cls}`);
    const r = parseQuantity(value, 'latency');
    if (!r.ok) throw new WhatIfError(`--set ${key}: ${r.message}`);
    t.latency[cls] = r.value;
    return next;
  }
  const supply = /^region\.([a-z][a-z0-9-]*)\.supply\.([a-z][a-z0-9-]*)$/.exec(key);
  if (supply) {
    const [, region, resource] = supply;
    if (!next.regions[region]) throw new WhatIfError(`--set ${key}: no region ${region}`);
    if (!next.resources[resource]) throw new WhatIfError(`--set ${key}: no resource ${resource}`);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new WhatIfError(`--set ${key}: supply must be a whole number, not ${value}`);
    next.regions[region].supply[resource] = n;
    return next;
  }
  throw new WhatIfError(`--set ${key}: unknown setting; use service/tenant.latency.CLASS=20ms or region.NAME.supply.RESOURCE=10`);
}

/** `x1.3`: every tenant's and product's demand times 1.3. */
export function scaleDemand(spec: Spec, factor: string): Spec {
  const m = /^x?([0-9]+(?:\.[0-9]+)?)$/.exec(factor);
  if (!m) throw new WhatIfError(`--demand expects a multiplier such as x1.3, not ${factor}`);
  const k = Number(m[1]);
  const next = structuredClone(spec);
  for (const s of Object.values(next.services)) {
    for (const t of Object.values(s.tenants)) for (const byLoc of Object.values(t.demand)) for (const loc of Object.keys(byLoc)) byLoc[loc] *= k;
  }
  for (const p of Object.values(next.products)) for (const loc of Object.keys(p.demand)) p.demand[loc] *= k;
  return next;
}

/** A region leaving: its supply drops to zero, so the plan evacuates it. */
export function exitRegion(spec: Spec, region: string): Spec {
  if (!spec.regions[region]) throw new WhatIfError(`--exit: no region ${region}`);
  const next = structuredClone(spec);
  for (const k of Object.keys(next.regions[region].supply)) next.regions[region].supply[k] = 0;
  return next;
}

/**
 * How an exit's plan evacuates the region, in one sentence: the waves it takes to reach zero there,
 * or what the region still holds when the plan ends (the wave limit, or nowhere else to go).
 */
export function evacuationReport(plan: Plan, region: string): string {
  const held = plan.diff.regions.filter((r) => r.region === region);
  const before = held.reduce((n, r) => n + r.before, 0);
  const waves = plan.waves?.length ?? (plan.moves.length > 0 ? 1 : 0);
  const inWaves = `${waves} wave${waves === 1 ? '' : 's'}`;
  if (before === 0) return `${region} holds nothing now: there is nothing to evacuate.`;
  const left = held.filter((r) => r.after > 0).map((r) => `${fmt(r.after)} ${r.resource}`);
  if (left.length > 0) return `${region} still holds ${left.join(', ')} after ${inWaves}: the evacuation does not finish in this plan.`;
  return `${region} reaches zero in ${inWaves}.`;
}

function fmt(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

/** `inference/ranker.latency.read=20ms,70ms,200ms` → the key and each value. */
export function parseSweep(sweep: string): { key: string; values: string[] } {
  const eq = sweep.indexOf('=');
  if (eq < 0) throw new WhatIfError(`--sweep expects key=v1,v2,..., not ${sweep}`);
  const values = sweep.slice(eq + 1).split(',').filter((v) => v !== '');
  if (values.length === 0) throw new WhatIfError('--sweep needs at least one value');
  return { key: sweep.slice(0, eq), values };
}

export function totalReplicas(tenants: Record<TenantId, { replicas: Record<string, Record<string, number>> }>): number {
  let n = 0;
  for (const t of Object.values(tenants)) for (const byRes of Object.values(t.replicas)) for (const c of Object.values(byRes)) n += c;
  return n;
}

/**
 * A new region: `--turn-up eu-south --locality eu --supply cpu=300,h100=8
 * --latency eu-west=12ms,eu-central=15ms`. Returns the Spec with it added.
 */
export function turnUpRegion(spec: Spec, region: string, locality: string | undefined, supply: string | undefined, latency: string | undefined): Spec {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(region)) throw new WhatIfError(`--turn-up: \`${region}\` is not a valid region name`);
  if (spec.regions[region]) throw new WhatIfError(`--turn-up: region ${region} already exists`);
  if (!locality) throw new WhatIfError('--turn-up needs --locality');
  const next = structuredClone(spec);
  const units: Record<string, number> = {};
  for (const item of (supply ?? '').split(',').filter((x) => x !== '')) {
    const m = /^([a-z][a-z0-9-]*)=([0-9]+)$/.exec(item);
    if (!m || !next.resources[m[1]]) throw new WhatIfError(`--supply: expected resource=units with a declared resource, not ${item}`);
    units[m[1]] = Number(m[2]);
  }
  next.regions[region] = { locality, supply: units };
  for (const item of (latency ?? '').split(',').filter((x) => x !== '')) {
    const [other, value] = item.split('=');
    if (!other || value === undefined || (!next.regions[other] && !next.latency.some((p) => p.a === other || p.b === other))) {
      throw new WhatIfError(`--latency: expected location=RTT with a known location, not ${item}`);
    }
    const r = parseQuantity(value, 'latency');
    if (!r.ok) throw new WhatIfError(`--latency ${other}: ${r.message}`);
    const [a, b] = region < other ? [region, other] : [other, region];
    next.latency.push({ a, b, ms: r.value });
  }
  next.latency.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  return next;
}
