/**
 * One verdict on region loss: on random worlds, what the plan says about each DR tenant is exactly
 * what `simulate --fail` finds for every region, and what the placement checker accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyDeployment } from '../../schemas/state.js';
import { planPlacement } from '../../planner/index.js';
import { maxFlow } from '../../planner/region-loss.js';
import { simulateFailure, type FailureReport } from '../../planner/simulate.js';
import type { Plan } from '../../schemas/plan.js';
import { globe } from '../support/cli.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import { checkSpec } from '../../lang/check/index.js';
import { mergeFiles } from '../../lang/merge.js';

const REGIONS = ['r1', 'r2', 'r3', 'r4'];

const worldText = fc
  .record({
    regions: fc.integer({ min: 2, max: 4 }),
    rtts: fc.array(fc.constantFrom(5, 15, 40, 90), { minLength: 6, maxLength: 6 }),
    supply: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 4, maxLength: 4 }),
    tenants: fc.array(
      fc.record({
        demand: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 4, maxLength: 4 }),
        threshold: fc.constantFrom(10, 20, 50, 100),
        drLatency: fc.option(fc.constantFrom(50, 100), { nil: undefined }),
        aggregate: fc.boolean(),
        priority: fc.constantFrom(0, 10),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((w) => {
    const regions = REGIONS.slice(0, w.regions);
    const lines = ['resource cpu { unit = server  cost = 1 }'];
    regions.forEach((r, i) => lines.push(`region ${r} { locality = na  supply { cpu = ${w.supply[i]} } }`));
    const pairs: string[] = [];
    let p = 0;
    for (let i = 0; i < regions.length; i++) for (let j = i + 1; j < regions.length; j++) pairs.push(`  ${regions[i]} <-> ${regions[j]} = ${w.rtts[p++]}ms`);
    lines.push(`latency {\n${pairs.join('\n')}\n}`, 'service s {');
    w.tenants.forEach((t, i) => {
      const demand = regions.map((r, j) => (t.demand[j] > 0 ? `${r} = ${t.demand[j]}rps` : '')).filter(Boolean);
      if (demand.length === 0) demand.push(`${regions[0]} = 100rps`);
      lines.push(
        `  tenant t${i} {`,
        `    priority = ${t.priority}`,
        `    demand q { ${demand.join('  ')} }`,
        `    latency q < ${t.threshold}ms`,
        '    replica cpu x1 serves 100rps',
        `    tolerate region-failure${t.aggregate ? ' aggregate' : ''}`,
        ...(t.drLatency ? [`    dr_latency = ${t.drLatency}ms`] : []),
        '  }',
      );
    });
    lines.push('}');
    return lines.join('\n');
  });

describe('region-loss verdict', () => {
  it('plan, simulate --fail and the checker agree tenant by tenant on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(worldText, async (text) => {
        const { spec, diagnostics, sourceMap } = mergeFiles([parseGlobe(text, 'world.globe')]);
        // Demand no region can reach is refused before planning (unreachable-demand): nothing to plan.
        if ([...diagnostics, ...checkSpec(spec, sourceMap)].some((d) => d.severity === 'error')) return;
        const { placement } = await planPlacement(spec, emptyDeployment(), { weights: { balance: 0 } });
        expect(checkPlacement(spec, emptyDeployment(), placement)).toEqual([]);
        const lostBySimulate = new Map<string, Record<string, number>>();
        for (const region of Object.keys(spec.regions).sort()) {
          const report = await simulateFailure(spec, placement.target, region);
          for (const id of report.violated) (lostBySimulate.get(id) ?? lostBySimulate.set(id, {}).get(id)!)[region] = report.lost[id];
        }
        for (const [id, claim] of Object.entries(placement.disasterReadiness)) {
          expect(claim.met).toBe(!lostBySimulate.has(id));
          if (!claim.met) expect(claim.lost).toEqual(lostBySimulate.get(id));
        }
      }),
      { numRuns: 25, seed: 13 },
    );
  }, 300_000);
});

describe('maxFlow', () => {
  it('finds the largest routing on bipartite networks, equal to the minimum cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        (supply, capacity, links) => {
          const linked = (i: number, j: number) => links[i * 4 + j];
          const flow = maxFlow(supply, capacity, linked);
          // Minimum cut by brute force: choose which sources stay on the source side; a source kept
          // forces every sink it links to onto the source side too (its edges are unbounded).
          let cut = Infinity;
          for (let mask = 0; mask < 1 << supply.length; mask++) {
            let c = 0;
            const sinks = new Set<number>();
            supply.forEach((s, i) => {
              if (mask & (1 << i)) capacity.forEach((_, j) => linked(i, j) && sinks.add(j));
              else c += s;
            });
            for (const j of sinks) c += capacity[j];
            cut = Math.min(cut, c);
          }
          expect(flow.total).toBeCloseTo(cut, 9);
          supply.forEach((s, i) => expect(flow.fromSource[i]).toBeLessThanOrEqual(s + 1e-9));
          capacity.forEach((c, j) => expect(flow.toSink[j]).toBeLessThanOrEqual(c + 1e-9));
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('globe plan and globe simulate --fail all --planned', () => {
  it.each(['quickstart', 'global'])('examples/%s: the plan names exactly the tenants and regions simulate finds violated', (example) => {
    const plan = JSON.parse(globe(['plan', `examples/${example}`, '--json', '--lock', 'false']).stdout) as Plan;
    const sim = globe(['simulate', `examples/${example}`, '--fail', 'all', '--planned', '--format', 'json']);
    const failures = (JSON.parse(sim.stdout) as { failures: FailureReport[] }).failures;
    const fromSimulate: Record<string, Record<string, number>> = {};
    for (const f of failures) for (const id of f.violated) (fromSimulate[id] ??= {})[f.region] = f.lost[id];
    const fromPlan: Record<string, Record<string, number>> = {};
    for (const [id, dr] of Object.entries(plan.placement.disasterReadiness)) if (!dr.met) fromPlan[id] = dr.lost!;
    expect(fromPlan).toEqual(fromSimulate);
    expect(sim.code).toBe(Object.keys(fromPlan).length > 0 ? 2 : 0);
  });
});
