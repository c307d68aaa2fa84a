/**
 * Random small globe worlds for property tests and the soak (bench/soak-random-worlds.ts),
 * written from docs/language.md alone: fast-check arbitraries of a world's shape, rendered
 * as DSL text, so that every world also goes through the language's own loader.
 *
 * The shape covers what the language offers a planner: regions without supply, resources of
 * cost 0 (the default), self RTTs (including 0 ms), edge locations, every unit spelling
 * (ms and s, rps, %), latency tiers and durations, disaster readiness (`tolerate
 * region-failure` with `dr_latency`), avoid/only_in, min/max replicas, priorities,
 * reservations, products with follower services, and tenants that follow products.
 *
 * Worlds are valid: demand no region can serve (docs: `unreachable-demand`) is left out when
 * rendering, by the docs' rule, so the loader accepting a world is itself a check.
 * Indices in the shape are reduced modulo what exists, so fast-check's shrinking keeps the
 * world valid while it makes it smaller.
 */
import fc from 'fast-check';
import { parseGlobe } from '../../lang/dsl/index.js';
import { checkSpec } from '../../lang/check/index.js';
import { mergeFiles } from '../../lang/merge.js';
import type { Diagnostic } from '../../lang/diagnostics.js';
import type { SourceMap } from '../../lang/source-map.js';
import type { Spec } from '../../lang/spec.js';

export const REGION_NAMES = ['us-east', 'eu-west', 'r3', 'ap-south', 'r5', 'r6'] as const;
export const EDGE_NAMES = ['paris', 'tokyo'] as const;
export const RESOURCE_NAMES = ['cpu', 'h100', 'a100'] as const;
const LOCALITIES = ['na', 'eu'] as const;
const TIERS = { regional: 1, zonal: 20, continental: 70, global: 200 } as const;
const RTTS = [0, 1, 2, 5, 15, 20, 40, 62, 70, 75, 150, 250] as const;

/** How large and how rich the worlds may be. */
export interface WorldLimits {
  regions: number;
  tenants: number;
  resources: number;
  /** Disaster readiness of tenants (and, with productDr, of products and follower services). */
  dr: boolean;
  /** `tolerate region-failure` on products and follower services (no routing meaning in the docs). */
  productDr: boolean;
  /** DR modes the parser knows besides the plain one (`strict`, `aggregate`): see drModes(). */
  drModes: string[];
  products: boolean;
  reservations: boolean;
  /** A `planner { time_limit … gap … }` block now and then. */
  plannerBlock: boolean;
}

export const SMALL_WORLDS: WorldLimits = { regions: 4, tenants: 4, resources: 2, dr: true, productDr: true, drModes: [], products: true, reservations: true, plannerBlock: true };

/** A latency: a tier, or a duration in a unit. */
export type LatencySpelling = { tier: keyof typeof TIERS } | { ms: number; unit: 'ms' | 's' };

export interface ClassShape {
  threshold: LatencySpelling;
  /** Client location (an index over regions then edges) and rps (hundredths allowed). */
  demand: { loc: number; rps: number }[];
}

export interface TenantShape {
  service: number;
  priority?: number;
  classes: ClassShape[];
  options: { resource: number; units: number; serves: number }[];
  utilization?: number;
  dr?: { mode: number; drLatency?: LatencySpelling };
  avoid: number[];
  onlyIn: number[];
  minReplicas?: number;
  maxReplicas?: number;
  maxSurge?: number;
  follows?: { rate: number; threshold: LatencySpelling };
}

export interface WorldShape {
  resources: { cost?: number }[];
  regions: { locality: number; supply: (number | undefined)[] }[];
  /** RTT index per region pair (i < j), or unlisted; spelled in s when `inSeconds`. */
  pairs: { rtt?: number; inSeconds: boolean }[];
  selfRtt: (number | undefined)[];
  /** Per edge location: RTT index to each region (or unlisted). */
  edges: (number | undefined)[][];
  tenants: TenantShape[];
  reservation?: { resource: number; amount: number; locality: number; dr: boolean };
  product?: {
    shares?: number[];
    demand?: { loc: number; units: number }[];
    total?: number;
    latency: LatencySpelling;
    avoid: number[];
    dr: boolean;
    follower?: { perUnit: (number | undefined)[]; residual?: { region: number; resource: number; units: number }; dr: boolean };
  };
  planner?: { timeLimit: LatencySpelling; gapPercent: number };
  /** What runs now: nothing, the plan of this world with its demand scaled, or an arbitrary valid deployment. */
  current: { kind: 'empty' } | { kind: 'previous'; demandScale: number } | { kind: 'arbitrary'; seed: number; removedTenant: boolean };
}

const latencyArb: fc.Arbitrary<LatencySpelling> = fc.oneof(
  fc.record({ tier: fc.constantFrom<keyof typeof TIERS>('regional', 'zonal', 'continental', 'global') }),
  fc.record({ ms: fc.constantFrom(1, 5, 20, 45, 62, 70, 100, 160, 300), unit: fc.constantFrom<'ms' | 's'>('ms', 's') }),
);

/** rps with up to two decimals, sometimes round. */
const rpsArb = fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 150000 }).map((x) => x / 100));

export function worldShape(limits: WorldLimits = SMALL_WORLDS): fc.Arbitrary<WorldShape> {
  const R = limits.regions;
  const K = limits.resources;
  const regionIdx = fc.nat({ max: R - 1 });
  const classArb: fc.Arbitrary<ClassShape> = fc.record({
    threshold: latencyArb,
    demand: fc.array(fc.record({ loc: fc.nat({ max: R + EDGE_NAMES.length - 1 }), rps: rpsArb }), { minLength: 1, maxLength: 3 }),
  });
  const tenantArb: fc.Arbitrary<TenantShape> = fc.record(
    {
      service: fc.nat({ max: 1 }),
      priority: fc.constantFrom(0, 1, 10, 100),
      classes: fc.array(classArb, { minLength: 0, maxLength: 2 }),
      options: fc.array(fc.record({ resource: fc.nat({ max: K - 1 }), units: fc.integer({ min: 1, max: 4 }), serves: fc.constantFrom(50, 100, 150.5, 250, 400, 500) }), {
        minLength: 1,
        maxLength: 2,
      }),
      utilization: fc.constantFrom(50, 70, 80, 87.5, 100),
      dr: fc.record({ mode: fc.nat({ max: limits.drModes.length }), drLatency: fc.option(latencyArb, { nil: undefined }) }, { requiredKeys: ['mode'] }),
      avoid: fc.array(regionIdx, { maxLength: 2 }),
      onlyIn: fc.array(regionIdx, { maxLength: 3 }),
      minReplicas: fc.integer({ min: 1, max: 3 }),
      maxReplicas: fc.integer({ min: 1, max: 8 }),
      maxSurge: fc.integer({ min: 1, max: 4 }),
      follows: fc.record({ rate: fc.constantFrom(0.5, 1, 2, 3.25), threshold: latencyArb }),
    },
    { requiredKeys: ['service', 'classes', 'options', 'avoid', 'onlyIn'] },
  );
  const sparse = <T>(arb: fc.Arbitrary<T>, freq = 3) => fc.option(arb, { nil: undefined, freq });
  return fc.record(
    {
      resources: fc.array(fc.record({ cost: fc.constantFrom(0, 0.1, 1, 1.2, 3) }, { requiredKeys: [] }), { minLength: 1, maxLength: K }),
      regions: fc.array(fc.record({ locality: fc.nat({ max: LOCALITIES.length - 1 }), supply: fc.array(sparse(fc.integer({ min: 0, max: 30 })), { minLength: K, maxLength: K }) }), {
        minLength: 1,
        maxLength: R,
      }),
      pairs: fc.array(fc.record({ rtt: sparse(fc.nat({ max: RTTS.length - 1 }), 4), inSeconds: fc.boolean() }, { requiredKeys: ['inSeconds'] }), {
        minLength: (R * (R - 1)) / 2,
        maxLength: (R * (R - 1)) / 2,
      }),
      selfRtt: fc.array(fc.option(fc.constantFrom(0, 1, 2, 10), { nil: undefined, freq: 1 }), { minLength: R, maxLength: R }),
      edges: fc.array(fc.array(sparse(fc.nat({ max: RTTS.length - 1 }), 2), { minLength: R, maxLength: R }), { maxLength: EDGE_NAMES.length }),
      tenants: fc.array(tenantArb, { maxLength: limits.tenants }),
      reservation: fc.record({ resource: fc.nat({ max: K - 1 }), amount: fc.integer({ min: 0, max: 40 }), locality: fc.nat({ max: LOCALITIES.length - 1 }), dr: fc.boolean() }),
      product: fc.record(
        {
          shares: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 3 }),
          demand: fc.array(fc.record({ loc: fc.nat({ max: R + EDGE_NAMES.length - 1 }), units: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 3 }),
          total: fc.integer({ min: 1, max: 200 }),
          latency: latencyArb,
          avoid: fc.array(regionIdx, { maxLength: 1 }),
          dr: fc.boolean(),
          follower: fc.record(
            {
              perUnit: fc.array(sparse(fc.constantFrom(0.05, 0.1, 0.5, 0.96)), { minLength: K, maxLength: K }),
              residual: fc.record({ region: regionIdx, resource: fc.nat({ max: K - 1 }), units: fc.constantFrom(1, 2, 3.5) }),
              dr: fc.boolean(),
            },
            { requiredKeys: ['perUnit', 'dr'] },
          ),
        },
        { requiredKeys: ['latency', 'avoid', 'dr'] },
      ),
      planner: fc.record({ timeLimit: fc.constantFrom<LatencySpelling>({ ms: 30000, unit: 's' }, { ms: 20000, unit: 'ms' }, { ms: 60000, unit: 's' }), gapPercent: fc.constantFrom(0, 0.01, 0.1, 1) }),
      current: fc.oneof(
        fc.constant({ kind: 'empty' as const }),
        fc.record({ kind: fc.constant('previous' as const), demandScale: fc.constantFrom(0.5, 1.5, 2) }),
        fc.record({ kind: fc.constant('arbitrary' as const), seed: fc.nat(), removedTenant: fc.boolean() }),
      ),
    },
    { requiredKeys: ['resources', 'regions', 'pairs', 'selfRtt', 'edges', 'tenants', 'current'] },
  ).map((w) => ({
    ...w,
    // without DR: none for tenants, products and follower services (a reservation's N−1 spread stays)
    tenants: limits.dr ? w.tenants : w.tenants.map((t) => ({ ...t, dr: undefined })),
    reservation: limits.reservations ? w.reservation : undefined,
    product: !limits.products || !w.product ? undefined : limits.dr && limits.productDr ? w.product : { ...w.product, dr: false, follower: w.product.follower && { ...w.product.follower, dr: false } },
    planner: limits.plannerBlock ? w.planner : undefined,
  }));
}

/** What a world's text declares, resolved from its shape: names, RTTs and reachability, as the docs define them. */
class Resolved {
  readonly resources: string[];
  readonly regions: string[];
  readonly edges: string[];
  private readonly rtt = new Map<string, number>();

  constructor(readonly shape: WorldShape) {
    this.resources = shape.resources.map((_, i) => RESOURCE_NAMES[i]);
    this.regions = shape.regions.map((_, i) => REGION_NAMES[i]);
    let p = 0;
    for (let i = 0; i < REGION_NAMES.length; i++) {
      for (let j = i + 1; j < REGION_NAMES.length; j++) {
        const pair = i < this.regions.length && j < this.regions.length ? shape.pairs[p++] : undefined;
        if (pair?.rtt !== undefined) this.set(this.regions[i], this.regions[j], RTTS[pair.rtt]);
      }
    }
    this.regions.forEach((r, i) => shape.selfRtt[i] !== undefined && this.set(r, r, shape.selfRtt[i]!));
    this.edges = [];
    shape.edges.forEach((row, e) => {
      let declared = false;
      row.forEach((x, i) => {
        if (x !== undefined && i < this.regions.length) {
          this.set(EDGE_NAMES[e], this.regions[i], RTTS[x]);
          declared = true;
        }
      });
      if (declared) this.edges.push(EDGE_NAMES[e]);
    });
  }

  private set(a: string, b: string, ms: number): void {
    this.rtt.set(`${a}|${b}`, ms).set(`${b}|${a}`, ms);
  }

  /** docs: a location's RTT to itself defaults to 1 ms; an unlisted pair is unreachable. */
  latency(a: string, b: string): number {
    return this.rtt.get(`${a}|${b}`) ?? (a === b ? 1 : Infinity);
  }

  pairs(): [string, string, number][] {
    const out: [string, string, number][] = [];
    for (const [key, ms] of this.rtt) {
      const [a, b] = key.split('|');
      if (a <= b) out.push([a, b, ms]);
    }
    return out.sort();
  }

  location(i: number): string | undefined {
    const all = [...this.regions, ...this.edges];
    return all[i % Math.max(1, all.length)];
  }

  region(i: number): string {
    return this.regions[i % this.regions.length];
  }

  supply(region: string, resource: string): number {
    const i = this.regions.indexOf(region);
    return this.shape.regions[i]?.supply[this.resources.indexOf(resource)] ?? 0;
  }
}

function ms(l: LatencySpelling): number {
  return 'tier' in l ? TIERS[l.tier] : l.ms;
}

function spell(l: LatencySpelling): string {
  if ('tier' in l) return l.tier;
  return l.unit === 's' ? `${decimal(l.ms / 1000)}s` : `${l.ms}ms`;
}

/** A number as the language writes it: decimal, no exponent. */
function decimal(x: number): string {
  const s = String(Math.round(x * 1e6) / 1e6);
  if (!s.includes('e')) return s;
  return x.toFixed(6).replace(/\.?0+$/, '');
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export interface RenderOptions {
  /** Multiply every demand (a previous world to plan the current deployment from). */
  demandScale?: number;
  /** The DR modes the parser knows, as in WorldLimits.drModes. */
  drModes?: string[];
}

/** The world as one `*.globe` file. */
export function renderWorld(shape: WorldShape, options: RenderOptions = {}): string {
  const w = new Resolved(shape);
  const scale = options.demandScale ?? 1;
  const out: string[] = [];
  shape.resources.forEach((r, i) => out.push(`resource ${w.resources[i]} { unit = server${r.cost !== undefined ? `  cost = ${decimal(r.cost)}` : ''} }`));
  shape.regions.forEach((r, i) => {
    const supply = r.supply
      .map((n, k) => (n === undefined || k >= w.resources.length ? '' : `${w.resources[k]} = ${n}`))
      .filter(Boolean)
      .join('  ');
    out.push(`region ${w.regions[i]} { locality = ${LOCALITIES[r.locality]}${supply ? `  supply { ${supply} }` : ''} }`);
  });
  const pairs = w.pairs();
  if (pairs.length > 0) {
    out.push('latency {');
    let n = 0;
    for (const [a, b, v] of pairs) out.push(`  ${a} <-> ${b} = ${n++ % 2 === 1 && v > 0 ? `${decimal(v / 1000)}s` : `${v}ms`}`);
    out.push('}');
  }
  const product = shape.product;
  if (product) out.push(...renderProduct(w, product));
  if (shape.reservation) {
    const g = shape.reservation;
    const localities = unique(shape.regions.map((r) => LOCALITIES[r.locality]));
    out.push(`reservation batch { ${w.resources[g.resource % w.resources.length]} = ${g.amount}  in ${localities[g.locality % localities.length]}${g.dr ? '  tolerate region-failure' : ''} }`);
  }
  const services = new Map<number, string[]>();
  shape.tenants.forEach((t, i) => {
    const body = renderTenant(w, t, `t${i + 1}`, scale, product !== undefined, options.drModes ?? []);
    services.set(t.service, [...(services.get(t.service) ?? []), ...body]);
  });
  for (const [s, lines] of [...services].sort(([a], [b]) => a - b)) out.push(`service s${s + 1} {`, ...lines, '}');
  if (shape.planner) out.push(`planner { time_limit = ${spell(shape.planner.timeLimit)}  gap = ${decimal(shape.planner.gapPercent)}% }`);
  return out.join('\n') + '\n';
}

function renderProduct(w: Resolved, p: NonNullable<WorldShape['product']>): string[] {
  const out = ['product prod {'];
  if (p.shares) {
    const locs = unique(p.shares.map((_, i) => w.location(i * 3 + p.shares!.length)!));
    const weights = locs.map((_, i) => p.shares![i]);
    const sum = weights.reduce((a, b) => a + b, 0);
    // whole percents (a last one with a half now and then) that add up to exactly 100%
    const pct = weights.map((x) => Math.floor((x / sum) * 100));
    pct[pct.length - 1] += 100 - pct.reduce((a, b) => a + b, 0);
    if (pct.length > 1 && pct[0] > 1 && p.shares[0] % 2 === 0) {
      pct[0] -= 0.5;
      pct[pct.length - 1] += 0.5;
    }
    out.push(`  traffic { ${locs.map((l, i) => `${l} = ${decimal(pct[i])}%`).join('  ')} }`);
    if (p.total !== undefined) out.push(`  total = ${p.total}`);
  } else {
    const entries = new Map<string, number>();
    for (const d of p.demand ?? [{ loc: 0, units: 10 }]) entries.set(w.location(d.loc)!, d.units);
    out.push(`  demand { ${[...entries].map(([l, n]) => `${l} = ${n}`).join('  ')} }`);
  }
  out.push(`  latency < ${spell(p.latency)}`);
  const avoid = unique(p.avoid.map((i) => w.region(i)));
  if (avoid.length > 0) out.push(`  avoid [${avoid.join(', ')}]`);
  if (p.dr) out.push('  tolerate region-failure');
  out.push('}');
  if (p.follower) {
    const f = p.follower;
    out.push('service feed {');
    const per = f.perUnit.map((x, k) => (x === undefined || k >= w.resources.length ? '' : `${w.resources[k]} = ${decimal(x)} per unit`)).filter(Boolean);
    out.push(`  follows prod { ${per.length > 0 ? per.join('  ') : `${w.resources[0]} = 0.1 per unit`} }`);
    if (f.residual) {
      // mostly where it fits (a residual beyond the region's supply is a diagnostic, tried now and then)
      const k = w.resources[f.residual.resource % w.resources.length];
      const fits = (r: string) => w.supply(r, k) >= Math.ceil(f.residual!.units);
      const start = f.residual.region;
      const r = f.residual.units === 3.5 ? w.region(start) : (w.regions.map((_, i) => w.region(start + i)).find(fits) ?? w.region(start));
      if (f.residual.units === 3.5 || fits(r)) out.push(`  residual { ${r} { ${k} = ${decimal(f.residual.units)} } }`);
    }
    if (f.dr) out.push('  tolerate region-failure');
    out.push('}');
  }
  return out;
}

function renderTenant(w: Resolved, t: TenantShape, name: string, scale: number, hasProduct: boolean, drModes: string[]): string[] {
  const options = new Map<string, { units: number; serves: number }>();
  for (const o of t.options) options.set(w.resources[o.resource % w.resources.length], o);
  const avoid = unique(t.avoid.map((i) => w.region(i)));
  let onlyIn = unique(t.onlyIn.map((i) => w.region(i))).filter((r) => !avoid.includes(r));
  if (t.onlyIn.length > 0 && onlyIn.length === 0) onlyIn = []; // every only_in region avoided: drop only_in (docs: an error)
  const allowed = w.regions.filter((r) => !avoid.includes(r) && (onlyIn.length === 0 || onlyIn.includes(r)));
  // docs: a region can serve a client only if it can hold one whole replica of some option
  const withHardware = allowed.filter((r) => [...options].some(([k, o]) => w.supply(r, k) >= o.units));
  const reachable = (loc: string, threshold: number) => withHardware.some((r) => w.latency(loc, r) <= threshold);
  const lines = [`  tenant ${name} {`];
  if (t.priority !== undefined) lines.push(`    priority = ${t.priority}`);
  const classNames = ['read', 'write'];
  t.classes.forEach((c, i) => {
    const threshold = ms(c.threshold);
    const demand = new Map<string, number>();
    for (const d of c.demand) {
      const loc = w.location(d.loc);
      if (loc && reachable(loc, threshold)) demand.set(loc, Math.round(d.rps * scale * 100) / 100);
    }
    if (demand.size === 0) return;
    lines.push(`    demand ${classNames[i]} { ${[...demand].map(([l, r]) => `${l} = ${decimal(r)}rps`).join('  ')} }`);
    lines.push(`    latency ${classNames[i]} < ${spell(c.threshold)}`);
  });
  if (t.follows && hasProduct) {
    lines.push(`    follows prod { follow = ${decimal(t.follows.rate * scale)}rps per unit }`);
    lines.push(`    latency follow < ${spell(t.follows.threshold)}`);
  }
  for (const [k, o] of options) lines.push(`    replica ${k} x${o.units} serves ${decimal(o.serves)}rps`);
  if (t.utilization !== undefined) lines.push(`    target_utilization = ${decimal(t.utilization)}%`);
  if (t.dr) {
    const mode = t.dr.mode > 0 ? drModes[t.dr.mode - 1] : undefined;
    lines.push(`    tolerate region-failure${mode ? ` ${mode}` : ''}`);
    if (t.dr.drLatency) lines.push(`    dr_latency = ${spell(t.dr.drLatency)}`);
  }
  if (avoid.length > 0) lines.push(`    avoid [${avoid.join(', ')}]`);
  if (onlyIn.length > 0) lines.push(`    only_in [${onlyIn.join(' ')}]`);
  const max = t.maxReplicas;
  const min = t.minReplicas !== undefined && max !== undefined ? Math.min(t.minReplicas, max) : t.minReplicas;
  if (min !== undefined) lines.push(`    min_replicas = ${min}`);
  if (max !== undefined) lines.push(`    max_replicas = ${max}`);
  if (t.maxSurge !== undefined) lines.push(`    max_surge = ${t.maxSurge}`);
  lines.push('  }');
  return lines;
}

export type LoadedWorld = { ok: true; spec: Spec; sourceMap: SourceMap; warnings: Diagnostic[] } | { ok: false; errors: Diagnostic[] };

/** Load a world's text with the language's own reader and checks (what `globe plan` does with a project). */
export function loadWorld(text: string, file = 'world.globe'): LoadedWorld {
  const merged = mergeFiles([parseGlobe(text, file)]);
  const all = [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)];
  const errors = all.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, spec: merged.spec, sourceMap: merged.sourceMap, warnings: all.filter((d) => d.severity !== 'error') };
}

/** The DR modes (`tolerate region-failure MODE`) this build's parser accepts, probed once. */
export function drModes(): string[] {
  const modes: string[] = [];
  for (const mode of ['strict', 'aggregate']) {
    const probe = `resource cpu { unit = server }\nregion a { locality = na  supply { cpu = 1 } }\nservice s { tenant t { demand r { a = 1rps }  latency r < 5ms  replica cpu x1 serves 1rps  tolerate region-failure ${mode} } }\n`;
    if (loadWorld(probe).ok) modes.push(mode);
  }
  return modes;
}
