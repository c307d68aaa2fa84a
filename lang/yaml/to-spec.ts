/**
 * Lowering of a schema-valid YAML document to the Spec fragment, with the
 * same defaults and the same SourceMap paths as the DSL's lowering, so the
 * two spellings mean exactly the same thing.
 */
import { buildBackendConfig } from '../backend-config.js';
import { backendKind, type BackendName } from '../backend-kinds.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { LoadedFile } from '../loaded-file.js';
import type { SourceMap } from '../source-map.js';
import { emptySpec, sortLatency, type BackendConfig, type PlannerSettings, type Product, type Service, type Spec, type Tenant } from '../spec.js';
import { TENANT_SETTINGS, newTenant, setSetting } from '../tenant-settings.js';
import { parseQuantity, parseSeconds, type QuantityKind } from '../units.js';
import type { YamlPositions } from './positions.js';

/** The YAML source form, as described by schemas/spec.schema.json. */
export interface YamlSpec {
  resources?: Record<string, { unit: string; cost?: number }>;
  regions?: Record<string, { locality: string; supply?: Record<string, number> }>;
  latency?: Record<string, Record<string, string>>;
  services?: Record<string, YamlService>;
  reservations?: Record<string, { resource: string; amount: number; in: string; tolerate?: string }>;
  products?: Record<string, YamlProduct>;
  backend?: YamlBackend;
  planner?: { weights?: Record<string, number>; time_limit?: string; gap?: string };
}

interface YamlService {
  tenants?: Record<string, YamlTenant>;
  follows?: Record<string, Record<string, number>>;
  residual?: Record<string, Record<string, number>>;
  tolerate?: string;
}

/** A tenant's structured parts; its settings (priority, avoid, …) are read by their YAML keys from lang/properties.ts. */
interface YamlTenant {
  demand?: Record<string, Record<string, string>>;
  follows?: Record<string, Record<string, string>>;
  latency: Record<string, string>;
  replicas: Record<string, { units: number; serves: string }>;
  tolerate?: string;
}

interface YamlProduct {
  demand?: Record<string, number>;
  traffic?: Record<string, string>;
  total?: number;
  latency: string;
  avoid?: string[];
  tolerate?: string;
}

/** A backend: its kind and, by YAML key, the values its declaration (lang/backend-kinds.ts) takes; the schema has checked them. */
type YamlBackend = { kind: BackendName } & Record<string, unknown>;

export function lowerYaml(y: YamlSpec, pos: YamlPositions): LoadedFile {
  const spec: Spec = emptySpec();
  const sourceMap: SourceMap = new Map();
  const diagnostics: Diagnostic[] = [];
  const key = (specPath: string, yamlPath: (string | number)[]) => sourceMap.set(specPath, pos.keySpan(yamlPath));
  const val = (specPath: string, yamlPath: (string | number)[]) => sourceMap.set(specPath, pos.valueSpan(yamlPath));
  /** The schema has checked the pattern; a failure here would be a schema bug, reported rather than thrown. */
  const q = (text: string, kind: QuantityKind, yamlPath: (string | number)[]): number => {
    const r = parseQuantity(text, kind);
    if (r.ok) return r.value;
    diagnostics.push(error(r.code, r.message, pos.valueSpan(yamlPath)));
    return 0;
  };

  for (const [name, r] of entries(y.resources)) {
    key(`resources/${name}`, ['resources', name]);
    spec.resources[name] = { unit: r.unit, cost: r.cost ?? 0 };
    if (r.cost !== undefined) val(`resources/${name}/cost`, ['resources', name, 'cost']);
  }

  for (const [name, r] of entries(y.regions)) {
    key(`regions/${name}`, ['regions', name]);
    val(`regions/${name}/locality`, ['regions', name, 'locality']);
    if (r.supply) key(`regions/${name}/supply`, ['regions', name, 'supply']);
    for (const res of Object.keys(r.supply ?? {})) key(`regions/${name}/supply/${res}`, ['regions', name, 'supply', res]);
    spec.regions[name] = { locality: r.locality, supply: { ...(r.supply ?? {}) } };
  }

  for (const [a, row] of entries(y.latency)) {
    for (const [b, text] of entries(row)) {
      const ms = q(text, 'latency', ['latency', a, b]);
      const [x, z] = a <= b ? [a, b] : [b, a];
      const path = `latency/${x}/${z}`;
      const existing = spec.latency.find((p) => p.a === x && p.b === z);
      if (existing) {
        if (existing.ms !== ms) {
          diagnostics.push(
            error('latency-conflict', `latency between \`${x}\` and \`${z}\` is given twice with different values (${existing.ms}ms and ${ms}ms)`, pos.keySpan(['latency', a, b]), [
              { message: 'first given here', span: sourceMap.get(path)! },
            ]),
          );
        }
        continue;
      }
      key(path, ['latency', a, b]);
      spec.latency.push({ a: x, b: z, ms });
    }
  }

  for (const [name, s] of entries(y.services)) {
    const base = `services/${name}`;
    key(base, ['services', name]);
    const service: Service = { tenants: {}, follows: {}, residual: {}, tolerateRegionFailure: s.tolerate === 'region-failure' };
    if (s.tolerate) val(`${base}/tolerateRegionFailure`, ['services', name, 'tolerate']);
    for (const [t, ty] of entries(s.tenants)) {
      service.tenants[t] = lowerTenant(ty, `${base}/tenants/${t}`, ['services', name, 'tenants', t], key, val, q);
    }
    for (const [p, perUnit] of entries(s.follows)) {
      key(`${base}/follows/${p}`, ['services', name, 'follows', p]);
      for (const res of Object.keys(perUnit)) key(`${base}/follows/${p}/perUnit/${res}`, ['services', name, 'follows', p, res]);
      service.follows[p] = { perUnit: { ...perUnit } };
    }
    for (const [r, amounts] of entries(s.residual)) {
      key(`${base}/residual/${r}`, ['services', name, 'residual', r]);
      for (const res of Object.keys(amounts)) key(`${base}/residual/${r}/${res}`, ['services', name, 'residual', r, res]);
      service.residual[r] = { ...amounts };
    }
    spec.services[name] = service;
  }

  for (const [name, r] of entries(y.reservations)) {
    const base = `reservations/${name}`;
    key(base, ['reservations', name]);
    val(`${base}/resource`, ['reservations', name, 'resource']);
    val(`${base}/amount`, ['reservations', name, 'amount']);
    val(`${base}/locality`, ['reservations', name, 'in']);
    if (r.tolerate) val(`${base}/tolerateRegionFailure`, ['reservations', name, 'tolerate']);
    spec.reservations[name] = { resource: r.resource, amount: r.amount, locality: r.in, tolerateRegionFailure: r.tolerate === 'region-failure' };
  }

  for (const [name, p] of entries(y.products)) {
    const base = `products/${name}`;
    key(base, ['products', name]);
    val(`${base}/latency`, ['products', name, 'latency']);
    const product: Product = {
      demand: {},
      latency: q(p.latency, 'latency', ['products', name, 'latency']),
      avoid: [...(p.avoid ?? [])],
      tolerateRegionFailure: p.tolerate === 'region-failure',
    };
    if (p.tolerate) val(`${base}/tolerateRegionFailure`, ['products', name, 'tolerate']);
    (p.avoid ?? []).forEach((_, i) => val(`${base}/avoid/${i}`, ['products', name, 'avoid', i]));
    if (p.demand && p.traffic) {
      diagnostics.push(error('schema', `product \`${name}\` gives both \`traffic\` and \`demand\`: use one`, pos.keySpan(['products', name, 'traffic'])));
    }
    for (const [loc, n] of entries(p.demand)) {
      key(`${base}/demand/${loc}`, ['products', name, 'demand', loc]);
      product.demand[loc] = n;
    }
    if (p.traffic) {
      const total = p.total ?? 100;
      let sum = 0;
      for (const [loc, text] of entries(p.traffic)) {
        key(`${base}/demand/${loc}`, ['products', name, 'traffic', loc]);
        const share = q(text, 'percent', ['products', name, 'traffic', loc]);
        sum += share;
        product.demand[loc] = total * share;
      }
      if (Math.abs(sum - 1) > 1e-9) {
        diagnostics.push(
          error('traffic-sum', `traffic shares of product \`${name}\` add up to ${Math.round(sum * 1e8) / 1e6}%, not 100%`, pos.keySpan(['products', name, 'traffic'])),
        );
      }
    }
    if (p.total !== undefined) val(`${base}/total`, ['products', name, 'total']);
    spec.products[name] = product;
  }

  if (y.backend) {
    key('backend', ['backend']);
    spec.backend = lowerBackend(y.backend, (t, keyword) => q(t, 'duration', ['backend', keyword]));
  }
  if (y.planner) {
    key('planner', ['planner']);
    const settings: PlannerSettings = {};
    if (y.planner.weights) {
      settings.weights = {};
      for (const [w, v] of Object.entries(y.planner.weights)) {
        const field = w === 'service_balance' ? 'serviceBalance' : w;
        (settings.weights as Record<string, number>)[field] = v;
        val(`planner/weights/${field}`, ['planner', 'weights', w]);
      }
    }
    if (y.planner.time_limit !== undefined) {
      const ms = q(y.planner.time_limit, 'duration', ['planner', 'time_limit']);
      // In seconds straight from the text: ms / 1000 is not always the number written.
      const seconds = parseSeconds(y.planner.time_limit);
      settings.timeLimitSeconds = seconds.ok ? seconds.value : ms / 1000;
      val('planner/timeLimitSeconds', ['planner', 'time_limit']);
    }
    if (y.planner.gap !== undefined) {
      settings.gapLimit = q(y.planner.gap, 'percent', ['planner', 'gap']);
      val('planner/gapLimit', ['planner', 'gap']);
    }
    spec.planner = settings;
  }
  sortLatency(spec.latency);
  return { spec, sourceMap, diagnostics };
}

function lowerTenant(
  t: YamlTenant,
  base: string,
  at: (string | number)[],
  key: (specPath: string, yamlPath: (string | number)[]) => void,
  val: (specPath: string, yamlPath: (string | number)[]) => void,
  q: (text: string, kind: QuantityKind, yamlPath: (string | number)[]) => number,
): Tenant {
  key(base, at);
  const tenant = newTenant();
  tenant.tolerateRegionFailure = t.tolerate !== undefined && t.tolerate.startsWith('region-failure');
  if (t.tolerate === 'region-failure aggregate') tenant.aggregateDisasterReadiness = true;
  for (const [cls, byLoc] of entries(t.demand)) {
    key(`${base}/demand/${cls}`, [...at, 'demand', cls]);
    tenant.demand[cls] = {};
    for (const [loc, text] of entries(byLoc)) {
      key(`${base}/demand/${cls}/${loc}`, [...at, 'demand', cls, loc]);
      tenant.demand[cls][loc] = q(text, 'rate', [...at, 'demand', cls, loc]);
    }
  }
  for (const [P, rates] of entries(t.follows)) {
    key(`${base}/follows/${P}`, [...at, 'follows', P]);
    const out: Record<string, number> = {};
    for (const [cls, text] of entries(rates)) {
      key(`${base}/follows/${P}/${cls}`, [...at, 'follows', P, cls]);
      out[cls] = q(text, 'rate', [...at, 'follows', P, cls]);
    }
    (tenant.follows ??= {})[P] = out;
  }
  for (const [cls, text] of entries(t.latency)) {
    key(`${base}/latency/${cls}`, [...at, 'latency', cls]);
    tenant.latency[cls] = q(text, 'latency', [...at, 'latency', cls]);
  }
  for (const [res, o] of entries(t.replicas)) {
    key(`${base}/replicas/${res}`, [...at, 'replicas', res]);
    tenant.replicas[res] = { units: o.units, serves: q(o.serves, 'rate', [...at, 'replicas', res, 'serves']) };
  }
  if (t.tolerate) val(`${base}/tolerateRegionFailure`, [...at, 'tolerate']);
  for (const { yamlKey, setting } of TENANT_SETTINGS) {
    const v = (t as unknown as Record<string, unknown>)[yamlKey];
    if (v === undefined) continue;
    const path = `${base}/${setting.field}`;
    if (setting.kind === 'names') {
      // The schema has checked it is a list of names.
      const names = v as string[];
      names.forEach((_, i) => val(`${path}/${i}`, [...at, yamlKey, i]));
      key(path, [...at, yamlKey]);
      setSetting(tenant, setting, [...names]);
    } else {
      // Integers arrive as numbers, quantities as text; the schema has checked both (and the ranges).
      val(path, [...at, yamlKey]);
      setSetting(tenant, setting, setting.kind === 'integer' ? (v as number) : q(v as string, setting.kind, [...at, yamlKey]));
    }
  }
  return tenant;
}

/** The config by the kind's declaration: argv lists copied, durations in ms, defaults filled. */
function lowerBackend(b: YamlBackend, duration: (text: string, keyword: string) => number): BackendConfig {
  return buildBackendConfig(backendKind(b.kind), (key) => {
    const v = b[key.keyword];
    if (v === undefined) return undefined;
    if (key.value === 'argv') return [...(v as string[])];
    return key.value === 'duration' ? duration(v as string, key.keyword) : v;
  });
}

function entries<T>(map: Record<string, T> | undefined): [string, T][] {
  return Object.entries(map ?? {});
}
