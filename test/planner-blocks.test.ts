/**
 * Large fleets are planned in blocks (planner/decompose). What a user relies
 * on: the plan keeps every promise the one-model plan keeps, shared supply is
 * never overrun, the reported bound is a true lower bound (it never exceeds
 * what the exact one-model plan achieves), and the output is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { generateWorld } from '../bench/generate-world.js';
import { canonicalJson } from '../lang/canonical-json.js';
import { emptyDeployment } from '../executor/state.js';
import { planPlacement } from '../planner/index.js';
import type { Placement } from '../planner/placement.js';
import { checkPlacement } from './support/placement-checker.js';
import { specOf } from './support/specs.js';

const withoutTimings = (p: Placement) => canonicalJson({ ...p, solver: { ...p.solver, seconds: 0 } });

describe('planning a fleet in blocks', () => {
  const world = generateWorld({ tenants: 40, regions: 5, resources: 2, seed: 2 });

  it('keeps every promise, and certifies a gap whose bound lies below the exact plan', async () => {
    const exact = await planPlacement(world.spec, world.current, { blockTenants: 1000 });
    const blocked = await planPlacement(world.spec, world.current, { blockTenants: 10 });
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
