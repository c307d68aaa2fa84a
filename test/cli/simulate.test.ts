import { describe, expect, it } from 'vitest';
import { emptyDeployment } from '../../schemas/state.js';
import { planPlacement } from '../../planner/index.js';
import { simulateFailure } from '../../planner/simulate.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { specOf } from '../support/specs.js';
import { globe, ROOT } from '../support/cli.js';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const validateSimulate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'simulate.schema.json'), 'utf8')));

/** a and b are 10 ms apart; c is far from both but cheap. Users are in a, within 20 ms. */
const world = (dr: string) => `
resource cpu { unit = server  cost = 1 }
resource cheap { unit = server  cost = 0.5 }
region a { locality = na  supply { cpu = 10 } }
region b { locality = na  supply { cpu = 10 } }
region c { locality = na  supply { cheap = 10 } }
latency {
  a <-> b = 10ms
  a <-> c = 100ms
  b <-> c = 100ms
}
service s {
  tenant t {
    demand r { a = 400rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
    replica cheap x1 serves 100rps
    ${dr}
  }
}`;

describe('region failure: one meaning of tolerate region-failure', () => {
  it('aggregate N+1 passes but the failover is latency-bound: simulate says so, and the default (per-failure) planner fixes it', async () => {
    const aggregate = specOf(world('tolerate region-failure aggregate')).spec;
    const planned = await planPlacement(aggregate, emptyDeployment(), { weights: { balance: 0 } });
    // The cheapest aggregate plan keeps part of its spare capacity in far-away c:
    // 2 + 2 near the users, 2 cheap ones in c — any two regions hold 400 rps.
    expect(planned.placement.target.tenants['s/t'].replicas).toEqual({ a: { cpu: 2 }, b: { cpu: 2 }, c: { cheap: 2 } });
    expect(planned.placement.disasterReadiness['s/t']).toEqual({ met: true, mode: 'aggregate' });
    // Aggregate readiness is judged in its own terms; the latency a client would see is not its promise.
    expect((await simulateFailure(aggregate, planned.placement.target, 'a')).violated).toEqual([]);

    for (const spelling of ['tolerate region-failure', 'tolerate region-failure strict']) {
      const perFailure = specOf(world(spelling)).spec;
      // The same placement, judged by the default meaning: a's clients cannot reach c within 20ms.
      const lossOfA = await simulateFailure(perFailure, planned.placement.target, 'a');
      expect(lossOfA.lost).toEqual({ 's/t': 200 });
      expect(lossOfA.violated).toEqual(['s/t']);
      const fixed = await planPlacement(perFailure, emptyDeployment(), { weights: { balance: 0 } });
      expect(fixed.placement.target.tenants['s/t'].replicas).toEqual({ a: { cpu: 4 }, b: { cpu: 4 } });
      expect(fixed.placement.disasterReadiness['s/t']).toEqual({ met: true, mode: 'per-failure' });
      expect(checkPlacement(perFailure, emptyDeployment(), fixed.placement)).toEqual([]);
      for (const region of ['a', 'b', 'c']) expect((await simulateFailure(perFailure, fixed.placement.target, region)).violated).toEqual([]);
    }
  });

  it('serves the demand of a tenant that can run in one region only, and reports the readiness it cannot have', async () => {
    const spec = specOf(world('tolerate region-failure\n    only_in [a]')).spec;
    const { placement, findings } = await planPlacement(spec, emptyDeployment(), { weights: { balance: 0 } });
    expect(placement.unserved).toEqual({});
    expect(placement.disasterReadiness['s/t']).toEqual({ met: false, mode: 'per-failure', worstRegion: 'a', shortfall: 400, lost: { a: 400 } });
    expect(findings.map((f) => f.code)).toContain('dr-not-met');
    const lossOfA = await simulateFailure(spec, placement.target, 'a');
    expect(lossOfA.lost).toEqual({ 's/t': 400 });
  });

  it('dr_latency relaxes the threshold during a failure', async () => {
    const relaxed = specOf(world('tolerate region-failure\n    dr_latency = 200ms')).spec;
    const planned = await planPlacement(relaxed, emptyDeployment());
    expect((await simulateFailure(relaxed, planned.placement.target, 'a')).violated).toEqual([]);
  });

  it('globe simulate --fail all on the 8-region example exits 2 and names the violated intents', () => {
    const r = globe(['simulate', 'examples/global', '--fail', 'all', '--planned']);
    expect(r.code).toBe(2);
    // violations one per line, under a count
    expect(r.stdout).toMatch(/^Violated \(2\):\n  inference\/ranker does not survive the loss of ap-northeast\n  storage\/metadata does not survive the loss of eu-north\n$/m);
    // the utilization column is defined where it is printed
    expect(r.stdout).toMatch(/^max utilization: in the busiest surviving region, rps routed there after failover/m);
    // one row per (failed region, tenant) that loses demand: the JSON rows are the text's rows
    // (one failed region only: each simulated region costs seconds, and this test runs the CLI three times)
    const json = globe(['simulate', 'examples/global', '--fail', 'ap-northeast', '--planned', '--format', 'json']);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout);
    expect(validateSimulate(doc), JSON.stringify(validateSimulate.errors)).toBe(true);
    expect(doc.deployment).toBe('planned');
    expect(doc.rows.length).toBeGreaterThan(0);
    for (const row of doc.rows) {
      const lost = Number.isInteger(row.lost) ? String(row.lost) : String(Math.round(row.lost * 1000) / 1000);
      expect(r.stdout).toMatch(new RegExp(`^${row.region} +${row.tenant} +${lost} +[0-9.]+% +${row.violated ? 'VIOLATED' : '–'}$`, 'm'));
    }
    expect(doc.rows.every((row: { region: string }) => row.region === 'ap-northeast')).toBe(true);
    expect(doc.violations).toEqual(['inference/ranker does not survive the loss of ap-northeast']);
    const md = globe(['simulate', 'examples/global', '--fail', 'us-east', '--planned', '--format', 'markdown']);
    expect(md.stdout).toContain('| failed region | tenants losing demand | lost rps | max utilization |');
    expect(md.stdout).toContain('| failed region | tenant | lost rps | of its demand | DR intent |');
  }, 240_000); // three CLI runs that each plan the example: 70 s on two loaded cores

  it('--exit and --turn-up on the 8-region example', () => {
    const exit = globe(['simulate', 'examples/global', '--exit', 'eu-north', '--format', 'json']);
    expect([0, 2]).toContain(exit.code);
    const plan = JSON.parse(exit.stdout);
    expect(Object.values(plan.placement.usage['eu-north'] ?? {}).every((u) => (u as { used: number }).used === 0)).toBe(true);
    const up = globe(['simulate', 'examples/global', '--turn-up', 'eu-south', '--locality', 'eu', '--supply', 'a100=16,cpu=400', '--latency', 'eu-west=12ms,eu-central=9ms,paris=14ms']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^eu-south would take \d+ of 16 a100/);
  });

  it('--sweep shows what a looser SLO saves, --exit evacuates a region', () => {
    const sweep = globe(['simulate', 'examples/global', '--sweep', 'inference/ranker.latency.read=20ms,200ms', '--format', 'json']);
    expect(sweep.code).toBe(0);
    const rows = JSON.parse(sweep.stdout).rows as { value: string; cost: number }[];
    expect(rows.map((r) => r.value)).toEqual(['20ms', '200ms']);
    expect(rows[1].cost).toBeLessThanOrEqual(rows[0].cost);
    const exit = globe(['simulate', 'examples/quickstart', '--exit', 'us-west', '--format', 'json']);
    const plan = JSON.parse(exit.stdout);
    expect(plan.placement.usage['us-west']?.h100?.used ?? 0).toBe(0);
    expect(globe(['simulate', 'examples/quickstart', '--set', 'nope=1', '--fail', 'a']).stderr).toContain('unknown setting');
    // a new region next to eu-west with cheap hardware takes part of Europe's load
    const up = globe(['simulate', 'examples/quickstart', '--turn-up', 'eu-south', '--locality', 'eu', '--supply', 'h100=8,cpu=100', '--latency', 'eu-west=10ms,us-east=80ms']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^eu-south would take /);
  });
});

describe('products in a region failure', () => {
  it('re-routes product traffic within its latency over the follower capacity that survives', async () => {
    const spec = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = na  supply { cpu = 100 } }
latency { a <-> b = 10ms }
product app { demand { a = 60  b = 40 }  latency < 20ms  tolerate region-failure }
service web { follows app { cpu = 1 per unit } }`).spec;
    // today: each region serves its own users, with exactly the capacity it needs
    const tight = { ...emptyDeployment(), products: { app: { a: { a: 1 }, b: { b: 1 } } }, followers: { web: { a: { cpu: 60 }, b: { cpu: 40 } } } };
    const lossOfA = await simulateFailure(spec, tight, 'a');
    expect(lossOfA.unservedProducts).toEqual({ app: { a: 60 } });
    expect(lossOfA.violatedProducts).toEqual(['app']);
    // with room in b for a's traffic, the failover works
    const roomy = { ...tight, followers: { web: { a: { cpu: 60 }, b: { cpu: 100 } } } };
    expect((await simulateFailure(spec, roomy, 'a')).violatedProducts).toEqual([]);
  });
});
