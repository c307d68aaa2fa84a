import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../schemas/state.js';
import { usageByRegion } from '../../schemas/invariants.js';
import { planPlacement } from '../../planner/index.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { exitRegion } from '../../planner/what-if.js';
import type { Spec } from '../../lang/spec.js';
import { specOf } from '../support/specs.js';

/** The issue's swap: a holds all of r1, b all of r2, and each one's demand now sits where the other runs. */
const swap = specOf(`resource h100 { unit = gpu  cost = 3 }
region r1 { locality = na  supply { h100 = 4 } }
region r2 { locality = na  supply { h100 = 4 } }
latency { r1 <-> r2 = 80ms }
service swap {
  tenant a { demand q { r2 = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
  tenant b { demand q { r1 = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
}
`).spec;

const swapped: Deployment = {
  tenants: {
    'swap/a': { replicas: { r1: { h100: 4 } }, routing: {} },
    'swap/b': { replicas: { r2: { h100: 4 } }, routing: {} },
  },
  reservations: {},
  products: {},
  followers: {},
};

/**
 * Checked here, not taken from the planner: each wave holds Σ max(before, after) per (region,
 * resource) at its peak, and that must fit the supply (or what the region held before, if more).
 */
function overSupply(spec: Spec, from: Deployment, to: Deployment): string[] {
  const before = usageByRegion(spec, from);
  const peak = usageByRegion(spec, maxOf(from, to));
  const out: string[] = [];
  for (const [key, used] of peak) {
    const [r, k] = key.split('\u0000');
    const limit = Math.max(spec.regions[r]?.supply[k] ?? 0, before.get(key) ?? 0);
    if (used > limit + 1e-9) out.push(`${r}/${k}: ${used} > ${limit}`);
  }
  return out;
}

/** Replica, reservation and follower counts of two deployments, the larger of each. */
function maxOf(a: Deployment, b: Deployment): Deployment {
  const out: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  for (const d of [a, b]) {
    for (const [id, t] of Object.entries(d.tenants)) {
      const into = (out.tenants[id as keyof typeof out.tenants] ??= { replicas: {}, routing: {} });
      for (const [r, byK] of Object.entries(t.replicas)) for (const [k, n] of Object.entries(byK)) (into.replicas[r] ??= {})[k] = Math.max(into.replicas[r][k] ?? 0, n);
    }
    for (const [g, byR] of Object.entries(d.reservations)) for (const [r, n] of Object.entries(byR)) (out.reservations[g] ??= {})[r] = Math.max(out.reservations[g][r] ?? 0, n);
    for (const [S, byR] of Object.entries(d.followers)) {
      for (const [r, byK] of Object.entries(byR)) for (const [k, n] of Object.entries(byK)) ((out.followers[S] ??= {})[r] ??= {})[k] = Math.max(out.followers[S][r][k] ?? 0, n);
    }
  }
  return out;
}

function unservedRps(u: Record<string, Record<string, Record<string, number>>>): number {
  let n = 0;
  for (const byClass of Object.values(u)) for (const byClient of Object.values(byClass)) for (const v of Object.values(byClient)) n += v;
  return n;
}

function steps(current: Deployment, intermediate: Deployment[], target: Deployment): Deployment[] {
  return [current, ...intermediate, target];
}

describe('plans in waves', () => {
  it('swaps two tenants that each need the room the other frees, in two or more waves, nothing unserved at the end', async () => {
    const { placement, intermediate } = await planPlacement(swap, swapped);
    expect(intermediate.length).toBeGreaterThanOrEqual(1);
    expect(unservedRps(placement.unserved)).toBe(0);
    expect(placement.target.tenants['swap/a'].replicas).toEqual({ r2: { h100: 4 } });
    expect(placement.target.tenants['swap/b'].replicas).toEqual({ r1: { h100: 4 } });
    expect(placement.wavesShortOf).toBeUndefined();
    expect(checkPlacement(swap, swapped, placement, intermediate)).toEqual([]);
    const all = steps(swapped, intermediate, placement.target);
    for (let i = 1; i < all.length; i++) expect(overSupply(swap, all[i - 1], all[i])).toEqual([]);
  });

  it('plans one safe step with --max-waves 1, as before waves', async () => {
    const { placement, intermediate } = await planPlacement(swap, swapped, { maxWaves: 1 });
    expect(intermediate).toEqual([]);
    expect(unservedRps(placement.unserved)).toBe(4000);
    expect(overSupply(swap, swapped, placement.target)).toEqual([]);
  });

  it('plans one wave when one suffices', async () => {
    const { placement, intermediate } = await planPlacement(swap, { tenants: {}, reservations: {}, products: {}, followers: {} });
    expect(intermediate).toEqual([]);
    expect(unservedRps(placement.unserved)).toBe(0);
  });
});

describe('the independent checker, for plans in waves', () => {
  it('checks each wave on its own, and names the wave that would exceed the supply', async () => {
    const { placement, intermediate } = await planPlacement(swap, swapped);
    // the target in one step breaks the supply mid-apply
    expect(checkPlacement(swap, swapped, placement).some((p) => p.startsWith('transition: r1/h100 peaks at 8 of 4'))).toBe(true);
    expect(checkPlacement(swap, swapped, placement, intermediate)).toEqual([]);
    // a first wave that grows a in r2 while b still holds it
    const unsafe: Deployment = { ...swapped, tenants: { ...swapped.tenants, 'swap/a': { replicas: { r1: { h100: 4 }, r2: { h100: 2 } }, routing: {} } } };
    expect(checkPlacement(swap, swapped, placement, [unsafe])).toContain('transition: r2/h100 peaks at 6 of 4 during apply (wave 1)');
  });
});

/**
 * A full world (40 of 44 h100 in use, 91%): exiting region e holds x, whose clients only r1 reaches in
 * time; r1 is held by y (served from anywhere), r2–r4 by tenants pinned to their region, one h100 free
 * in each. x fits in r1 only once y has moved 3 replicas into r2–r4: two waves at least.
 */
function fullWorld(): { spec: Spec; current: Deployment } {
  const current: Deployment = { tenants: {}, reservations: {}, products: {}, followers: {} };
  const place = (name: string, r: string, n: number) => (current.tenants[`full/${name}` as keyof Deployment['tenants']] = { replicas: { [r]: { h100: n } }, routing: {} });
  place('x', 'e', 4);
  place('y', 'r1', 9);
  for (const r of ['r2', 'r3', 'r4']) place(`p${r}`, r, 9);
  const pinned = ['r2', 'r3', 'r4'].map((r) => `  tenant p${r} { demand q { ${r} = 4500rps }  latency q < 5ms  replica h100 x1 serves 500rps }`);
  const others = ['r2', 'r3', 'r4'];
  const pairs = [['e', 'r1', 10], ...others.map((r) => ['e', r, 80]), ...others.map((r) => ['r1', r, 80]), ['r2', 'r3', 80], ['r2', 'r4', 80], ['r3', 'r4', 80]];
  const spec = specOf(`resource h100 { unit = gpu  cost = 3 }
region e  { locality = na  supply { h100 = 4 } }
region r1 { locality = na  supply { h100 = 10 } }
region r2 { locality = na  supply { h100 = 10 } }
region r3 { locality = na  supply { h100 = 10 } }
region r4 { locality = na  supply { h100 = 10 } }
latency { ${pairs.map(([a, b, ms]) => `${a} <-> ${b} = ${ms}ms`).join('  ')} }
service full {
  tenant x { demand q { e = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
  tenant y { demand q { r1 = 4500rps }  latency q < global  replica h100 x1 serves 500rps }
${pinned.join('\n')}
}
`).spec;
  return { spec, current };
}

describe('a region exit in a full world', () => {
  it('reaches zero in the exiting region in the waves it reports, each wave within supply', async () => {
    const { spec, current } = fullWorld();
    const exit = exitRegion(spec, 'e');
    const one = await planPlacement(exit, current, { maxWaves: 1 });
    expect(unservedRps(one.placement.unserved)).toBeGreaterThan(0);
    const { placement, intermediate } = await planPlacement(exit, current);
    expect(intermediate.length).toBeGreaterThanOrEqual(1);
    const all = steps(current, intermediate, placement.target);
    for (let i = 1; i < all.length; i++) expect(overSupply(exit, all[i - 1], all[i])).toEqual([]);
    const inE = (d: Deployment) => [...usageByRegion(exit, d)].filter(([k]) => k.startsWith('e\u0000')).reduce((a, [, v]) => a + v, 0);
    expect(inE(placement.target)).toBe(0);
    expect(unservedRps(placement.unserved)).toBe(0);
    expect(checkPlacement(exit, current, placement, intermediate)).toEqual([]);
  });
});

/**
 * A chain: e exits; its tenant's clients reach only n, which y holds; y's clients reach only n and m,
 * which z holds; z may run anywhere, and f is empty. Three waves: z to f, then y to m, then e's tenant to n.
 */
const chain = specOf(`resource h100 { unit = gpu  cost = 3 }
region e { locality = na  supply { h100 = 0 } }
region n { locality = na  supply { h100 = 2 } }
region m { locality = na  supply { h100 = 2 } }
region f { locality = na  supply { h100 = 2 } }
latency { e <-> n = 10ms  e <-> m = 80ms  e <-> f = 80ms  n <-> m = 10ms  n <-> f = 80ms  m <-> f = 80ms }
service c {
  tenant evac { demand q { e = 1000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
  tenant y { demand q { n = 1000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
  tenant z { demand q { m = 1000rps }  latency q < global  replica h100 x1 serves 500rps }
}
`).spec;

const chained: Deployment = {
  tenants: {
    'c/evac': { replicas: { e: { h100: 2 } }, routing: { q: { e: { e: 1 } } } },
    'c/y': { replicas: { n: { h100: 2 } }, routing: { q: { n: { n: 1 } } } },
    'c/z': { replicas: { m: { h100: 2 } }, routing: { q: { m: { m: 1 } } } },
  },
  reservations: {},
  products: {},
  followers: {},
};

describe('a chain of moves', () => {
  it('takes three waves and ends with the exiting region empty, each wave within supply', async () => {
    const { placement, intermediate } = await planPlacement(chain, chained);
    expect(intermediate).toHaveLength(2);
    expect(placement.target.tenants['c/evac'].replicas).toEqual({ n: { h100: 2 } });
    expect(placement.wavesShortOf).toBeUndefined();
    expect(checkPlacement(chain, chained, placement, intermediate)).toEqual([]);
    const all = steps(chained, intermediate, placement.target);
    for (let i = 1; i < all.length; i++) expect(overSupply(chain, all[i - 1], all[i])).toEqual([]);
  });

  it('says how far it stops short when --max-waves cuts it', async () => {
    const { placement, intermediate } = await planPlacement(chain, chained, { maxWaves: 2 });
    expect(intermediate).toHaveLength(1);
    expect(unservedRps(placement.unserved)).toBe(1000);
    expect(placement.wavesShortOf).toEqual({ unserved: 1000, drShortfall: 0 });
    const all = steps(chained, intermediate, placement.target);
    for (let i = 1; i < all.length; i++) expect(overSupply(chain, all[i - 1], all[i])).toEqual([]);
  });
});
