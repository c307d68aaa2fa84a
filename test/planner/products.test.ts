import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

function seedProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-products-'));
  copyExample(join(ROOT, 'examples', 'seed-product-shift'), dir);
  return dir;
}

function plan(dir: string, ...flags: string[]): Plan {
  const r = globe(['plan', dir, '--json', ...flags]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Plan;
}

function currentOf(dir: string): State {
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as State;
}

const share = (p: Plan, client: string, server: string) => p.placement.target.products.facebook[client]?.[server] ?? 0;
const used = (p: Plan, region: string) => p.diff.regions.find((r) => r.region === region && r.resource === 'cpu')!.after;

beforeAll(() => ensureBuilt());

describe('the demand-shift seed', () => {
  it('adds capacity in B, shifts traffic towards B, then releases capacity in A — in that order', () => {
    const dir = seedProject();
    const p = plan(dir);
    expect(checkPlacement(p.spec, currentOf(dir), p.placement)).toEqual([]);
    // 200 of A's 600 units move to B: 40/60 afterwards, free capacity equal in share
    expect(share(p, 'region-a', 'region-b')).toBeCloseTo(1 / 3, 5);
    expect(used(p, 'region-a')).toBe(770);
    expect(used(p, 'region-b')).toBe(1027);
    const order = p.moves.map((m) => (m.kind === 'shift' ? 'shift' : m.kind === 'route' ? 'route' : `${m.kind}:${m.region}`));
    expect(order).toEqual(['upsize:region-b', 'upsize:region-b', 'upsize:region-b', 'shift', 'downsize:region-a', 'downsize:region-a', 'downsize:region-a']);
    const shift = p.moves[3];
    expect(shift.dependsOn).toEqual(p.moves.slice(0, 3).map((m) => m.id));
    // apply carries it out, and planning again finds nothing to do
    const saved = join(dir, 'plan.json');
    expect(globe(['plan', dir, '--out', saved]).code).toBe(0);
    const applied = globe(['apply', saved, '--project', dir]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(globe(['plan', dir, '--detailed-exitcode']).code).toBe(0);
  });

  it('frees room in a region for a hardware refresh by shifting demand away from it', () => {
    const dir = seedProject();
    const p = plan(dir, '--free', 'region-a/cpu=600');
    expect(used(p, 'region-a')).toBeLessThanOrEqual(600);
    expect(share(p, 'region-a', 'region-b')).toBeGreaterThan(1 / 3);
    expect(checkPlacement(p.spec, currentOf(dir), p.placement)).toEqual([]);
  });

  it('--max-shift splits the change into successive plans, each applied safely', () => {
    const dir = seedProject();
    const shares: number[] = [];
    for (let i = 0; i < 5; i++) {
      const saved = join(dir, `step-${i}.json`);
      const r = globe(['plan', dir, '--max-shift', '10%', '--out', saved, '--detailed-exitcode']);
      if (r.code === 0) break; // no changes left
      expect(r.code, r.stderr).toBe(2);
      const p = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
      const before = currentOf(dir).products.facebook['region-a']['region-b'] ?? 0;
      // at most 10% of the 1000 units of traffic move in one plan
      expect((share(p, 'region-a', 'region-b') - before) * 600).toBeLessThanOrEqual(100 + 1e-3); // shares are stored to 1e-6
      // apply checks supply and follower capacity before every move
      const applied = globe(['apply', saved, '--project', dir]);
      expect(applied.code, applied.stderr).toBe(0);
      shares.push(currentOf(dir).products.facebook['region-a']['region-b'] ?? 0);
    }
    expect(shares.length).toBe(2);
    expect(shares[0]).toBeCloseTo(1 / 6, 5);
    expect(shares[1]).toBeCloseTo(1 / 3, 5);
  });
});

describe('chains and balancing', () => {
  it('plans product → tenant demand as one: a tenant whose demand follows the product is sized where the traffic lands', async () => {
    const { specOf } = await import('../support/specs.js');
    const { planPlacement } = await import('../../planner/index.js');
    const { emptyDeployment } = await import('../../schemas/state.js');
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = na  supply { cpu = 100 } }
latency { a <-> b = 40ms }
product app { traffic { a = 70%  b = 30% }  total = 1000  latency < 5ms }
service api {
  tenant gateway {
    follows app { read = 2rps per unit }
    latency read < 5ms
    replica cpu x1 serves 100rps
  }
}`);
    const { placement } = await planPlacement(spec, emptyDeployment());
    expect(checkPlacement(spec, emptyDeployment(), placement)).toEqual([]);
    // 700 units served in a → 1400 rps → 14 replicas; 300 in b → 600 rps → 6
    expect(placement.target.tenants['api/gateway'].replicas).toEqual({ a: { cpu: 14 }, b: { cpu: 6 } });
    expect(placement.target.tenants['api/gateway'].routing.read).toEqual({ a: { a: 1 }, b: { b: 1 } });
  });

  it('spreads a service in proportion to region size when service balancing is on', async () => {
    const { specOf } = await import('../support/specs.js');
    const { planPlacement } = await import('../../planner/index.js');
    const { emptyDeployment } = await import('../../schemas/state.js');
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 300 } }
region b { locality = na  supply { cpu = 100 } }
latency { a <-> b = 40ms }
service batch {
  tenant worker { demand jobs { b = 2000rps }  latency jobs < global  replica cpu x1 serves 100rps }
}`);
    const off = await planPlacement(spec, emptyDeployment(), { weights: { balance: 0, serviceBalance: 0, distance: 1 } });
    expect(off.placement.target.tenants['batch/worker'].replicas).toEqual({ b: { cpu: 20 } });
    const on = await planPlacement(spec, emptyDeployment(), { weights: { balance: 0, serviceBalance: 1 } });
    expect(on.placement.target.tenants['batch/worker'].replicas).toEqual({ a: { cpu: 15 }, b: { cpu: 5 } });
    expect(checkPlacement(spec, emptyDeployment(), on.placement)).toEqual([]);
  });
});

describe('product disaster readiness', () => {
  it('keeps follower capacity standing elsewhere for the traffic of any one region; serving comes first, the loss it cannot cover is reported', async () => {
    const { specOf } = await import('../support/specs.js');
    const { planPlacement } = await import('../../planner/index.js');
    const { emptyDeployment } = await import('../../schemas/state.js');
    const { simulateFailure } = await import('../../planner/simulate.js');
    const world = (demand: number, dr: string) => `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = na  supply { cpu = 100 } }
latency { a <-> b = 10ms }
product app { demand { a = ${demand} }  latency < 20ms  ${dr} }
service web { follows app { cpu = 1 per unit } }`;
    const plain = await planPlacement(specOf(world(90, '')).spec, emptyDeployment());
    expect(Object.values(plain.placement.target.followers.web).reduce((n, byRes) => n + byRes.cpu, 0)).toBe(90);
    expect(plain.placement.productReadiness).toBeUndefined();
    // Ready: the traffic of either region must find follower capacity standing in the other.
    const ready = await planPlacement(specOf(world(90, 'tolerate region-failure')).spec, emptyDeployment());
    expect(ready.placement.productReadiness).toEqual({ app: { met: true } });
    expect(ready.placement.target.followers).toEqual({ web: { a: { cpu: 90 }, b: { cpu: 90 } } });
    // 110 units cannot survive either loss (100 cpu per region): all of it is served, 10 would be lost.
    const spec = specOf(world(110, 'tolerate region-failure')).spec;
    const short = await planPlacement(spec, emptyDeployment());
    expect(short.placement.unservedProducts).toEqual({});
    expect(short.placement.productReadiness).toEqual({ app: { met: false, lost: { a: 10, b: 10 } } });
    expect(short.findings.map((f) => f.code)).toContain('dr-not-met');
    for (const region of ['a', 'b']) expect((await simulateFailure(spec, short.placement.target, region)).violatedProducts).toEqual(['app']);
  });
});
