/**
 * Large fleets are planned in blocks (planner/decompose). What a user relies
 * on: the plan keeps every promise the one-model plan keeps, shared supply is
 * never overrun, the reported bound is a true lower bound (it never exceeds
 * what the exact one-model plan achieves), and the output is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../bench/generate-world.js';
import { canonicalJson } from '../../lang/canonical-json.js';
import { emptyDeployment } from '../../schemas/state.js';
import { planPlacement } from '../../planner/index.js';
import { partitionFleet, tiedTenants } from '../../planner/decompose/partition.js';
import { World } from '../../planner/model/world.js';
import { DEFAULT_WEIGHTS } from '../../planner/weights.js';
import { intentDigests } from '../../schemas/intent-digests.js';
import type { Spec, TenantId } from '../../lang/spec.js';
import type { Placement } from '../../schemas/placement.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { planInBlocks } from '../../planner/decompose/plan-in-blocks.js';
import { disasterReadiness } from '../../planner/extract.js';
import { specOf } from '../support/specs.js';

const withoutTimings = (p: Placement) => canonicalJson({ ...p, solver: { ...p.solver, seconds: 0 } });

describe('planning a fleet in blocks', () => {
  const world = generateWorld({ tenants: 40, regions: 5, resources: 2, seed: 2 });

  it('keeps every promise, and certifies a gap whose bound lies below the exact plan', async () => {
    // The bound is that of one safe step: both plans take one (in waves, the blocked plan of this
    // world meets a region-loss readiness that one step leaves short, so its objective differs).
    const exact = await planPlacement(world.spec, world.current, { blockTenants: 1000, maxWaves: 1 });
    const blocked = await planPlacement(world.spec, world.current, { blockTenants: 10, maxWaves: 1 });
    const s = blocked.placement.solver;
    expect(s.blocks?.count).toBeGreaterThanOrEqual(4);
    expect(s.boundKind).toBe('decomposition');
    expect(checkPlacement(world.spec, world.current, blocked.placement)).toEqual([]);
    expect(checkPlacement(world.spec, world.current, exact.placement)).toEqual([]);
    // A lower bound on the fleet's optimum can never beat a plan that exists.
    expect(s.bound).toBeLessThanOrEqual(exact.placement.solver.objective + 1e-6);
    expect(s.bound).toBeLessThanOrEqual(s.objective);
    expect(s.gap).toBeLessThan(0.02);
    expect(s.terms.unserved).toBe(0);
  });

  it('gives the same plan, byte for byte, when run twice', async () => {
    const a = await planPlacement(world.spec, world.current, { blockTenants: 15 });
    const b = await planPlacement(world.spec, world.current, { blockTenants: 15 });
    expect(withoutTimings(a.placement)).toBe(withoutTimings(b.placement));
  });

  it('re-plans together the blocks that overran a region, and never exceeds its supply', async () => {
    // Every tenant alone would sit in the nearby region a, which holds room for two of the four.
    const tenants = ['t1', 't2', 't3', 't4']
      .map((t) => `  tenant ${t} { demand r { a = 400rps }  latency r < 20ms  replica cpu x1 serves 100rps }`)
      .join('\n');
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 10 } }
region b { locality = na  supply { cpu = 100 } }
latency { a <-> b = 15ms }
service s {
${tenants}
}`);
    const current = emptyDeployment();
    const exact = await planPlacement(spec, current, { blockTenants: 1000 });
    const blocked = await planPlacement(spec, current, { blockTenants: 1 });
    const s = blocked.placement.solver;
    expect(s.blocks).toEqual({ count: 4, repaired: 4 });
    expect(checkPlacement(spec, current, blocked.placement)).toEqual([]);
    expect(blocked.placement.usage.a.cpu.used).toBeLessThanOrEqual(10);
    expect(blocked.placement.usage.a.cpu.peak).toBeLessThanOrEqual(10);
    // Blocks leave balance out (it ties the whole fleet), so the plan may be a little worse than exact —
    // by no more than its gap says — and its bound is never above the exact plan.
    expect(s.objective).toBeGreaterThanOrEqual(exact.placement.solver.bound - 1e-6);
    expect(s.bound).toBeLessThanOrEqual(exact.placement.solver.objective + 1e-6);
    expect((s.objective - s.bound) / s.objective).toBeCloseTo(s.gap, 5);
  });
});

describe("a block's later region-loss rounds", () => {
  // Seed 5 of this size is a world where one block's first solve leaves a DR tenant short of a region loss
  // it did not model yet, while the rest of its block is fine (found by trying seeds 1–8).
  const world = generateWorld({ tenants: 120, regions: 8, resources: 2, seed: 5 });

  it('re-plan only the tenants found short, and the plan still keeps every promise within a true bound', async () => {
    const w = new World(world.spec, world.current);
    const blocks = partitionFleet(w, DEFAULT_WEIGHTS, 20);
    const alone = await planInBlocks(w, DEFAULT_WEIGHTS, {}, blocks, { concurrency: 2, timeLimitSeconds: 60, gapLimit: 0.005 });
    expect(alone.rounds.few).toBeGreaterThanOrEqual(1);
    const blocked = await planPlacement(world.spec, world.current, { blockTenants: 20, maxWaves: 1 });
    const exact = await planPlacement(world.spec, world.current, { blockTenants: 1000, maxWaves: 1, gapLimit: 0.005 });
    const s = blocked.placement.solver;
    expect(checkPlacement(world.spec, world.current, blocked.placement)).toEqual([]);
    // Every region loss the plan claims to survive, it survives; every one it claims lost is lost.
    expect(blocked.placement.disasterReadiness).toEqual(disasterReadiness(w, blocked.placement.target));
    expect(s.bound).toBeLessThanOrEqual(exact.placement.solver.objective + 1e-6);
    expect(s.bound).toBeLessThanOrEqual(s.objective);
    expect(s.terms.unserved).toBe(0);
  });
});

describe('cutting the fleet into blocks', () => {
  it('keeps products, followers and tied tenants in one block, and sizes the other blocks evenly', () => {
    const generated = generateWorld({ tenants: 100, regions: 10, resources: 2, seed: 1 });
    const world = new World(generated.spec, generated.current);
    const tied = tiedTenants(world);
    expect(Object.keys(world.spec.products).length).toBeGreaterThan(0);
    const blocks = partitionFleet(world, { ...DEFAULT_WEIGHTS, serviceBalance: 0 }, 50);
    // every tenant in exactly one block; all the tied ones in the single coupled block
    expect(blocks.flatMap((b) => b.tenants).sort()).toEqual(world.tenants.map((t) => t.id).sort());
    expect(blocks.filter((b) => b.coupled)).toHaveLength(1);
    const coupled = blocks.find((b) => b.coupled)!;
    for (const id of tied) expect(coupled.tenants).toContain(id);
    // the free tenants in blocks of even size (47 + 47, not 50 + 44), so that two workers finish together
    const sizes = blocks.filter((b) => !b.coupled).map((b) => b.tenants.length);
    expect(sizes).toHaveLength(Math.ceil((world.tenants.length - coupled.tenants.length) / 50));
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
});

describe('re-planning only what changed', () => {
  const world = generateWorld({ tenants: 40, regions: 5, resources: 2, seed: 2 });

  /** The first plan applied: its target is the state, with the intent it was planned from. */
  async function applied() {
    const first = await planPlacement(world.spec, world.current, { blockTenants: 10 });
    expect(Object.keys(first.placement.unserved)).toEqual([]);
    return { current: first.placement.target, plannedFrom: intentDigests(world.spec) };
  }

  function withMoreDemand(spec: Spec, id: TenantId): Spec {
    const changed = structuredClone(spec);
    const [service, name] = id.split('/');
    const demand = changed.services[service].tenants[name].demand;
    for (const byClient of Object.values(demand)) for (const client of Object.keys(byClient)) byClient[client] = Math.ceil(byClient[client] * 3);
    return changed;
  }

  it('plans again only the tenant whose intent changed, and moves nothing else', async () => {
    const { current, plannedFrom } = await applied();
    const ids = (Object.keys(current.tenants) as TenantId[]).sort();
    // Region-loss verdicts are read from the deployment (planner/region-loss.ts): a DR tenant kept as it runs keeps its verdict.
    const id = ids[0];
    const spec = withMoreDemand(world.spec, id);
    const again = await planPlacement(spec, current, { blockTenants: 10, plannedFrom });
    const s = again.placement.solver;
    expect(s.boundKind).toBe('incremental');
    expect(s.incremental).toEqual({ replanned: 1, kept: ids.length - 1 });
    expect(checkPlacement(spec, current, again.placement)).toEqual([]);
    for (const other of ids) if (other !== id) expect(again.placement.target.tenants[other]).toEqual(current.tenants[other]);
    expect(again.placement.target.tenants[id]).not.toEqual(current.tenants[id]);
  });

  it('plans in full when something the fleet shares changed', async () => {
    const { current, plannedFrom } = await applied();
    const spec = structuredClone(world.spec);
    const region = Object.keys(spec.regions).sort()[0];
    for (const k of Object.keys(spec.regions[region].supply)) spec.regions[region].supply[k] += 1;
    const again = await planPlacement(spec, current, { blockTenants: 10, plannedFrom });
    expect(again.placement.solver.boundKind).toBe('decomposition');
    expect(again.placement.solver.incremental).toBeUndefined();
  });
});
