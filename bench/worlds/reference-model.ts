/**
 * An exact reference planner for SMALL worlds (a handful of regions, tenants and resources),
 * written from docs/language.md and the lead's statement of `tolerate region-failure`
 * (/work/briefs/dr-meaning.md) alone — it shares no code with planner/ — and solved with
 * HiGHS directly, stage by stage, each stage to gap 0 and then held at its optimum:
 *
 *   1. product traffic left unserved
 *   2. reservation shortfall (with `tolerate region-failure`: what is missing after the loss
 *      of the reservation's largest region)
 *   3. per priority, high to low: demand left unserved, then the region-loss shortfall of
 *      the DR tenants at that priority (Σ over lost regions f of maxServed(nothing lost) −
 *      maxServed(f lost); 0 for a tenant that survives every loss)
 *   4. hardware cost: Σ units placed × cost per unit (replicas, reservations, follower units)
 *
 * Constraints (docs/language.md, DESIGN.md "The planning model"): replicas whole, only in
 * allowed regions (avoid / only_in), on the tenant's resources; min_replicas / max_replicas
 * per region over all resources; demand routed only where RTT ≤ the class threshold (a
 * location's RTT to itself 1 ms unless given, an unlisted pair unreachable); a region's
 * routed demand ≤ Σ replicas × serves × target_utilization; Σ units ≤ supply per region and
 * resource; during apply Σ max(current, target) ≤ supply (or ≤ what runs now where that
 * already exceeds the supply; a tenant the Spec no longer has holds its replicas, one unit
 * each, since its size is unknown); reservations in their locality; follower units
 * (whole) ≥ residual + Σ perUnit × product traffic served in the region; a tenant's demand
 * that follows a product is rate × the product traffic served in the region, routed from
 * that region.
 *
 * Not modelled: disaster readiness of products and follower services (the docs give it no
 * routing meaning); callers leave worlds that use it out of comparisons.
 */
import * as highsModule from 'highs';
import type { Highs } from 'highs';
import type { Deployment } from '../../schemas/state.js';
import type { Spec, Tenant, TenantId } from '../../lang/spec.js';

// `highs` is typed as a CommonJS module under NodeNext; at run time its ESM build's default export is the loader.
const loadHighs = ((highsModule as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;
let highsPromise: Promise<Highs> | undefined;
function highs(): Promise<Highs> {
  return (highsPromise ??= loadHighs());
}

export interface ReferenceOptions {
  /** Plan tenants' `tolerate region-failure` (default true); false: ignore it. */
  disasterReadiness?: boolean;
  /** Seconds per stage before giving up (the answer is then not exact and says so). */
  timeLimitSeconds?: number;
}

export interface ReferenceResult {
  /** Every stage solved to optimality. */
  exact: boolean;
  /** The constraints admit no plan at all (e.g. a residual larger than the region's supply). */
  infeasible: boolean;
  unservedProducts: number;
  reservationShortfall: number;
  /** Priority → rps left unserved (every priority of the Spec, 0 included). */
  unserved: Record<number, number>;
  /** Priority → Σ region-loss shortfall of its DR tenants. */
  drShortfall: Record<number, number>;
  cost: number;
  /** The optimal replicas, for a regression test to show. */
  replicas: Record<TenantId, Record<string, Record<string, number>>>;
}

/** A tiny LP/MIP under construction: named columns for readable debugging, rows as term maps. */
class Program {
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly integer: number[] = [];
  readonly names: string[] = [];
  readonly rows: { lo: number; hi: number; terms: Map<number, number> }[] = [];

  col(name: string, lo: number, hi: number, integer = false): number {
    this.names.push(name);
    this.lower.push(lo);
    this.upper.push(hi);
    this.integer.push(integer ? 1 : 0);
    return this.names.length - 1;
  }

  row(lo: number, hi: number, terms: [number, number][]): void {
    const m = new Map<number, number>();
    for (const [c, v] of terms) m.set(c, (m.get(c) ?? 0) + v);
    for (const [c, v] of m) if (v === 0) m.delete(c);
    this.rows.push({ lo, hi, terms: m });
  }
}

const INF = Infinity;

export async function solveReference(spec: Spec, current: Deployment, options: ReferenceOptions = {}): Promise<ReferenceResult> {
  const withDr = options.disasterReadiness !== false;
  const lp = new Program();
  const regions = Object.keys(spec.regions).sort();
  const rttTable = new Map<string, number>();
  for (const p of spec.latency) rttTable.set(`${p.a}|${p.b}`, p.ms).set(`${p.b}|${p.a}`, p.ms);
  const rtt = (a: string, b: string) => rttTable.get(`${a}|${b}`) ?? (a === b ? 1 : INF);
  const supply = (r: string, k: string) => spec.regions[r]?.supply[k] ?? 0;

  // Σ units per (region, resource): the target's, and the held-during-apply amounts
  const final = new Map<string, [number, number][]>();
  const peak = new Map<string, [number, number][]>();
  const peakConstant = new Map<string, number>();
  const currentUse = new Map<string, number>();
  const key = (r: string, k: string) => `${r}|${k}`;
  const push = (m: Map<string, [number, number][]>, r: string, k: string, term: [number, number]) => m.set(key(r, k), [...(m.get(key(r, k)) ?? []), term]);
  const addConst = (m: Map<string, number>, r: string, k: string, v: number) => m.set(key(r, k), (m.get(key(r, k)) ?? 0) + v);
  const cost: [number, number][] = [];
  const stageTerms = new Map<string, [number, number][]>();
  const stage = (name: string, col: number, coef = 1) => stageTerms.set(name, [...(stageTerms.get(name) ?? []), [col, coef]]);

  /** An amount placed in (r, k): integer column x; held at apply time as max(current, x). */
  const placed = (name: string, r: string, k: string, unitsEach: number, hi: number, now: number): number => {
    const x = lp.col(name, 0, hi, true);
    push(final, r, k, [x, unitsEach]);
    cost.push([x, unitsEach * (spec.resources[k]?.cost ?? 0)]);
    if (now > 0) {
      const z = lp.col(`peak:${name}`, now, INF);
      lp.row(0, INF, [[z, 1], [x, -1]]);
      push(peak, r, k, [z, unitsEach]);
      addConst(currentUse, r, k, now * unitsEach);
    } else push(peak, r, k, [x, unitsEach]);
    return x;
  };

  // ---- products: traffic served per (product, region)
  const productIn = new Map<string, [number, number][]>(); // `${P}|${r}` → columns of traffic served there
  for (const P of Object.keys(spec.products).sort()) {
    const product = spec.products[P];
    for (const s of Object.keys(product.demand).sort()) {
      const D = product.demand[s];
      if (!(D > 0)) continue;
      const terms: [number, number][] = [];
      for (const r of regions) {
        if (product.avoid.includes(r) || rtt(s, r) > product.latency) continue;
        const p = lp.col(`p:${P}:${s}:${r}`, 0, INF);
        terms.push([p, 1]);
        productIn.set(`${P}|${r}`, [...(productIn.get(`${P}|${r}`) ?? []), [p, 1]]);
      }
      const q = lp.col(`q:${P}:${s}`, 0, D);
      stage('products', q);
      lp.row(D, D, [...terms, [q, 1]]);
    }
  }
  // follower services: whole units ≥ residual + Σ perUnit × traffic served in the region
  for (const S of Object.keys(spec.services).sort()) {
    const service = spec.services[S];
    const resources = new Set<string>();
    for (const c of Object.values(service.follows)) for (const k of Object.keys(c.perUnit)) resources.add(k);
    for (const byRes of Object.values(service.residual)) for (const k of Object.keys(byRes)) resources.add(k);
    for (const r of regions) {
      for (const k of [...resources].sort()) {
        const need: [number, number][] = [];
        for (const [P, c] of Object.entries(service.follows)) for (const [p] of productIn.get(`${P}|${r}`) ?? []) if (c.perUnit[k]) need.push([p, -c.perUnit[k]]);
        const residual = service.residual[r]?.[k] ?? 0;
        const now = current.followers[S]?.[r]?.[k] ?? 0;
        if (need.length === 0 && residual === 0 && now === 0) continue;
        const f = placed(`f:${S}:${r}:${k}`, r, k, 1, INF, now);
        lp.row(residual, INF, [[f, 1], ...need]);
      }
    }
  }

  // ---- reservations
  for (const g of Object.keys(spec.reservations).sort()) {
    const res = spec.reservations[g];
    const inLocality = regions.filter((r) => spec.regions[r].locality === res.locality);
    const cols = inLocality.map((r) => placed(`m:${g}:${r}`, r, res.resource, 1, supply(r, res.resource), current.reservations[g]?.[r] ?? 0));
    const short = lp.col(`short:${g}`, 0, res.amount);
    stage('reservations', short);
    lp.row(res.amount, INF, [...cols.map((c): [number, number] => [c, 1]), [short, 1]]);
    if (res.tolerateRegionFailure) {
      inLocality.forEach((_, f) => lp.row(res.amount, INF, [...cols.filter((_, i) => i !== f).map((c): [number, number] => [c, 1]), [short, 1]]));
    }
  }

  // ---- tenants
  const priorities = new Set<number>();
  const replicaCols: { id: TenantId; r: string; k: string; col: number }[] = [];
  for (const S of Object.keys(spec.services).sort()) {
    for (const name of Object.keys(spec.services[S].tenants).sort()) {
      const t = spec.services[S].tenants[name];
      const id = `${S}/${name}` as TenantId;
      priorities.add(t.priority);
      addTenant(id, t);
    }
  }

  function addTenant(id: TenantId, t: Tenant): void {
    const allowed = regions.filter((r) => !t.avoid.includes(r) && (t.onlyIn.length === 0 || t.onlyIn.includes(r)));
    const resources = Object.keys(t.replicas).filter((k) => k in spec.resources).sort();
    const now = current.tenants[id]?.replicas ?? {};
    // capacity (rps) terms per allowed region
    const capacity = new Map<string, [number, number][]>();
    for (const r of allowed) {
      const counts: [number, number][] = [];
      for (const k of resources) {
        const o = t.replicas[k];
        const n = placed(`n:${id}:${r}:${k}`, r, k, o.units, Math.floor(supply(r, k) / o.units), now[r]?.[k] ?? 0);
        replicaCols.push({ id, r, k, col: n });
        counts.push([n, 1]);
        capacity.set(r, [...(capacity.get(r) ?? []), [n, o.serves * t.targetUtilization]]);
      }
      if (t.maxReplicasPerRegion !== undefined) lp.row(-INF, t.maxReplicasPerRegion, counts);
      if (t.minReplicasPerRegion !== undefined && t.minReplicasPerRegion > 0) {
        const on = lp.col(`on:${id}:${r}`, 0, 1, true);
        const most = resources.reduce((a, k) => a + Math.floor(supply(r, k) / t.replicas[k].units), 0);
        lp.row(0, INF, [...counts, [on, -t.minReplicasPerRegion]]);
        lp.row(-INF, 0, [...counts, [on, -Math.max(most, t.minReplicasPerRegion)]]);
      }
    }
    // what the current deployment holds where the tenant gets no column (a region now avoided, a
    // resource dropped from its table) stays held until the downsize: a constant of the peak
    for (const [r, byRes] of Object.entries(now)) {
      for (const [k, c] of Object.entries(byRes)) {
        if (allowed.includes(r) && resources.includes(k)) continue;
        const u = c * (t.replicas[k]?.units ?? 1);
        addConst(peakConstant, r, k, u);
        addConst(currentUse, r, k, u);
      }
    }
    // demand: declared, and following products (rate × traffic served in the region)
    const sources: { cls: string; client: string; demand: [number, number][]; constant: number }[] = [];
    for (const cls of Object.keys(t.demand).sort()) {
      for (const client of Object.keys(t.demand[cls]).sort()) if (t.demand[cls][client] > 0) sources.push({ cls, client, demand: [], constant: t.demand[cls][client] });
    }
    for (const P of Object.keys(t.follows ?? {}).sort()) {
      for (const cls of Object.keys(t.follows![P]).sort()) {
        const rate = t.follows![P][cls];
        if (!(rate > 0)) continue;
        for (const s of regions) {
          const traffic = productIn.get(`${P}|${s}`) ?? [];
          if (traffic.length > 0) sources.push({ cls, client: s, demand: traffic.map(([p]) => [p, rate]), constant: 0 });
        }
      }
    }
    const routed = new Map<string, [number, number][]>();
    const served: [number, number][] = []; // Σ served = Σ demand − Σ unserved
    let servedConstant = 0;
    for (const src of sources) {
      const threshold = t.latency[src.cls] ?? 0;
      const terms: [number, number][] = [];
      for (const r of capacity.keys()) {
        if (rtt(src.client, r) > threshold) continue;
        const y = lp.col(`y:${id}:${src.cls}:${src.client}:${r}`, 0, INF);
        terms.push([y, 1]);
        routed.set(r, [...(routed.get(r) ?? []), [y, 1]]);
      }
      const u = lp.col(`u:${id}:${src.cls}:${src.client}`, 0, INF);
      stage(`unserved:${t.priority}`, u);
      // Σ y + u = demand
      lp.row(src.constant, src.constant, [...terms, [u, 1], ...src.demand.map(([c, v]): [number, number] => [c, -v])]);
      served.push(...src.demand, [u, -1]);
      servedConstant += src.constant;
    }
    for (const [r, ys] of routed) lp.row(-INF, 0, [...ys, ...(capacity.get(r) ?? []).map(([c, v]): [number, number] => [c, -v])]);
    if (withDr && t.tolerateRegionFailure && sources.length > 0) addReadiness(id, t, sources, capacity, served, servedConstant);
  }

  /**
   * Region-loss shortfall per lost region f: what is served now (all of it, with nothing lost)
   * minus the most that can be re-routed onto replicas outside f within max(threshold, dr_latency),
   * every client (f's own included) routed from its own location, within each region's capacity.
   */
  function addReadiness(id: TenantId, t: Tenant, sources: { cls: string; client: string; demand: [number, number][]; constant: number }[], capacity: Map<string, [number, number][]>, served: [number, number][], servedConstant: number): void {
    const aggregate = t.aggregateDisasterReadiness === true;
    for (const f of regions) {
      const short = lp.col(`dr:${id}:${f}`, 0, INF);
      stage(`dr:${t.priority}`, short);
      if (aggregate) {
        // short ≥ served − Σ capacity outside f
        const rest = [...capacity].filter(([r]) => r !== f).flatMap(([, terms]) => terms);
        lp.row(servedConstant, INF, [[short, 1], ...rest, ...served.map(([c, v]): [number, number] => [c, -v])]);
        continue;
      }
      const flow: [number, number][] = [];
      const load = new Map<string, [number, number][]>();
      for (const src of sources) {
        const threshold = Math.max(t.latency[src.cls] ?? 0, t.drLatency ?? 0);
        const terms: [number, number][] = [];
        for (const r of capacity.keys()) {
          if (r === f || rtt(src.client, r) > threshold) continue;
          const y = lp.col(`yf:${id}:${f}:${src.cls}:${src.client}:${r}`, 0, INF);
          terms.push([y, 1]);
          load.set(r, [...(load.get(r) ?? []), [y, 1]]);
        }
        if (terms.length === 0) continue;
        // re-routed ≤ the source's demand
        lp.row(-INF, src.constant, [...terms, ...src.demand.map(([c, v]): [number, number] => [c, -v])]);
        flow.push(...terms);
      }
      for (const [r, ys] of load) lp.row(-INF, 0, [...ys, ...(capacity.get(r) ?? []).map(([c, v]): [number, number] => [c, -v])]);
      // short ≥ served − re-routed
      lp.row(servedConstant, INF, [[short, 1], ...flow, ...served.map(([c, v]): [number, number] => [c, -v])]);
    }
  }

  // tenants the Spec no longer has hold what they run until the final downsizes (one unit per replica)
  for (const [id, d] of Object.entries(current.tenants)) {
    const [S, name] = id.split('/');
    if (spec.services[S]?.tenants[name]) continue;
    for (const [r, byRes] of Object.entries(d.replicas)) {
      for (const [k, c] of Object.entries(byRes)) {
        addConst(peakConstant, r, k, c);
        addConst(currentUse, r, k, c);
      }
    }
  }
  // supply: the target fits; the apply-time peak fits (or stays within what runs now)
  for (const r of regions) {
    for (const k of Object.keys(spec.resources).sort()) {
      const f = final.get(key(r, k)) ?? [];
      if (f.length > 0) lp.row(-INF, supply(r, k), f);
      const p = peak.get(key(r, k)) ?? [];
      const held = peakConstant.get(key(r, k)) ?? 0;
      const now = currentUse.get(key(r, k)) ?? 0;
      if (p.length > 0 && now > 0) lp.row(-INF, Math.max(supply(r, k), now) - held, p);
    }
  }

  const order = ['products', 'reservations'];
  for (const p of [...priorities].sort((a, b) => b - a)) order.push(`unserved:${p}`, `dr:${p}`);
  order.push('cost');
  stageTerms.set('cost', cost);
  const solved = await solveLexicographic(lp, order.map((name) => ({ name, terms: stageTerms.get(name) ?? [] })), options.timeLimitSeconds ?? 60);
  const result: ReferenceResult = {
    exact: solved.exact,
    infeasible: solved.infeasible,
    unservedProducts: solved.values.get('products') ?? 0,
    reservationShortfall: solved.values.get('reservations') ?? 0,
    unserved: {},
    drShortfall: {},
    cost: solved.values.get('cost') ?? 0,
    replicas: {},
  };
  for (const p of priorities) {
    result.unserved[p] = solved.values.get(`unserved:${p}`) ?? 0;
    result.drShortfall[p] = solved.values.get(`dr:${p}`) ?? 0;
  }
  if (solved.x) {
    for (const { id, r, k, col } of replicaCols) {
      const n = Math.round(solved.x[col]);
      if (n > 0) ((result.replicas[id] ??= {})[r] ??= {})[k] = n;
    }
  }
  return result;
}

/** Minimise each stage in order, to gap 0, holding every earlier stage at its optimum. */
async function solveLexicographic(lp: Program, stages: { name: string; terms: [number, number][] }[], timeLimit: number): Promise<{ exact: boolean; infeasible: boolean; values: Map<string, number>; x?: Float64Array }> {
  const values = new Map<string, number>();
  if (lp.names.length === 0) return { exact: true, infeasible: false, values };
  const h = await highs();
  const holds: { hi: number; terms: [number, number][]; loosened?: boolean }[] = [];
  let exact = true;
  let x: Float64Array | undefined;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i];
    const cost = new Float64Array(lp.names.length);
    for (const [c, v] of s.terms) cost[c] += v;
    const rows = [...lp.rows.map((r) => ({ lo: r.lo, hi: r.hi, terms: [...r.terms] })), ...holds.map((r) => ({ lo: -INF, hi: r.hi, terms: r.terms }))];
    const starts = [0];
    const indices: number[] = [];
    const vals: number[] = [];
    for (const r of rows) {
      const merged = new Map<number, number>();
      for (const [c, v] of r.terms) merged.set(c, (merged.get(c) ?? 0) + v);
      for (const [c, v] of [...merged].sort((a, b) => a[0] - b[0])) {
        if (v === 0) continue;
        indices.push(c);
        vals.push(v);
      }
      starts.push(indices.length);
    }
    const inf = (v: number) => (v === INF ? h.infinity : v === -INF ? -h.infinity : v);
    const model = h.createModel({
      numCols: lp.names.length,
      numRows: rows.length,
      colCost: cost,
      colLower: lp.lower.map(inf),
      colUpper: lp.upper.map(inf),
      rowLower: rows.map((r) => inf(r.lo)),
      rowUpper: rows.map((r) => inf(r.hi)),
      matrix: { format: 'csr', numRows: rows.length, numCols: lp.names.length, starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(vals) },
      integrality: Int32Array.from(lp.integer),
    });
    try {
      model.options.set({ output_flag: false, random_seed: 0, mip_rel_gap: 0, mip_abs_gap: 0, time_limit: timeLimit });
      model.run();
      const status = model.getModelStatus();
      const S = h.constants.modelStatus;
      if (status === S.infeasible) {
        // The first stage infeasible: no plan exists. A later one: the last hold was tighter than the
        // solver's tolerances (a stage's optimum found 3e-6 below its true value); loosen it once.
        if (holds.length === 0) return { exact: true, infeasible: true, values };
        const last = holds[holds.length - 1];
        if (last.loosened) return { exact: false, infeasible: false, values, x };
        last.hi += 1e-4 * Math.max(1, Math.abs(last.hi));
        last.loosened = true;
        i--;
        continue;
      }
      if (status !== S.optimal) exact = false;
      x = Float64Array.from(model.getSolution().colValue);
      let value = 0;
      for (const [c, v] of s.terms) value += v * x[c];
      values.set(s.name, value);
      if (s.terms.length > 0) holds.push({ hi: value + 1e-6 + Math.abs(value) * 1e-9, terms: s.terms });
    } finally {
      model.dispose();
    }
  }
  return { exact, infeasible: false, values, x };
}
