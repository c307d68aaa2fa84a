/**
 * Spec (or a fragment) → DSL text, for `globe convert --to globe`. The text
 * is built in a simple layout and then run through the formatter, so its
 * output is canonical by construction (a fixed point of `globe fmt`).
 */
import { dslValue, writtenKeys } from '../backend-config.js';
import type { Product, Reservation, Resource, Region, Service, Spec, Tenant, BackendConfig, PlannerSettings } from '../spec.js';
import { formatQuantity, formatSeconds, plainDecimal } from '../units.js';
import { propertiesOf, type SettingProperty } from '../properties.js';
import { settingStatement } from '../tenant-settings.js';
import { formatGlobe } from './format.js';

export function emitGlobe(spec: Spec): string {
  const blocks: string[] = [];
  for (const [name, r] of sorted(spec.resources)) blocks.push(resource(name, r));
  for (const [name, r] of sorted(spec.regions)) blocks.push(region(name, r));
  if (spec.latency.length > 0) blocks.push(latencyTable(spec));
  for (const [name, s] of sorted(spec.services)) blocks.push(service(name, s));
  for (const [name, r] of sorted(spec.reservations)) blocks.push(reservation(name, r));
  for (const [name, p] of sorted(spec.products)) blocks.push(product(name, p));
  if (spec.backend) blocks.push(backend(spec.backend));
  if (spec.planner) blocks.push(planner(spec.planner));
  const text = blocks.join('\n\n') + '\n';
  return formatGlobe(text, '<emitted>').text;
}

function sorted<T>(map: Record<string, T>): [string, T][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Plain decimals only: the DSL has no exponents (String(1e-7) would be `1e-7`). */
function num(n: number): string {
  return plainDecimal(n);
}

/** A map as `{ k = v  k = v }`, or one entry per line when long. */
function entries(map: Record<string, number>, value: (n: number) => string, indent: string): string {
  const items = sorted(map).map(([k, v]) => `${k} = ${value(v)}`);
  if (items.length === 0) return '{ }';
  if (items.length <= 4) return `{ ${items.join('  ')} }`;
  return `{\n${items.map((i) => `${indent}  ${i}`).join('\n')}\n${indent}}`;
}

function list(names: string[]): string {
  return `[${names.join(', ')}]`;
}

function resource(name: string, r: Resource): string {
  return `resource ${name} { unit = ${r.unit}  cost = ${num(r.cost)} }`;
}

function region(name: string, r: Region): string {
  return `region ${name} { locality = ${r.locality}  supply ${entries(r.supply, num, '')} }`;
}

function latencyTable(spec: Spec): string {
  const pairs = [...spec.latency].sort((x, y) => (x.a + ' ' + x.b < y.a + ' ' + y.b ? -1 : 1));
  return `latency {\n${pairs.map((p) => `  ${p.a} <-> ${p.b} = ${formatQuantity(p.ms, 'latency')}`).join('\n')}\n}`;
}

function service(name: string, s: Service): string {
  const lines: string[] = [];
  for (const [t, tenantSpec] of sorted(s.tenants)) lines.push(tenant(t, tenantSpec));
  for (const [p, c] of sorted(s.follows)) {
    lines.push(`  follows ${p} { ${sorted(c.perUnit).map(([k, v]) => `${k} = ${num(v)} per unit`).join('  ')} }`);
  }
  const residual = sorted(s.residual);
  if (residual.length > 0) {
    lines.push(`  residual {\n${residual.map(([r, m]) => `    ${r} ${entries(m, num, '    ')}`).join('\n')}\n  }`);
  }
  if (s.tolerateRegionFailure) lines.push('  tolerate region-failure');
  return `service ${name} {\n${lines.join('\n')}\n}`;
}

/** The structured tenant statements, by keyword; the settings are written from their declaration. */
const TENANT_STATEMENTS: Record<string, (t: Tenant) => string[]> = {
  demand: (t) => sorted(t.demand).map(([cls, byLoc]) => `demand ${cls} ${entries(byLoc, (v) => formatQuantity(v, 'rate'), '    ')}`),
  follows: (t) => sorted(t.follows ?? {}).map(([P, rates]) => `follows ${P} { ${sorted(rates).map(([cls, r]) => `${cls} = ${formatQuantity(r, 'rate')} per unit`).join('  ')} }`),
  latency: (t) => sorted(t.latency).map(([cls, ms]) => `latency ${cls} < ${formatQuantity(ms, 'latency')}`),
  replica: (t) => sorted(t.replicas).map(([k, o]) => `replica ${k} x${o.units} serves ${formatQuantity(o.serves, 'rate')}`),
  tolerate: (t) => (t.tolerateRegionFailure ? [t.aggregateDisasterReadiness ? 'tolerate region-failure aggregate' : 'tolerate region-failure'] : []),
};

/** A tenant's statements in the order of the language's table. */
function tenant(name: string, t: Tenant): string {
  const l: string[] = [];
  for (const p of propertiesOf('tenant')) {
    if (p.setting) {
      const statement = settingStatement(p as SettingProperty, t);
      if (statement !== undefined) l.push(statement);
    } else l.push(...TENANT_STATEMENTS[p.keyword](t));
  }
  return `  tenant ${name} {\n${l.map((x) => `    ${x}`).join('\n')}\n  }`;
}

function reservation(name: string, r: Reservation): string {
  const dr = r.tolerateRegionFailure ? '  tolerate region-failure' : '';
  return `reservation ${name} { ${r.resource} = ${num(r.amount)}  in ${r.locality}${dr} }`;
}

function product(name: string, p: Product): string {
  const l = [`demand ${entries(p.demand, num, '  ')}`, `latency < ${formatQuantity(p.latency, 'latency')}`];
  if (p.avoid.length > 0) l.push(`avoid ${list(p.avoid)}`);
  if (p.tolerateRegionFailure) l.push('tolerate region-failure');
  return `product ${name} {\n${l.map((x) => `  ${x}`).join('\n')}\n}`;
}

/** On one line when every value is a scalar (`backend file { path = "…" }`), else one key per line. */
function backend(b: BackendConfig): string {
  const written = writtenKeys(b);
  const l = written.map(([key, value]) => `${key.keyword} = ${dslValue(key, value)}`);
  if (l.length === 0) return `backend ${b.kind} {}`;
  if (written.every(([key]) => key.value !== 'argv')) return `backend ${b.kind} { ${l.join('  ')} }`;
  return `backend ${b.kind} {\n${l.map((x) => `  ${x}`).join('\n')}\n}`;
}

function planner(p: PlannerSettings): string {
  const l: string[] = [];
  for (const [k, v] of sorted((p.weights ?? {}) as Record<string, number>)) l.push(`${k === 'serviceBalance' ? 'service_balance' : k} = ${num(v)}`);
  if (p.timeLimitSeconds !== undefined) l.push(`time_limit = ${formatSeconds(p.timeLimitSeconds)}`);
  if (p.gapLimit !== undefined) l.push(`gap = ${formatQuantity(p.gapLimit, 'percent')}`);
  return `planner {\n${l.map((x) => `  ${x}`).join('\n')}\n}`;
}
