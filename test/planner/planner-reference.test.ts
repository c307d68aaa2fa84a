/**
 * The planner against an exact reference written from docs/language.md alone
 * (bench/worlds/reference-model.ts, HiGHS directly, every stage to gap 0), on small random
 * worlds, and the minimal worlds of each disagreement found, as regression tests.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';
import { planPlacement, PlannerError } from '../../planner/index.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { solverPool } from '../../planner/solve/solve.js';
import { firstDifference, plannerStages } from '../../bench/worlds/compare-reference.js';
import { COST_ONLY, planWorld, REFERENCE_PLANNING } from '../../bench/worlds/plan-world.js';
import { solveReference } from '../../bench/worlds/reference-model.js';
import { drModes, loadWorld, SMALL_WORLDS, worldShape } from '../../bench/worlds/random-world.js';
import { specOf } from '../support/specs.js';

const pool = solverPool(1);
afterAll(() => pool.close());

describe('the planner equals an exact reference on small worlds', () => {
  // Tenants' region-loss readiness is left out: the planner's new per-failure planning (main, WIP)
  // still differs from the reference on some worlds (bench/README.md, "Random worlds").
  // Products' and follower services' readiness have no routing meaning in the docs to model.
  const limits = { ...SMALL_WORLDS, dr: false, productDr: false, drModes: drModes() };

  it('on 200 worlds: the same lexicographic values (unserved per stage, then cost), and a gap of 0 when 0 is asked', { timeout: 900_000 }, async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(worldShape(limits), async (shape) => {
        // The reference models one safe step (Σ max(current, target) ≤ supply): so does the planner here.
        const o = await planWorld(shape, { ...REFERENCE_PLANNING, pool, drModes: limits.drModes });
        expect(o.kind === 'crash' || o.kind === 'invalid' ? o : o.kind).not.toHaveProperty('message');
        expect(o.kind).not.toBe('invalid');
        if (o.kind !== 'placement') return;
        expect(o.problems).toEqual([]);
        const ref = await solveReference(o.spec, o.current, { disasterReadiness: false });
        expect(ref.exact).toBe(true);
        expect(ref.infeasible).toBe(false);
        expect(firstDifference(plannerStages(o.spec, o.placement, ref, false))).toBeUndefined();
        expect(o.placement.solver.status).toBe('optimal');
        expect(o.placement.solver.gap).toBe(0);
        compared++;
      }),
      { numRuns: 200, seed: 20261203, endOnFailure: true },
    );
    expect(compared).toBeGreaterThan(150); // the rest end in diagnostics (residuals that cannot fit)
  });
});

describe('disagreements found, each a minimal world', () => {
  it('a resource of cost 0 with churn and distance weights 0 is planned (crashed: nothing in the main objective)', async () => {
    const { spec } = specOf(`
resource cpu { unit = server }
region a { locality = na  supply { cpu = 4 } }
service s { tenant t { demand r { a = 150rps }  latency r < 5ms  replica cpu x1 serves 100rps } }`);
    const { placement } = await planPlacement(spec, emptyDeployment(), { pool, weights: { churn: 0, distance: 0 } });
    expect(placement.unserved).toEqual({});
    expect(checkPlacement(spec, emptyDeployment(), placement)).toEqual([]);
  });

  it('a region whose RTT to itself is 0 ms is planned (its route had no distance term: NaN in the objective)', async () => {
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 4 } }
latency { a <-> a = 0ms }
service s { tenant t { demand r { a = 150rps }  latency r < 5ms  replica cpu x1 serves 100rps } }`);
    const { placement } = await planPlacement(spec, emptyDeployment(), { pool });
    expect(placement.target.tenants['s/t'].replicas).toEqual({ a: { cpu: 2 } });
  });

  it('a project with regions and nothing to place plans nothing (was: "HiGHS: empty … bug in globe\'s model")', async () => {
    const { spec } = specOf(`
resource cpu { unit = server }
region a { locality = na }
region b { locality = eu }
service s { tenant t { replica cpu x1 serves 100rps } }`);
    const { placement } = await planPlacement(spec, emptyDeployment(), { pool });
    expect(placement.target.tenants['s/t']).toEqual({ replicas: {}, routing: {} });
    expect(placement.solver.status).toBe('optimal');
  });

  it('a residual larger than its region is a diagnostic naming its line (was: "HiGHS: infeasible … bug in globe\'s model")', async () => {
    const { spec, sourceMap } = specOf(`
resource cpu { unit = server }
region a { locality = na  supply { cpu = 2 } }
product p { demand { a = 10 }  latency < 5ms }
service feed {
  follows p { cpu = 0.1 per unit }
  residual { a { cpu = 3.5 } }
}`);
    const planned = planPlacement(spec, emptyDeployment(), { pool }, sourceMap);
    await expect(planned).rejects.toThrow(PlannerError);
    await expect(planned).rejects.toThrow('test.globe:7:18: service `feed` needs 4 cpu in `a` for its residual, but the region\'s supply of cpu is 2: lower the residual or add 2 cpu to `a`');
  });

  it('a residual that fits only once what runs now is gone is a diagnostic (apply holds it until its moves end)', async () => {
    const { spec, sourceMap } = specOf(`
resource cpu { unit = server }
region a { locality = na  supply { cpu = 5 } }
service feed { residual { a { cpu = 3 } } }
reservation batch { cpu = 2  in na }`);
    const current: Deployment = { ...emptyDeployment(), tenants: { 'gone/old': { replicas: { a: { cpu: 2 } }, routing: {} } }, reservations: { batch: { a: 2 } }, followers: { feed: { a: { cpu: 1 } } } };
    await expect(planPlacement(spec, current, { pool }, sourceMap)).rejects.toThrow(
      'service `feed` needs 3 cpu in `a` for its residual, but while apply runs `a` still holds the 5 cpu that run there now (supply 5): free 2 cpu in `a` with a plan applied first, or lower the residual',
    );
  });

  it('lower-priority demand is served though its region-loss readiness cannot be met (was: dropped while supply sat free)', async () => {
    // One allowed region: no placement survives its loss. The old model made readiness a hard row,
    // Σ capacity outside f + unserved ≥ demand, so the demand was left unserved instead.
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 12 } }
region b { locality = na  supply { cpu = 12 } }
latency { a <-> b = 100ms }
service s {
  tenant low { priority = 1  demand r { a = 300rps }  latency r < 5ms  replica cpu x1 serves 100rps  tolerate region-failure aggregate  only_in [a] }
}`);
    const { placement } = await planPlacement(spec, emptyDeployment(), { pool, weights: COST_ONLY, gapLimit: 0 });
    expect(placement.unserved).toEqual({});
    expect(placement.target.tenants['s/low'].replicas).toEqual({ a: { cpu: 3 } });
    expect(placement.disasterReadiness['s/low']).toMatchObject({ met: false, worstRegion: 'a', shortfall: 300 });
  });

  it('replicas in a region the tenant may no longer use count at the apply-time peak (a plan peaked at 8 cpu of 4)', async () => {
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 4 } }
region b { locality = na  supply { cpu = 4 } }
latency { a <-> b = 10ms }
service s {
  tenant moved { demand r { b = 100rps }  latency r < 20ms  replica cpu x1 serves 100rps  avoid [a] }
  tenant here { demand r { a = 400rps }  latency r < 5ms  replica cpu x1 serves 100rps }
}`);
    const current: Deployment = { ...emptyDeployment(), tenants: { 's/moved': { replicas: { a: { cpu: 4 } }, routing: { r: { b: { a: 1 } } } } } };
    const { placement } = await planPlacement(spec, current, { pool, weights: COST_ONLY, gapLimit: 0, maxWaves: 1 });
    expect(checkPlacement(spec, current, placement)).toEqual([]);
    expect(placement.usage.a.cpu.peak).toBeLessThanOrEqual(4);
    // in one safe step `here` waits for `moved` to leave a: this plan, applied, makes the room for the next one
    expect(placement.unserved['s/here']).toEqual({ r: { a: 400 } });
    // in waves (the default) the second wave uses the room the first frees
    const waves = await planPlacement(spec, current, { pool, weights: COST_ONLY, gapLimit: 0 });
    expect(waves.intermediate).toHaveLength(1);
    expect(checkPlacement(spec, current, waves.placement, waves.intermediate)).toEqual([]);
    expect(waves.placement.unserved).toEqual({});
  });

  it('a later stage does not keep a gain of solver tolerance: no replicas carrying no traffic (cost 55 for 20), and no false gap', async () => {
    // Generated world: serving 2e-6 rps of `s1/t4` (priority 1) came out of the tolerance of the
    // priority-100 stage; held exactly, it forced 7 replicas of t4 and reported "optimal, gap 70%".
    const loaded = loadWorld(readFileSync(new URL('../worlds/tolerance-gain.globe', import.meta.url), 'utf8'));
    if (!loaded.ok) throw new Error('the world does not load');
    const { placement } = await planPlacement(loaded.spec, emptyDeployment(), { pool, weights: COST_ONLY, gapLimit: 0 });
    const ref = await solveReference(loaded.spec, emptyDeployment(), { disasterReadiness: false });
    expect(ref.cost).toBe(20);
    expect(placement.solver.objective).toBe(20);
    expect(placement.solver.gap).toBe(0);
    expect(placement.target.tenants['s1/t4'].replicas).toEqual({});
    expect(checkPlacement(loaded.spec, emptyDeployment(), placement)).toEqual([]);
  });
});
