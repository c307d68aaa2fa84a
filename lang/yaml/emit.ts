/**
 * Spec (or a fragment) → YAML source form, for `globe convert --to yaml`.
 * Keys are sorted; small mappings of scalars are written inline (flow style)
 * the way a person would write them: `supply: { h100: 40, cpu: 800 }`.
 */
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import { writtenKeys, yamlValue } from '../backend-config.js';
import type { Spec, Tenant } from '../spec.js';
import { propertiesOf } from '../properties.js';
import { writtenValue } from '../tenant-settings.js';
import { formatQuantity, formatSeconds } from '../units.js';

export function emitYaml(spec: Spec, options: { schemaPath?: string } = {}): string {
  const doc = new Document(toSourceForm(spec));
  visit(doc, {
    Map(_, node) {
      const scalarsOnly = node.items.every((p) => isScalar(p.value) || (isSeq(p.value) && p.value.items.every(isScalar)));
      if (scalarsOnly && node.items.length <= 6) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  // Top-level and definition-level maps are never inline.
  if (isMap(doc.contents)) doc.contents.flow = false;
  const header = options.schemaPath ? `# yaml-language-server: $schema=${options.schemaPath}\n` : '';
  return header + doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

function sortedObject<T, U>(map: Record<string, T>, f: (v: T, k: string) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const k of Object.keys(map).sort()) out[k] = f(map[k], k);
  return out;
}

function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.keys(o).length > 0 ? o : undefined;
}

function toSourceForm(spec: Spec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (nonEmpty(spec.resources)) out.resources = sortedObject(spec.resources, (r) => ({ unit: r.unit, cost: r.cost }));
  if (nonEmpty(spec.regions)) out.regions = sortedObject(spec.regions, (r) => ({ locality: r.locality, supply: sortedObject(r.supply, (n) => n) }));
  if (spec.latency.length > 0) {
    const rows: Record<string, Record<string, string>> = {};
    for (const p of spec.latency) (rows[p.a] ??= {})[p.b] = formatQuantity(p.ms, 'latency');
    out.latency = sortedObject(rows, (row) => sortedObject(row, (v) => v));
  }
  if (nonEmpty(spec.services)) {
    out.services = sortedObject(spec.services, (s) => {
      const svc: Record<string, unknown> = {};
      if (nonEmpty(s.tenants)) svc.tenants = sortedObject(s.tenants, tenant);
      if (nonEmpty(s.follows)) svc.follows = sortedObject(s.follows, (c) => sortedObject(c.perUnit, (n) => n));
      if (nonEmpty(s.residual)) svc.residual = sortedObject(s.residual, (m) => sortedObject(m, (n) => n));
      if (s.tolerateRegionFailure) svc.tolerate = 'region-failure';
      return svc;
    });
  }
  if (nonEmpty(spec.reservations)) {
    out.reservations = sortedObject(spec.reservations, (r) => ({
      resource: r.resource,
      amount: r.amount,
      in: r.locality,
      ...(r.tolerateRegionFailure ? { tolerate: 'region-failure' } : {}),
    }));
  }
  if (nonEmpty(spec.products)) {
    out.products = sortedObject(spec.products, (p) => ({
      demand: sortedObject(p.demand, (n) => n),
      latency: formatQuantity(p.latency, 'latency'),
      ...(p.avoid.length > 0 ? { avoid: [...p.avoid] } : {}),
      ...(p.tolerateRegionFailure ? { tolerate: 'region-failure' } : {}),
    }));
  }
  if (spec.backend) {
    const b = spec.backend;
    out.backend = { kind: b.kind, ...Object.fromEntries(writtenKeys(b).map(([key, value]) => [key.keyword, yamlValue(key, value)])) };
  }
  if (spec.planner) {
    const p = spec.planner;
    out.planner = {
      ...(p.weights ? { weights: sortedObject(renameKeys(p.weights as Record<string, number>, { serviceBalance: 'service_balance' }), (n) => n) } : {}),
      ...(p.timeLimitSeconds !== undefined ? { time_limit: formatSeconds(p.timeLimitSeconds) } : {}),
      ...(p.gapLimit !== undefined ? { gap: formatQuantity(p.gapLimit, 'percent') } : {}),
    };
  }
  return out;
}

/** The structured parts of a tenant, by keyword; the settings are written from their declaration. */
const TENANT_PARTS: Record<string, (t: Tenant) => Record<string, unknown>> = {
  demand: (t) => ({ demand: sortedObject(t.demand, (byLoc) => sortedObject(byLoc, (v) => formatQuantity(v, 'rate'))) }),
  follows: (t) => (t.follows ? { follows: sortedObject(t.follows, (rates) => sortedObject(rates, (v) => formatQuantity(v, 'rate'))) } : {}),
  latency: (t) => ({ latency: sortedObject(t.latency, (ms) => formatQuantity(ms, 'latency')) }),
  replica: (t) => ({ replicas: sortedObject(t.replicas, (o) => ({ units: o.units, serves: formatQuantity(o.serves, 'rate') })) }),
  tolerate: (t) => (t.tolerateRegionFailure ? { tolerate: t.aggregateDisasterReadiness ? 'region-failure aggregate' : 'region-failure' } : {}),
};

/** A tenant's keys in the order of the language's table. */
function tenant(t: Tenant): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of propertiesOf('tenant')) {
    if (p.setting) {
      const v = writtenValue(t, p.setting);
      if (v !== undefined) out[p.yamlKey] = v;
    } else Object.assign(out, TENANT_PARTS[p.keyword](t));
  }
  return out;
}

function renameKeys(map: Record<string, number>, names: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(map)) out[names[k] ?? k] = v;
  return out;
}
