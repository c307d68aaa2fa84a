/**
 * Issue 16's per-wave limits: `--max-shift` bounds the product traffic each wave of a plan in
 * waves moves (measured from the wave before, not from where the plan starts), and `max_surge`
 * bounds the replicas each round of a wave adds (rounds start again in every wave). Both are
 * measured here from the documents alone (the Plan's waves, the deployments), not from the
 * planner's model.
 */
import { describe, expect, it } from 'vitest';
import type { Spec } from '../../lang/spec.js';
import type { Deployment, State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { planPlacement } from '../../planner/index.js';
import { buildPlan } from '../../planner/build-plan.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { specOf } from '../support/specs.js';

/**
 * A product served entirely in e, whose supply is gone (an exit): its follower holds 100 cpu there.
 * n has room for all of it; the product's traffic may move at most --max-shift per wave, so
 * the evacuation takes ⌈100% / max-shift⌉ waves.
 */
const exiting = specOf(`resource cpu { unit = server  cost = 1 }
region e { locality = na  supply { cpu = 0 } }
region n { locality = na  supply { cpu = 120 } }
latency { e <-> n = 10ms }
product app { traffic { e = 100% }  total = 1000  latency < continental }
service web { follows app { cpu = 0.1 per unit } }
`).spec;

const held: Deployment = {
  tenants: {},
  reservations: {},
  products: { app: { e: { e: 1 } } },
  followers: { web: { e: { cpu: 100 } } },
};

/** A product's traffic served per (client, region): the deployment's shares of what is served. */
function traffic(spec: Spec, product: string, d: Deployment, unserved: Record<string, number> = {}): Map<string, number> {
  const out = new Map<string, number>();
  for (const [client, rps] of Object.entries(spec.products[product].demand)) {
    for (const [r, share] of Object.entries(d.products[product]?.[client] ?? {})) out.set(`${client} ${r}`, (rps - (unserved[client] ?? 0)) * share);
  }
  return out;
}

/** Traffic that arrives where it was not served before, as a share of the product's total (what --max-shift bounds). */
function shifted(spec: Spec, product: string, from: Map<string, number>, to: Map<string, number>): number {
  const total = Object.values(spec.products[product].demand).reduce((a, b) => a + b, 0);
  let arrives = 0;
  for (const [key, v] of to) arrives += Math.max(0, v - (from.get(key) ?? 0));
  return arrives / total;
}

/** Each step's served traffic: every wave but the last serves it all (its followers are checked to cover it), the last what the plan says. */
function trafficSteps(spec: Spec, current: Deployment, intermediate: Deployment[], placement: { target: Deployment; unservedProducts: Record<string, Record<string, number>> }): Map<string, number>[] {
  for (const d of intermediate) {
    for (const [key, v] of traffic(spec, 'app', d)) expect(d.followers.web?.[key.split(' ')[1]]?.cpu ?? 0).toBeGreaterThanOrEqual(0.1 * v - 1e-6);
  }
  return [traffic(spec, 'app', current), ...intermediate.map((d) => traffic(spec, 'app', d)), traffic(spec, 'app', placement.target, placement.unservedProducts.app)];
}

function productUnserved(u: Record<string, Record<string, number>>): number {
  return Object.values(u).reduce((n, byClient) => n + Object.values(byClient).reduce((a, b) => a + b, 0), 0);
}

describe('--max-shift in a plan in waves', () => {
  it('moves at most the limit in each wave, measured from the wave before, and reaches the target in more waves', async () => {
    const { placement, intermediate } = await planPlacement(exiting, held, { maxShift: 0.4 });
    const steps = trafficSteps(exiting, held, intermediate, placement);
    // 100% at 40% a wave: three waves (40, 40, 20)
    expect(steps).toHaveLength(4);
    for (let i = 1; i < steps.length; i++) expect(shifted(exiting, 'app', steps[i - 1], steps[i])).toBeLessThanOrEqual(0.4 + 1e-6);
    expect(shifted(exiting, 'app', steps[0], steps[1])).toBeCloseTo(0.4, 6);
    expect(placement.target.products.app).toEqual({ e: { n: 1 } });
    expect(productUnserved(placement.unservedProducts)).toBe(0);
    expect(placement.target.followers.web).toEqual({ n: { cpu: 100 } });
    expect(placement.wavesShortOf).toBeUndefined();
    expect(checkPlacement(exiting, held, placement, intermediate)).toEqual([]);
  });

  it('says how far it stops short when the wave limit cuts the shift', async () => {
    const { placement, intermediate } = await planPlacement(exiting, held, { maxShift: 0.4, maxWaves: 2 });
    expect(intermediate).toHaveLength(1);
    const steps = trafficSteps(exiting, held, intermediate, placement);
    for (let i = 1; i < steps.length; i++) expect(shifted(exiting, 'app', steps[i - 1], steps[i])).toBeLessThanOrEqual(0.4 + 1e-6);
    // 80% moved in two waves; the 20% left in e has no supply there
    expect(productUnserved(placement.unservedProducts)).toBeCloseTo(200, 3);
    expect(placement.wavesShortOf).toEqual({ unserved: 200, drShortfall: 0 });
    expect(checkPlacement(exiting, held, placement, intermediate)).toEqual([]);
  });

  it('plans one safe step with --max-waves 1: the limit moved, the rest unserved (not an infeasible model)', async () => {
    const { placement, intermediate } = await planPlacement(exiting, held, { maxShift: 0.4, maxWaves: 1 });
    expect(intermediate).toEqual([]);
    const steps = trafficSteps(exiting, held, [], placement);
    expect(shifted(exiting, 'app', steps[0], steps[1])).toBeCloseTo(0.4, 6);
    expect(productUnserved(placement.unservedProducts)).toBeCloseTo(600, 3);
    expect(checkPlacement(exiting, held, placement)).toEqual([]);
  });

  it('moves it all in one wave without the limit', async () => {
    const { placement, intermediate } = await planPlacement(exiting, held);
    expect(intermediate).toEqual([]);
    expect(placement.target.products.app).toEqual({ e: { n: 1 } });
    expect(productUnserved(placement.unservedProducts)).toBe(0);
  });
});

/**
 * A chain (as in planner-waves.test.ts) with `max_surge = 1`: e exits; its tenant's clients reach
 * only n, which y holds; y's clients reach only n and m, which z holds; z may run anywhere, f is
 * empty. Three waves (z to f, y to m, evac to n), each tenant moving 2 replicas: inside its wave
 * it adds at most one per round, and its rounds are numbered from 1 in that wave.
 */
const chainWithSurge = specOf(`resource h100 { unit = gpu  cost = 3 }
region e { locality = na  supply { h100 = 0 } }
region n { locality = na  supply { h100 = 2 } }
region m { locality = na  supply { h100 = 2 } }
region f { locality = na  supply { h100 = 2 } }
latency { e <-> n = 10ms  e <-> m = 80ms  e <-> f = 80ms  n <-> m = 10ms  n <-> f = 80ms  m <-> f = 80ms }
service c {
  tenant evac { demand q { e = 1000rps }  latency q < 20ms  replica h100 x1 serves 500rps  max_surge = 1 }
  tenant y { demand q { n = 1000rps }  latency q < 20ms  replica h100 x1 serves 500rps  max_surge = 1 }
  tenant z { demand q { m = 1000rps }  latency q < global  replica h100 x1 serves 500rps  max_surge = 1 }
}
`).spec;

const chained: State = {
  version: 1,
  lineage: 'surge',
  serial: 1,
  tenants: {
    'c/evac': { replicas: { e: { h100: 2 } }, routing: { q: { e: { e: 1 } } } },
    'c/y': { replicas: { n: { h100: 2 } }, routing: { q: { n: { n: 1 } } } },
    'c/z': { replicas: { m: { h100: 2 } }, routing: { q: { m: { m: 1 } } } },
  },
  reservations: {},
  products: {},
  followers: {},
} as unknown as State;

describe('max_surge in a plan in waves', () => {
  it('adds at most max_surge replicas of a tenant per round within each wave, rounds counted per wave', async () => {
    const { placement, intermediate } = await planPlacement(chainWithSurge, chained);
    expect(intermediate.length).toBeGreaterThanOrEqual(1);
    const plan: Plan = buildPlan({ spec: chainWithSurge, current: chained, placement, globeVersion: '0.0.0', intermediate });
    expect(plan.waves).toHaveLength(3);
    const added = new Map<string, number>();
    const roundsPerWave = new Map<string, Set<number>>();
    for (const m of plan.moves) {
      if (m.kind !== 'upsize' || m.subject.type !== 'tenant') continue;
      const key = `${m.wave}/${m.subject.tenant}/${m.round}`;
      added.set(key, (added.get(key) ?? 0) + m.to - m.from);
      const w = `${m.wave}/${m.subject.tenant}`;
      (roundsPerWave.get(w) ?? roundsPerWave.set(w, new Set()).get(w)!).add(m.round);
    }
    expect(added.size).toBeGreaterThan(0);
    for (const [key, n] of added) expect(n, key).toBeLessThanOrEqual(1);
    // a tenant that grows by 2 in a wave does so in rounds 1 and 2 of that wave
    expect([...roundsPerWave.keys()].sort()).toEqual(['1/c/z', '2/c/y', '3/c/evac']);
    const grownBy = (wave: number, tenant: string) => [...added].filter(([k]) => k.startsWith(`${wave}/${tenant}/`)).reduce((a, [, n]) => a + n, 0);
    for (const [w, rounds] of roundsPerWave) {
      const [wave, tenant] = [Number(w.slice(0, w.indexOf('/'))), w.slice(w.indexOf('/') + 1)];
      expect([...rounds].sort()).toEqual(Array.from({ length: grownBy(wave, tenant) }, (_, i) => i + 1));
    }
    // the rounds split each wave's moves but not its safety: every wave still fits the supply
    expect(checkPlacement(chainWithSurge, chained as unknown as Deployment, placement, intermediate)).toEqual([]);
    expect(placement.target.tenants['c/evac'].replicas).toEqual({ n: { h100: 2 } });
  });
});
