import { describe, expect, it } from 'vitest';
import { applyMove } from '../../schemas/apply-move.js';
import { usageByRegion } from '../../schemas/invariants.js';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';
import { buildPlan } from '../../planner/build-plan.js';
import type { Placement } from '../../schemas/placement.js';
import { specOf } from '../support/specs.js';

// The swap: two regions of 4 h100, `a` holds r1 and `b` holds r2, and each must move
// to where the other sits. No single safe step exists; two waves through an empty fleet do
// (each wave within supply on its own: Σ max(before, after) ≤ 4 in both regions).
const world = `
resource h100 { unit = gpu  cost = 1 }
region r1 { locality = na  supply { h100 = 4 } }
region r2 { locality = eu  supply { h100 = 4 } }
latency { r1 <-> r2 = 90ms }
service s {
  tenant a { demand q { r2 = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
  tenant b { demand q { r1 = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
}`;

const at = (a: Record<string, number>, b: Record<string, number>): Deployment => ({
  ...emptyDeployment(),
  tenants: {
    's/a': { replicas: Object.fromEntries(Object.entries(a).map(([r, n]) => [r, { h100: n }])), routing: {} },
    's/b': { replicas: Object.fromEntries(Object.entries(b).map(([r, n]) => [r, { h100: n }])), routing: {} },
  },
});

function placementAt(target: Deployment): Placement {
  return { version: 1, target, failover: {}, unserved: {}, unservedProducts: {}, usage: {}, solver: { status: 'optimal', objective: 0, gap: 0, seconds: 0 } } as unknown as Placement;
}

describe('a plan built from wave deployments', () => {
  const { spec } = specOf(world);
  const current = { ...at({ r1: 4 }, { r2: 4 }), version: 1, lineage: 'l', serial: 1 } as never;
  const middle = at({}, {});
  const target = at({ r2: 4 }, { r1: 4 });

  it('numbers each wave, says why it exists, and keeps every wave within supply', () => {
    const plan = buildPlan({ spec, current, placement: placementAt(target), globeVersion: '0.0.0', intermediate: [middle] });
    expect(plan.waves?.map((w) => [w.wave, w.reason])).toEqual([
      [1, 'frees 4 h100 in r1 for wave 2; frees 4 h100 in r2 for wave 2'],
      [2, 'uses the 4 h100 that wave 1 frees in r1; uses the 4 h100 that wave 1 frees in r2'],
    ]);
    expect(new Set(plan.moves.map((m) => m.wave))).toEqual(new Set([1, 2]));
    expect(plan.moves.every((m) => m.id.startsWith(`w${m.wave}-`))).toBe(true);
    // play the moves in order: no moment exceeds a region's supply, and the end is the target
    let d: Deployment = at({ r1: 4 }, { r2: 4 });
    for (const m of plan.moves) {
      d = applyMove(d, m);
      for (const [key, used] of usageByRegion(spec, d)) expect(used, `${m.id} ${key}`).toBeLessThanOrEqual(4);
    }
    expect(d.tenants['s/a'].replicas).toEqual(target.tenants['s/a'].replicas);
    expect(d.tenants['s/b'].replicas).toEqual(target.tenants['s/b'].replicas);
    expect(plan.diff.regions.map((r) => [r.region, r.peak])).toEqual([['r1', 4], ['r2', 4]]);
  });

  it('keeps the one-wave shape when the intermediate deployments change nothing', () => {
    const plan = buildPlan({ spec, current, placement: placementAt(target), globeVersion: '0.0.0', intermediate: [at({ r1: 4 }, { r2: 4 })] });
    const oneWave = buildPlan({ spec, current, placement: placementAt(target), globeVersion: '0.0.0' });
    expect(plan).toEqual(oneWave);
    expect(plan.waves).toBeUndefined();
    expect(plan.moves.some((m) => 'wave' in m)).toBe(false);
  });
});
