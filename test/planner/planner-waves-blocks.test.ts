/**
 * Waves for a fleet planned in blocks (more than 50 tenants, planner/decompose/waves-in-blocks.ts):
 * a region exit in a full 60-tenant world leaves demand unserved in one safe step, and waves serve
 * it; every wave keeps Σ max(before, after) within the supply for the whole fleet, as the
 * independent checker sees it.
 */
import { describe, expect, it } from 'vitest';
import type { Spec, TenantId } from '../../lang/spec.js';
import type { Deployment } from '../../schemas/state.js';
import { usageByRegion } from '../../schemas/invariants.js';
import { planPlacement } from '../../planner/index.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { exitRegion } from '../../planner/what-if.js';
import { specOf } from '../support/specs.js';

/**
 * e (8 h100) holds evac-1…4, 2 h100 each, whose clients only n1 and n2 reach in time; n1 and n2
 * (10 each) are held 9 of 10 by y-n1 and y-n2, served from anywhere; f1–f3 (20 each) are held 18 of
 * 20 by 54 pinned tenants of one h100. The evacuation fits n1 and n2 only once y-n1 and y-n2 have
 * moved 3 h100 each into the far regions' spare room: two waves.
 */
function exitWorld(): { spec: Spec; current: Deployment } {
  const current: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  const place = (name: string, r: string, n: number) => {
    current.tenants[`fleet/${name}` as TenantId] = { replicas: { [r]: { h100: n } }, routing: { q: { [r]: { [r]: 1 } } } };
  };
  const tenants: string[] = [];
  for (let i = 1; i <= 4; i++) {
    tenants.push(`  tenant evac-${i} { demand q { e = 1000rps }  latency q < 20ms  replica h100 x1 serves 500rps }`);
    place(`evac-${i}`, 'e', 2);
  }
  for (const r of ['n1', 'n2']) {
    tenants.push(`  tenant y-${r} { demand q { ${r} = 4500rps }  latency q < global  replica h100 x1 serves 500rps }`);
    place(`y-${r}`, r, 9);
  }
  for (const r of ['f1', 'f2', 'f3']) {
    for (let i = 1; i <= 18; i++) {
      tenants.push(`  tenant p-${r}-${i} { demand q { ${r} = 500rps }  latency q < 5ms  replica h100 x1 serves 500rps }`);
      place(`p-${r}-${i}`, r, 1);
    }
  }
  const regions = ['e', 'n1', 'n2', 'f1', 'f2', 'f3'];
  const pairs: string[] = [];
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) pairs.push(`${regions[i]} <-> ${regions[j]} = ${regions[i] === 'e' && regions[j].startsWith('n') ? 10 : 80}ms`);
  }
  const supply: Record<string, number> = { e: 8, n1: 10, n2: 10, f1: 20, f2: 20, f3: 20 };
  const { spec } = specOf(`resource h100 { unit = gpu  cost = 3 }
${regions.map((r) => `region ${r} { locality = na  supply { h100 = ${supply[r]} } }`).join('\n')}
latency { ${pairs.join('  ')} }
service fleet {
${tenants.join('\n')}
}
`);
  return { spec, current };
}

function unservedRps(u: Record<string, Record<string, Record<string, number>>>): number {
  let n = 0;
  for (const byClass of Object.values(u)) for (const byClient of Object.values(byClass)) for (const v of Object.values(byClient)) n += v;
  return n;
}

const heldIn = (spec: Spec, d: Deployment, region: string) => [...usageByRegion(spec, d)].filter(([k]) => k.startsWith(`${region}\u0000`)).reduce((a, [, v]) => a + v, 0);

describe('waves for a fleet planned in blocks', () => {
  it('serves in waves what one safe step leaves unserved in a region exit, every wave within supply for the whole fleet', async () => {
    const { spec: world, current } = exitWorld();
    const spec = exitRegion(world, 'e');
    expect(Object.keys(current.tenants)).toHaveLength(60);

    const one = await planPlacement(spec, current, { maxWaves: 1 });
    expect(one.placement.solver.blocks?.count).toBeGreaterThan(1);
    expect(one.intermediate).toEqual([]);
    // one step: evac gets the one free h100 in n1 and in n2, 3,000 of its 4,000 rps are left
    expect(unservedRps(one.placement.unserved)).toBe(3000);

    const { placement, intermediate } = await planPlacement(spec, current);
    expect(placement.solver.blocks?.count).toBeGreaterThan(1);
    expect(intermediate).toHaveLength(1);
    expect(unservedRps(placement.unserved)).toBe(0);
    expect(placement.wavesShortOf).toBeUndefined();
    expect(heldIn(spec, placement.target, 'e')).toBe(0);
    // the checker takes the wave deployments from the plan and checks each wave's peak on its own
    expect(checkPlacement(spec, current, placement, intermediate)).toEqual([]);
    // and without the intermediate wave, the same target breaks the supply mid-apply
    expect(checkPlacement(spec, current, placement).some((p) => p.startsWith('transition: '))).toBe(true);
    // tenants outside the full regions keep their one-step plan
    for (const r of ['f1', 'f2', 'f3']) for (let i = 1; i <= 18; i++) expect(placement.target.tenants[`fleet/p-${r}-${i}` as TenantId]).toEqual(one.placement.target.tenants[`fleet/p-${r}-${i}` as TenantId]);
    expect(placement.solver.gap).toBeLessThan(1);
  });
});

/**
 * The coupled block in waves: a product served entirely in e, whose supply is gone, its follower
 * holding 100 cpu there; 55 more tenants make the fleet one of blocks. At --max-shift 40% the
 * traffic leaves e in three waves (40%, 40%, 20%), the followers shrinking in e as they grow in n.
 */
describe('waves for the products of a fleet planned in blocks', () => {
  it('moves a product out of an exiting region in waves of --max-shift, every wave within supply', async () => {
    const fill = Array.from({ length: 55 }, (_, i) => `  tenant t${i + 1} { demand q { n = 100rps }  latency q < 5ms  replica cpu x1 serves 100rps }`);
    const { spec } = specOf(`resource cpu { unit = server  cost = 1 }
region e { locality = na  supply { cpu = 0 } }
region n { locality = na  supply { cpu = 200 } }
latency { e <-> n = 10ms }
product app { traffic { e = 100% }  total = 1000  latency < continental }
service web { follows app { cpu = 0.1 per unit } }
service fill {
${fill.join('\n')}
}
`);
    const current: Deployment = { tenants: {}, reservations: {}, products: { app: { e: { e: 1 } } }, followers: { web: { e: { cpu: 100 } } } };
    for (let i = 1; i <= 55; i++) current.tenants[`fill/t${i}` as TenantId] = { replicas: { n: { cpu: 1 } }, routing: { q: { n: { n: 1 } } } };

    const { placement, intermediate } = await planPlacement(spec, current, { maxShift: 0.4 });
    expect(placement.solver.blocks?.count).toBeGreaterThan(1);
    expect(intermediate.map((d) => d.followers.web)).toEqual([
      { e: { cpu: 60 }, n: { cpu: 40 } },
      { e: { cpu: 20 }, n: { cpu: 80 } },
    ]);
    expect(placement.target.products.app).toEqual({ e: { n: 1 } });
    expect(placement.target.followers.web).toEqual({ n: { cpu: 100 } });
    expect(placement.unservedProducts).toEqual({});
    expect(checkPlacement(spec, current, placement, intermediate)).toEqual([]);
  });
});
