/**
 * `node dist/bench/waves.js [--tenants 40] [--regions 10] [--seed 1] [--headroom 0.1]`: a region exit
 * in a full world, planned in one safe step and in waves (planner/waves.ts). The world is the
 * generator's reference placement with only `headroom` spare supply (0.1: ~90% full); the region
 * that exits is the smallest one holding something. Prints, for each way of planning, the wall and
 * CPU seconds, the waves, what the exiting region still holds, and the demand left unserved, and
 * checks every wave's Σ max(before, after) against the supply itself (not the planner's claim).
 */
import { cpus } from 'node:os';
import { Command } from 'commander';
import { usageByRegion } from '../executor/invariants.js';
import type { Deployment } from '../executor/state.js';
import type { Spec } from '../lang/spec.js';
import { buildPlan } from '../planner/build-plan.js';
import { planPlacement } from '../planner/index.js';
import { exitRegion } from '../planner/what-if.js';
import { generateWorld } from './generate-world.js';

interface Options {
  tenants: string;
  regions: string;
  seed: string;
  headroom: string;
  maxWaves: string;
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--tenants <n>', 'tenants in the world (up to 50: planned as one model, where waves apply)', '40')
    .option('--regions <n>', 'regions', '10')
    .option('--seed <n>', 'seed of the world generator', '1')
    .option('--headroom <fraction>', 'spare supply over the reference placement', '0.1')
    .option('--max-waves <n>', 'wave limit of the plan in waves', '4')
    .parse()
    .opts<Options>();
  const world = generateWorld({ tenants: Number(o.tenants), regions: Number(o.regions), resources: 4, seed: Number(o.seed), headroom: Number(o.headroom) });
  const current = world.reference;
  const region = exitingRegion(world.spec, current);
  const spec = exitRegion(world.spec, region);
  const full = fullness(world.spec, current);
  console.log(`# Region exit in waves\n\nnode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  console.log(`\nWorld: ${o.tenants} tenants × ${o.regions} regions × 4 resources (seed ${o.seed}), the reference placement deployed: ${pct(full)} of the supply in use. Exiting: ${region} (${held(world.spec, current, region)} units).\n`);
  console.log('| plan | wall s | cpu s | waves | left in the exiting region | unserved rps | every wave within supply |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const maxWaves of [1, Number(o.maxWaves)]) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { placement, intermediate } = await planPlacement(spec, current, { maxWaves });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const plan = buildPlan({ spec, current: null, placement, intermediate, globeVersion: 'bench' });
    const waves = plan.waves?.length ?? 1;
    const steps = [current, ...intermediate, placement.target];
    const over = steps.slice(1).flatMap((d, i) => overSupply(spec, steps[i], d));
    const unserved = Object.values(placement.unserved).flatMap((c) => Object.values(c).flatMap((s) => Object.values(s))).reduce((a, b) => a + b, 0);
    const label = maxWaves === 1 ? 'one safe step (--max-waves 1)' : `in waves (--max-waves ${maxWaves})`;
    console.log(`| ${label} | ${wall.toFixed(2)} | ${((cpu.user + cpu.system) / 1e6).toFixed(2)} | ${waves} | ${held(spec, placement.target, region)} | ${unserved.toFixed(1)} | ${over.length === 0 ? 'yes' : `no: ${over.join('; ')}`} |`);
  }
}

/** The region with the least supply among those that hold something: the exit most likely to fit elsewhere. */
function exitingRegion(spec: Spec, d: Deployment): string {
  const used = usageByRegion(spec, d);
  const holding = Object.keys(spec.regions).filter((r) => [...used].some(([k, v]) => k.startsWith(`${r}\u0000`) && v > 0));
  const total = (r: string) => Object.values(spec.regions[r].supply).reduce((a, b) => a + b, 0);
  return holding.sort((a, b) => total(a) - total(b) || (a < b ? -1 : 1))[0];
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
