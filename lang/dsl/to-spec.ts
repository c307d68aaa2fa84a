/**
 * Lowering: the DSL's generic statement tree → a Spec fragment, a SourceMap
 * and diagnostics. This is where each statement's meaning, its allowed
 * place, its units and its defaults live; the simple tenant properties are
 * read from their declaration (lang/properties.ts) instead.
 */
import type { IToken } from 'chevrotain';
import { buildBackendConfig, ENV_VAR_PATTERN, exampleValue, requiredHint } from '../backend-config.js';
import { BACKEND_NAMES, backendKind, backendNamesInWords, isBackendName, type BackendKey, type BackendKind } from '../backend-kinds.js';
import { warning, type Diagnostic } from '../diagnostics.js';
import { propertiesOf, type BlockKind, type SettingProperty } from '../properties.js';
import type { SourceMap } from '../source-map.js';
import { sortLatency, type BackendConfig, type Product, type Service, type Spec, type Tenant } from '../spec.js';
import { didYouMean } from '../suggest.js';
import { newTenant, setSetting, tenantSetting } from '../tenant-settings.js';
import { NUMBER_MAX, parseSeconds } from '../units.js';
import { firstToken, type Statement, type Value } from './ast.js';
import { LoweringBase } from './lowering-base.js';

export { NAME_PATTERN } from './lowering-base.js';

/** The keywords of a block, from the language's table, sorted. */
function keywords(block: BlockKind): string[] {
  return propertiesOf(block)
    .map((p) => p.keyword)
    .sort();
}

/** What may appear in each kind of block: used for "unknown keyword" messages and suggestions. */
const ALLOWED: Record<string, string[]> = {
  top: keywords('top'),
  resource: keywords('resource'),
  region: keywords('region'),
  service: keywords('service'),
  tenant: keywords('tenant'),
  reservation: [...keywords('reservation'), '<resource> = <units>'],
  product: keywords('product'),
  ...Object.fromEntries(BACKEND_NAMES.map((name) => [`backend ${name}`, keywords(`backend ${name}`)])),
  planner: keywords('planner'),
};

export function lowerToSpec(statements: Statement[], file: string): { spec: Spec; sourceMap: SourceMap; diagnostics: Diagnostic[] } {
  const lowering = new Lowering(file);
  lowering.topLevel(statements);
  sortLatency(lowering.spec.latency);
  return { spec: lowering.spec, sourceMap: lowering.sourceMap, diagnostics: lowering.diagnostics };
}

class Lowering extends LoweringBase {
  unknown(stmt: Statement, context: string): void {
    const tok = firstToken(stmt);
    const allowed = ALLOWED[context] ?? [];
    const where = context === 'top' ? 'at the top level' : `in ${context}`;
    this.report(
      'unknown-keyword',
      `unknown keyword \`${tok.image}\` ${where}${didYouMean(tok.image, allowed.filter((a) => !a.startsWith('<')))}; expected one of: ${allowed.join(', ')}`,
      this.span(tok),
    );
  }


  // ---- top level -----------------------------------------------------------------

  topLevel(statements: Statement[]): void {
    for (const s of statements) {
      const kw = firstToken(s).image;
      if (s.kind !== 'block') {
        if (ALLOWED.top.includes(kw)) this.misplaced(s, `\`${kw} ... { ... }\``);
        else this.unknown(s, 'top');
        continue;
      }
      switch (kw) {
        case 'resource':
          this.resource(s);
          break;
        case 'region':
          this.region(s);
          break;
        case 'latency':
          this.latencyTable(s);
          break;
        case 'service':
          this.service(s);
          break;
        case 'reservation':
          this.reservation(s);
          break;
        case 'product':
          this.product(s);
          break;
        case 'backend':
          this.backend(s);
          break;
        case 'planner':
          this.planner(s);
          break;
        default:
          this.unknown(s, 'top');
      }
    }
  }

  requireName(s: Extract<Statement, { kind: 'block' }>, what: string): string | undefined {
    if (!s.name) {
      this.report('syntax', `${what} needs a name: \`${s.keyword.image} NAME { ... }\``, this.span(s.keyword));
      return undefined;
    }
    return this.name(s.name, what);
  }

  resource(s: Extract<Statement, { kind: 'block' }>): void {
    const name = this.requireName(s, 'resource');
    if (name === undefined || !this.define(`resources/${name}`, s.name!, `resource \`${name}\``)) return;
    const resource = { unit: 'unit', cost: 0 };
    for (const st of s.body) {
      if (st.kind === 'attribute' && !st.perUnit && (st.key.image === 'unit' || st.key.image === 'cost')) {
        const key = st.key.image;
        if (!this.property(`resources/${name}/${key}`, st.key, this.valueSpan(st.value), `\`${key}\` of resource \`${name}\``)) continue;
        if (key === 'unit') resource.unit = this.nameValue(st.value, 'unit') ?? resource.unit;
        else resource.cost = this.count(st.value, 'cost') ?? 0;
      } else this.unknown(st, 'resource');
    }
    this.spec.resources[name] = resource;
  }

  region(s: Extract<Statement, { kind: 'block' }>): void {
    const name = this.requireName(s, 'region');
    if (name === undefined || !this.define(`regions/${name}`, s.name!, `region \`${name}\``)) return;
    const region = { locality: '', supply: {} as Record<string, number> };
    let hasLocality = false;
    for (const st of s.body) {
      if (st.kind === 'attribute' && st.key.image === 'locality') {
        hasLocality = true;
        if (!this.property(`regions/${name}/locality`, st.key, this.valueSpan(st.value), `locality of region \`${name}\``)) continue;
        region.locality = this.nameValue(st.value, 'locality') ?? '';
      } else if (st.kind === 'block' && st.keyword.image === 'supply' && !st.name) {
        this.at(`regions/${name}/supply`, this.span(st.keyword));
        this.entries(st.body, 'supply', (key, value) => {
          const res = this.name(key, 'resource');
          if (!this.define(`regions/${name}/supply/${res}`, key, `supply of \`${res}\` in region \`${name}\``)) return;
          const n = this.count(value, `supply of \`${res}\``, true);
          if (n !== undefined) region.supply[res] = n;
        });
      } else this.unknown(st, 'region');
    }
    if (!hasLocality) this.report('syntax', `region \`${name}\` needs a locality: \`locality = na\``, this.span(s.name!));
    this.spec.regions[name] = region;
  }

  latencyTable(s: Extract<Statement, { kind: 'block' }>): void {
    if (s.name) this.report('syntax', 'the latency table has no name: `latency { a <-> b = 62ms }`', this.span(s.name));
    for (const st of s.body) {
      if (st.kind !== 'pair') {
        this.report('syntax', 'the latency table holds pairs: `us-east <-> us-west = 62ms`', this.span(firstToken(st)));
        continue;
      }
      const a = this.name(st.a, 'location');
      const b = this.name(st.b, 'location');
      const ms = this.quantity(st.value, 'latency', `latency between \`${a}\` and \`${b}\``);
      if (ms === undefined) continue;
      const [x, y] = a <= b ? [a, b] : [b, a];
      const path = `latency/${x}/${y}`;
      const existing = this.spec.latency.find((p) => p.a === x && p.b === y);
      if (existing) {
        const span = this.span(st.a, st.b);
        if (existing.ms !== ms) {
          this.report('latency-conflict', `latency between \`${x}\` and \`${y}\` is given twice with different values (${existing.ms}ms and ${ms}ms)`, span, [
            { message: 'first given here', span: this.sourceMap.get(path)! },
          ]);
        }
        continue;
      }
      this.at(path, this.span(st.a, st.b));
      this.spec.latency.push({ a: x, b: y, ms });
    }
  }

  service(s: Extract<Statement, { kind: 'block' }>): void {
    const name = this.requireName(s, 'service');
    if (name === undefined || !this.define(`services/${name}`, s.name!, `service \`${name}\``)) return;
    const service: Service = { tenants: {}, follows: {}, residual: {}, tolerateRegionFailure: false };
    const base = `services/${name}`;
    for (const st of s.body) {
      const kw = firstToken(st).image;
      if (st.kind === 'block' && kw === 'tenant') this.tenant(st, name, service);
      else if (st.kind === 'block' && kw === 'follows') this.follows(st, base, service);
      else if (st.kind === 'block' && kw === 'residual' && !st.name) this.residual(st, base, service);
      else if (st.kind === 'tolerate') service.tolerateRegionFailure = this.tolerate(st, `${base}/tolerateRegionFailure`, false);
      else this.unknown(st, 'service');
    }
    this.spec.services[name] = service;
  }

  tolerate(st: Extract<Statement, { kind: 'tolerate' }>, path: string, strictAllowed = true): boolean {
    if (st.what.image !== 'region-failure') {
      this.report('invalid-value', `globe can tolerate \`region-failure\`, not \`${st.what.image}\``, this.span(st.what));
      return false;
    }
    if (st.mode && !strictAllowed) {
      this.report('invalid-value', `\`${st.mode.image}\` disaster readiness applies to tenants only`, this.span(st.mode));
    }
    this.at(path, this.span(st.keyword, st.mode ?? st.what));
    return true;
  }

  follows(st: Extract<Statement, { kind: 'block' }>, base: string, service: Service): void {
    if (!st.name) {
      this.report('syntax', 'follows needs a product: `follows facebook { cpu = 0.96 per unit }`', this.span(st.keyword));
      return;
    }
    const product = this.name(st.name, 'product');
    if (!this.define(`${base}/follows/${product}`, st.name, `contract with product \`${product}\``)) return;
    const perUnit: Record<string, number> = {};
    for (const e of st.body) {
      if (e.kind !== 'attribute') {
        this.report('syntax', 'a follower contract holds `resource = N per unit` entries', this.span(firstToken(e)));
        continue;
      }
      const res = this.name(e.key, 'resource');
      if (!e.perUnit) {
        this.report('syntax', `write \`${res} = N per unit\`: capacity is per unit of the product's traffic`, this.valueSpan(e.value));
        continue;
      }
      if (!this.define(`${base}/follows/${product}/perUnit/${res}`, e.key, `\`${res}\` per unit of \`${product}\``)) continue;
      const n = this.count(e.value, `${res} per unit`);
      if (n !== undefined) perUnit[res] = n;
    }
    service.follows[product] = { perUnit };
  }

  residual(st: Extract<Statement, { kind: 'block' }>, base: string, service: Service): void {
    for (const r of st.body) {
      if (r.kind !== 'block' || r.name) {
        this.report('syntax', 'residual holds one block per region: `residual { us-east { cpu = 12 } }`', this.span(firstToken(r)));
        continue;
      }
      const region = this.name(r.keyword, 'region');
      if (!this.define(`${base}/residual/${region}`, r.keyword, `residual in \`${region}\``)) continue;
      const amounts: Record<string, number> = {};
      this.entries(r.body, 'residual', (key, value) => {
        const res = this.name(key, 'resource');
        if (!this.define(`${base}/residual/${region}/${res}`, key, `residual \`${res}\` in \`${region}\``)) return;
        const n = this.count(value, `residual \`${res}\``);
        if (n !== undefined) amounts[res] = n;
      });
      service.residual[region] = amounts;
    }
  }

  tenant(s: Extract<Statement, { kind: 'block' }>, serviceName: string, service: Service): void {
    const name = this.requireName(s, 'tenant');
    const base = `services/${serviceName}/tenants/${name}`;
    if (name === undefined || !this.define(base, s.name!, `tenant \`${serviceName}/${name}\``)) return;
    const t = newTenant();
    for (const st of s.body) {
      const kw = firstToken(st).image;
      if (st.kind === 'attribute' || st.kind === 'list') this.tenantSetting(st, base, name, t);
      else if (st.kind === 'block' && kw === 'demand') this.demandClass(st, base, t);
      else if (st.kind === 'block' && kw === 'follows') this.tenantFollows(st, base, t);
      else if (st.kind === 'threshold') this.threshold(st, base, t);
      else if (st.kind === 'replica') this.replica(st, base, t);
      else if (st.kind === 'tolerate') {
        t.tolerateRegionFailure = this.tolerate(st, `${base}/tolerateRegionFailure`);
        if (st.mode?.image === 'aggregate' && t.tolerateRegionFailure) t.aggregateDisasterReadiness = true;
      } else this.unknown(st, 'tenant');
    }
    service.tenants[name] = t;
  }

  /**
   * `key = value` or `key [names]` in a tenant: a setting, lowered as its
   * declaration says (value kind, range check, Spec field). A list setting
   * must be written as a list, any other as `key = value`.
   */
  tenantSetting(st: Extract<Statement, { kind: 'attribute' | 'list' }>, base: string, tenantName: string, t: Tenant): void {
    const keyToken = st.kind === 'list' ? st.keyword : st.key;
    const p: SettingProperty | undefined = tenantSetting(keyToken.image);
    if (!p || (st.kind === 'list') !== (p.setting.kind === 'names') || (st.kind === 'attribute' && st.perUnit)) {
      this.unknown(st, 'tenant');
      return;
    }
    const { setting, keyword } = p;
    const path = `${base}/${setting.field}`;
    if (setting.kind === 'names') {
      if (!this.define(path, keyToken, `\`${keyword}\` of tenant \`${tenantName}\``)) return;
      setSetting(t, setting, this.nameList(st.value, keyword, path));
      return;
    }
    if (!this.property(path, keyToken, this.valueSpan(st.value), `\`${keyword}\``)) return;
    const v = setting.kind === 'integer' ? this.count(st.value, keyword, true) : this.quantity(st.value, setting.kind, keyword);
    if (v === undefined) return;
    const problem = setting.check?.(v, st.value.kind === 'list' ? '' : st.value.token.image);
    if (problem !== undefined) {
      this.report('invalid-value', problem, this.valueSpan(st.value));
      return;
    }
    setSetting(t, setting, v);
  }

  demandClass(st: Extract<Statement, { kind: 'block' }>, base: string, t: Tenant): void {
    if (!st.name) {
      this.report('syntax', 'demand needs a request class: `demand read { us-east = 200rps }`', this.span(st.keyword));
      return;
    }
    const cls = this.name(st.name, 'request class');
    if (!this.define(`${base}/demand/${cls}`, st.name, `demand of class \`${cls}\``)) return;
    const byLocation: Record<string, number> = {};
    this.entries(st.body, `demand ${cls}`, (key, value) => {
      const loc = this.name(key, 'location');
      if (!this.define(`${base}/demand/${cls}/${loc}`, key, `demand of \`${cls}\` from \`${loc}\``)) return;
      const rps = this.quantity(value, 'rate', `demand of \`${cls}\` from \`${loc}\``);
      if (rps !== undefined) byLocation[loc] = rps;
    });
    t.demand[cls] = byLocation;
  }

  /** `follows facebook { read = 2rps per unit }`: demand that follows a product's traffic. */
  tenantFollows(st: Extract<Statement, { kind: 'block' }>, base: string, t: Tenant): void {
    if (!st.name) {
      this.report('syntax', 'follows needs a product: `follows facebook { read = 2rps per unit }`', this.span(st.keyword));
      return;
    }
    const product = this.name(st.name, 'product');
    if (!this.define(`${base}/follows/${product}`, st.name, `demand following \`${product}\``)) return;
    const rates: Record<string, number> = {};
    for (const e of st.body) {
      if (e.kind !== 'attribute' || !e.perUnit) {
        this.report('syntax', 'demand that follows a product is written `class = Nrps per unit`', this.span(firstToken(e)));
        continue;
      }
      const cls = this.name(e.key, 'request class');
      if (!this.define(`${base}/follows/${product}/${cls}`, e.key, `class \`${cls}\` following \`${product}\``)) continue;
      const rps = this.quantity(e.value, 'rate', `demand of \`${cls}\` per unit of \`${product}\``);
      if (rps !== undefined) rates[cls] = rps;
    }
    (t.follows ??= {})[product] = rates;
  }

  threshold(st: Extract<Statement, { kind: 'threshold' }>, base: string, t: Tenant): void {
    if (!st.cls) {
      this.report('syntax', 'a tenant\'s latency names its request class: `latency read < 70ms`', this.span(st.keyword));
      return;
    }
    const cls = this.name(st.cls, 'request class');
    if (!this.define(`${base}/latency/${cls}`, st.cls, `latency of class \`${cls}\``)) return;
    const ms = this.quantity(st.value, 'latency', `latency of \`${cls}\``);
    if (ms !== undefined) t.latency[cls] = ms;
  }

  replica(st: Extract<Statement, { kind: 'replica' }>, base: string, t: Tenant): void {
    const res = this.name(st.resource, 'resource');
    const path = `${base}/replicas/${res}`;
    if (!this.define(path, st.resource, `replica option on \`${res}\``)) return;
    const units = Number(st.multiplier.image.slice(1));
    if (!(units >= 1)) {
      this.report('invalid-value', 'a replica takes at least one unit: `x1`', this.span(st.multiplier));
      return;
    }
    if (!(units <= NUMBER_MAX)) {
      this.report('invalid-value', `a replica takes at most ${NUMBER_MAX} units, found \`${st.multiplier.image}\``, this.span(st.multiplier));
      return;
    }
    const serves = this.quantity(st.serves, 'rate', 'serves');
    if (serves === undefined) return;
    if (serves <= 0) {
      this.report('invalid-value', 'a replica must serve more than 0rps', this.valueSpan(st.serves));
      return;
    }
    t.replicas[res] = { units, serves };
  }

  reservation(s: Extract<Statement, { kind: 'block' }>): void {
    const name = this.requireName(s, 'reservation');
    const base = `reservations/${name}`;
    if (name === undefined || !this.define(base, s.name!, `reservation \`${name}\``)) return;
    let resource: string | undefined;
    let amount = 0;
    let locality: string | undefined;
    let dr = false;
    for (const st of s.body) {
      if (st.kind === 'attribute' && !st.perUnit) {
        if (resource !== undefined) {
          this.report('syntax', `reservation \`${name}\` reserves one resource; \`${resource}\` is already given`, this.span(st.key));
          continue;
        }
        resource = this.name(st.key, 'resource');
        this.at(`${base}/resource`, this.span(st.key));
        this.at(`${base}/amount`, this.valueSpan(st.value));
        amount = this.count(st.value, `units of \`${resource}\``, true) ?? 0;
      } else if (st.kind === 'in') {
        if (!this.property(`${base}/locality`, st.keyword, this.span(st.locality), `locality of reservation \`${name}\``)) continue;
        locality = this.name(st.locality, 'locality');
      } else if (st.kind === 'tolerate') dr = this.tolerate(st, `${base}/tolerateRegionFailure`, false);
      else this.unknown(st, 'reservation');
    }
    if (resource === undefined) this.report('syntax', `reservation \`${name}\` needs an amount: \`cpu = 300\``, this.span(s.name!));
    if (locality === undefined) this.report('syntax', `reservation \`${name}\` needs a locality: \`in na\``, this.span(s.name!));
    this.spec.reservations[name] = { resource: resource ?? '', amount, locality: locality ?? '', tolerateRegionFailure: dr };
  }

  product(s: Extract<Statement, { kind: 'block' }>): void {
    const name = this.requireName(s, 'product');
    const base = `products/${name}`;
    if (name === undefined || !this.define(base, s.name!, `product \`${name}\``)) return;
    const p: Product = { demand: {}, latency: 0, avoid: [], tolerateRegionFailure: false };
    let shares: { loc: string; share: number }[] | undefined;
    let sharesToken: IToken | undefined;
    let total = 100;
    let hasLatency = false;
    for (const st of s.body) {
      const kw = firstToken(st).image;
      if (st.kind === 'block' && (kw === 'traffic' || kw === 'demand') && !st.name && !this.define(`${base}/${kw}`, st.keyword, `\`${kw}\` of product \`${name}\``)) {
        continue;
      } else if (st.kind === 'block' && kw === 'traffic' && !st.name) {
        sharesToken = st.keyword;
        shares = [];
        const list = shares;
        this.entries(st.body, 'traffic', (key, value) => {
          const loc = this.name(key, 'location');
          if (!this.define(`${base}/demand/${loc}`, key, `traffic from \`${loc}\``)) return;
          const f = this.quantity(value, 'percent', `traffic share of \`${loc}\``);
          if (f !== undefined) list.push({ loc, share: f });
        });
      } else if (st.kind === 'block' && kw === 'demand' && !st.name) {
        this.entries(st.body, 'demand', (key, value) => {
          const loc = this.name(key, 'location');
          if (!this.define(`${base}/demand/${loc}`, key, `demand from \`${loc}\``)) return;
          const n = this.count(value, `demand from \`${loc}\``);
          if (n !== undefined) p.demand[loc] = n;
        });
      } else if (st.kind === 'attribute' && kw === 'total') {
        if (!this.property(`${base}/total`, st.key, this.valueSpan(st.value), `\`total\` of product \`${name}\``)) continue;
        total = this.count(st.value, 'total') ?? total;
      } else if (st.kind === 'threshold' && !st.cls) {
        hasLatency = true;
        if (!this.property(`${base}/latency`, st.keyword, this.valueSpan(st.value), `latency of product \`${name}\``)) continue;
        const ms = this.quantity(st.value, 'latency', `latency of product \`${name}\``);
        if (ms !== undefined) p.latency = ms;
      } else if (st.kind === 'list' && st.keyword.image === 'avoid') {
        if (!this.define(`${base}/avoid`, st.keyword, `\`avoid\` of product \`${name}\``)) continue;
        p.avoid = this.nameList(st.value, 'avoid', `${base}/avoid`);
      } else if (st.kind === 'tolerate') p.tolerateRegionFailure = this.tolerate(st, `${base}/tolerateRegionFailure`, false);
      else this.unknown(st, 'product');
    }
    if (shares && sharesToken) {
      if (Object.keys(p.demand).length > 0) {
        this.report('syntax', `product \`${name}\` gives both \`traffic\` and \`demand\`: use one`, this.span(sharesToken));
      }
      const sum = shares.reduce((acc, x) => acc + x.share, 0);
      if (Math.abs(sum - 1) > 1e-9) {
        this.report('traffic-sum', `traffic shares of product \`${name}\` add up to ${round(sum * 100)}%, not 100%`, this.span(sharesToken));
      }
      for (const { loc, share } of shares) p.demand[loc] = total * share;
    }
    if (!hasLatency) this.report('syntax', `product \`${name}\` needs a latency threshold: \`latency < 70ms\``, this.span(s.name!));
    this.spec.products[name] = p;
  }

  backend(s: Extract<Statement, { kind: 'block' }>): void {
    const kind = s.name?.image;
    if (!isBackendName(kind)) {
      this.report('invalid-value', `backend must be ${backendNamesInWords()}${kind ? `, not \`${kind}\`` : ''}`, this.span(s.name ?? s.keyword));
      return;
    }
    if (!this.define('backend', s.keyword, 'the backend')) return;
    const attrs = new Map<string, Value>();
    for (const st of s.body) {
      if (st.kind === 'attribute' && !st.perUnit && ALLOWED[`backend ${kind}`].includes(st.key.image)) {
        if (attrs.has(st.key.image)) this.report('duplicate', `\`${st.key.image}\` is given twice`, this.span(st.key));
        attrs.set(st.key.image, st.value);
        this.at(`backend/${st.key.image}`, this.valueSpan(st.value));
      } else this.unknown(st, `backend ${kind}`);
    }
    this.spec.backend = this.backendConfig(backendKind(kind), attrs, s);
  }

  /** The config from the block's keys, by the kind's declaration (lang/backend-kinds.ts): each key read, a missing required one reported. */
  backendConfig(kind: BackendKind, attrs: Map<string, Value>, s: Extract<Statement, { kind: 'block' }>): BackendConfig {
    return buildBackendConfig(kind, (key) => {
      const v = attrs.get(key.keyword);
      if (v) return this.backendValue(key, v);
      if (key.required) this.report('syntax', `backend ${kind.name} needs \`${key.keyword} = ${requiredHint(key)}\``, this.span(s.keyword, s.name ?? s.keyword));
      return undefined;
    });
  }

  /** One key's value, by its value kind; `undefined` (reported) when it is written wrong. */
  backendValue(key: BackendKey, v: Value): unknown {
    switch (key.value) {
      case 'string':
      case 'path':
        return this.stringValue(v, key.keyword);
      case 'name':
        return this.nameValue(v, key.keyword);
      case 'env-var':
        if (v.kind === 'name' && ENV_VAR_PATTERN.test(v.token.image)) return v.token.image;
        this.report('invalid-value', `${key.keyword} must name an environment variable, e.g. ${exampleValue(key)}`, this.valueSpan(v));
        return undefined;
      case 'argv':
        return this.stringList(v, key.keyword);
      case 'duration':
        return this.quantity(v, 'duration', key.keyword);
    }
  }

  planner(s: Extract<Statement, { kind: 'block' }>): void {
    if (s.name) this.report('syntax', 'the planner block has no name: `planner { churn = 0.1 }`', this.span(s.name));
    if (!this.define('planner', s.keyword, 'the planner block')) return;
    const settings: NonNullable<Spec['planner']> = {};
    const weights: Record<string, number> = {};
    for (const st of s.body) {
      if (st.kind !== 'attribute' || st.perUnit || !ALLOWED.planner.includes(st.key.image)) {
        this.unknown(st, 'planner');
        continue;
      }
      const key = st.key.image;
      const path = key === 'time_limit' ? 'planner/timeLimitSeconds' : key === 'gap' ? 'planner/gapLimit' : `planner/weights/${key === 'service_balance' ? 'serviceBalance' : key}`;
      if (!this.property(path, st.key, this.valueSpan(st.value), `\`${key}\` of the planner`)) continue;
      if (key === 'time_limit') {
        const ms = this.quantity(st.value, 'duration', 'time_limit');
        // In seconds straight from the text: ms / 1000 is not always the number written.
        const seconds = ms !== undefined && st.value.kind === 'quantity' ? parseSeconds(st.value.token.image) : undefined;
        if (ms !== undefined) settings.timeLimitSeconds = seconds?.ok ? seconds.value : ms / 1000;
      } else if (key === 'gap') {
        const f = this.quantity(st.value, 'percent', 'gap');
        if (f !== undefined) settings.gapLimit = f;
      } else {
        const field = key === 'service_balance' ? 'serviceBalance' : key;
        const w = this.count(st.value, `weight \`${key}\``);
        if (w !== undefined) weights[field] = w;
      }
    }
    if (Object.keys(weights).length > 0) settings.weights = weights;
    this.spec.planner = settings;
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function emptyFileWarning(file: string): Diagnostic {
  return warning('empty-file', 'file is empty: it defines nothing', { file, start: { line: 1, col: 1 }, end: { line: 1, col: 1 } });
}
