/**
 * `node dist/bench/waves.js [--scale 2] [--max-waves 4]`: a region exit in a full world, planned in
 * one safe step and in waves (planner/waves.ts; from scale 3, more than 50 tenants, the fleet is
 * planned in blocks and its waves by planner/decompose/waves-in-blocks.ts). The world (scale k): region `e` holds 5k tenants
 * `evac-i` of 2 h100 whose clients only the 5k `near` regions reach in time; each near region is held by
 * a tenant `y` that may be served from anywhere (9 of 10 h100); 10k `far` regions are held by tenants
 * pinned there (9 of 10). About 90% of the supply is in use; `e` exits. evac-i fits near only once y
 * has moved into the far regions' spare room: the one-step plan leaves half of it unserved, waves
 * serve it.
 * Prints, for each way of planning, the wall and CPU seconds, the waves, what `e` still holds and
 * the demand left unserved, and checks every wave's Σ max(before, after) against the supply itself
 * (not the planner's claim).
 */
import { cpus } from 'node:os';
import { Command } from 'commander';
import { usageByRegion } from '../schemas/invariants.js';
import type { Deployment } from '../schemas/state.js';
import type { Spec, TenantId } from '../lang/spec.js';
import { checkSpec } from '../lang/check/index.js';
import { parseGlobe } from '../lang/dsl/index.js';
import { mergeFiles } from '../lang/merge.js';
import { buildPlan } from '../planner/build-plan.js';
import { planPlacement } from '../planner/index.js';
import { exitRegion } from '../planner/what-if.js';

interface Options {
  scale: string;
  maxWaves: string;
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--scale <k>', 'world size: 20k tenants, 15k + 1 regions (k ≤ 2: one model; k ≥ 3: more than 50 tenants, planned in blocks)', '2')
    .option('--max-waves <n>', 'wave limit of the plan in waves', '4')
    .parse()
    .opts<Options>();
  const scale = Number(o.scale);
  const maxWaves = Number(o.maxWaves);
  if (!(Number.isInteger(scale) && scale >= 1)) throw new Error(`--scale must be a whole number from 1, not ${o.scale}`);
  if (!(Number.isInteger(maxWaves) && maxWaves >= 2)) throw new Error(`--max-waves must be a whole number from 2, not ${o.maxWaves}`);
  const { spec: world, current } = exitWorld(scale);
  const region = 'e';
  const spec = exitRegion(world, region);
  const full = fullness(world, current);
  console.log(`# Region exit in waves\n\nnode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  console.log(`\nWorld (scale ${o.scale}): ${Object.keys(current.tenants).length} tenants × ${Object.keys(world.regions).length} regions, ${pct(full)} of the supply in use. Exiting: ${region} (${held(world, current, region)} h100).\n`);
  console.log('| plan | wall s | cpu s | waves | left in the exiting region | unserved rps | every wave within supply |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const limit of [1, maxWaves]) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { placement, intermediate } = await planPlacement(spec, current, { maxWaves: limit });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const plan = buildPlan({ spec, current: null, placement, intermediate, globeVersion: 'bench' });
    const waves = plan.waves?.length ?? 1;
    const steps = [current, ...intermediate, placement.target];
    const over = steps.slice(1).flatMap((d, i) => overSupply(spec, steps[i], d));
    const unserved = Object.values(placement.unserved).flatMap((c) => Object.values(c).flatMap((s) => Object.values(s))).reduce((a, b) => a + b, 0);
    const label = limit === 1 ? 'one safe step (--max-waves 1)' : `in waves (--max-waves ${limit})`;
    console.log(`| ${label} | ${wall.toFixed(2)} | ${((cpu.user + cpu.system) / 1e6).toFixed(2)} | ${waves} | ${held(spec, placement.target, region)} | ${unserved.toFixed(1)} | ${over.length === 0 ? 'yes' : `no: ${over.join('; ')}`} |`);
  }
}

/** The world of the header comment, as DSL text through the language, and its deployment. */
function exitWorld(k: number): { spec: Spec; current: Deployment } {
  const near = Array.from({ length: 5 * k }, (_, i) => `n${i + 1}`);
  const far = Array.from({ length: 10 * k }, (_, i) => `f${i + 1}`);
  const regions = ['e', ...near, ...far];
  const lines = ['resource h100 { unit = gpu  cost = 3 }'];
  for (const r of regions) lines.push(`region ${r} { locality = na  supply { h100 = ${r === 'e' ? 10 * k : 10} } }`);
  const pairs: string[] = [];
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) pairs.push(`  ${regions[i]} <-> ${regions[j]} = ${regions[i] === 'e' && regions[j].startsWith('n') ? 10 : 80}ms`);
  }
  lines.push('latency {', ...pairs, '}', 'service fleet {');
  const current: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  const place = (name: string, r: string, n: number) => {
    const t: Deployment['tenants'][TenantId] = { replicas: { [r]: { h100: n } }, routing: { q: { [r]: { [r]: 1 } } } };
    current.tenants[`fleet/${name}` as TenantId] = t;
  };
  for (let i = 1; i <= 5 * k; i++) {
    lines.push(`  tenant evac-${i} { demand q { e = 1000rps }  latency q < 20ms  replica h100 x1 serves 500rps }`);
    place(`evac-${i}`, 'e', 2);
  }
  for (const r of near) {
    lines.push(`  tenant y-${r} { demand q { ${r} = 4500rps }  latency q < global  replica h100 x1 serves 500rps }`);
    place(`y-${r}`, r, 9);
  }
  for (const r of far) {
    lines.push(`  tenant p-${r} { demand q { ${r} = 4500rps }  latency q < 5ms  replica h100 x1 serves 500rps }`);
    place(`p-${r}`, r, 9);
  }
  lines.push('}');
  const merged = mergeFiles([parseGlobe(lines.join('\n'), 'exit.globe')]);
  const errors = [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)].filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the bench world is invalid: ${errors.map((e) => e.message).join('; ')}`);
  return { spec: merged.spec, current };
}

function fullness(spec: Spec, d: Deployment): number {
  let used = 0;
  for (const v of usageByRegion(spec, d).values()) used += v;
  let supply = 0;
  for (const r of Object.values(spec.regions)) for (const v of Object.values(r.supply)) supply += v;
  return used / supply;
}

function held(spec: Spec, d: Deployment, region: string): number {
  return [...usageByRegion(spec, d)].filter(([k]) => k.startsWith(`${region}\u0000`)).reduce((a, [, v]) => a + v, 0);
}

/** Σ max(from, to) per (region, resource) beyond max(supply, what it held before). */
function overSupply(spec: Spec, from: Deployment, to: Deployment): string[] {
  const before = usageByRegion(spec, from);
  const peak = new Map<string, number>();
  const add = (key: string, v: number) => peak.set(key, (peak.get(key) ?? 0) + v);
  const units = (id: string, k: string) => {
    const [s, t] = id.split('/');
    return spec.services[s]?.tenants[t]?.replicas[k]?.units ?? 1;
  };
  for (const id of new Set([...Object.keys(from.tenants), ...Object.keys(to.tenants)])) {
    const a = from.tenants[id as keyof Deployment['tenants']]?.replicas ?? {};
    const b = to.tenants[id as keyof Deployment['tenants']]?.replicas ?? {};
    for (const r of new Set([...Object.keys(a), ...Object.keys(b)])) {
      for (const k of new Set([...Object.keys(a[r] ?? {}), ...Object.keys(b[r] ?? {})])) add(`${r}\u0000${k}`, Math.max(a[r]?.[k] ?? 0, b[r]?.[k] ?? 0) * units(id, k));
    }
  }
  for (const g of new Set([...Object.keys(from.reservations), ...Object.keys(to.reservations)])) {
    const k = spec.reservations[g]?.resource;
    if (!k) continue;
    for (const r of Object.keys(spec.regions)) add(`${r}\u0000${k}`, Math.max(from.reservations[g]?.[r] ?? 0, to.reservations[g]?.[r] ?? 0));
  }
  for (const S of new Set([...Object.keys(from.followers), ...Object.keys(to.followers)])) {
    for (const r of Object.keys(spec.regions)) {
      const a = from.followers[S]?.[r] ?? {};
      const b = to.followers[S]?.[r] ?? {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) add(`${r}\u0000${k}`, Math.max(a[k] ?? 0, b[k] ?? 0));
    }
  }
  const out: string[] = [];
  for (const [key, v] of [...peak].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [r, k] = key.split('\u0000');
    const limit = Math.max(spec.regions[r]?.supply[k] ?? 0, before.get(key) ?? 0);
    if (v > limit + 1e-6) out.push(`${r}/${k} ${v} > ${limit}`);
  }
  return out;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
