import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lang/canonical-json.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';
import { planPlacement } from '../../planner/index.js';
import type { Placement } from '../../schemas/placement.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { specOf } from '../support/specs.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import { mergeFiles } from '../../lang/merge.js';

async function planExample(dir: string, current: Deployment = emptyDeployment()) {
  const project = await loadAndCheckProject(dir);
  expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = await planPlacement(project.spec, current, {}, project.sourceMap);
  expect(checkPlacement(project.spec, current, result.placement)).toEqual([]);
  return { ...result, spec: project.spec };
}

/** Two regions far apart; demand in each must be served locally. */
const twoRegions = (supplyA: number, tenants: string) => `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = ${supplyA} } }
region b { locality = eu  supply { cpu = 100 } }
latency { a <-> b = 150ms }
service s {
${tenants}
}`;

describe('seed reference cases', () => {
  it('reserves 300 servers over 3 regions as 150 each', async () => {
    const { placement } = await planExample('examples/seed-reservation-3-regions');
    expect(placement.target.reservations.batch).toEqual({ 'na-1': 150, 'na-2': 150, 'na-3': 150 });
    expect(placement.solver.status).toBe('optimal');
  });

  it('reserves 300 servers over 11 regions as 30 each', async () => {
    const { placement } = await planExample('examples/seed-reservation-11-regions');
    const units = Object.values(placement.target.reservations.batch);
    expect(units).toHaveLength(11);
    expect(units.every((m) => m === 30)).toBe(true);
  });

  it('puts A100s in A and H100s in C for the inference model', async () => {
    const { placement } = await planExample('examples/seed-inference');
    expect(placement.target.tenants['inference/model'].replicas).toEqual({ 'region-a': { a100: 1 }, 'region-c': { h100: 2 } });
    expect(placement.target.tenants['inference/model'].routing.predict).toEqual({ 'region-a': { 'region-a': 1 }, 'region-c': { 'region-c': 1 } });
  });
});

describe('priorities under shortage', () => {
  const shortage = (pHigh: number, pLow: number) =>
    specOf(
      twoRegions(
        10,
        `  tenant gold { priority = ${pHigh}  demand r { a = 800rps }  latency r < 20ms  replica cpu x1 serves 100rps }
  tenant bronze { priority = ${pLow}  demand r { a = 800rps }  latency r < 20ms  replica cpu x1 serves 100rps }`,
      ),
    );

  it('gives up the lower-priority demand first, and never the higher', async () => {
    const { spec, sourceMap } = shortage(100, 1);
    const { placement, findings } = await planPlacement(spec, emptyDeployment(), {}, sourceMap);
    expect(placement.unserved['s/gold']).toBeUndefined();
    expect(placement.unserved['s/bronze']).toEqual({ r: { a: 600 } });
    expect(placement.target.tenants['s/gold'].replicas).toEqual({ a: { cpu: 8 } });
    expect(checkPlacement(spec, emptyDeployment(), placement)).toEqual([]);
    const f = findings.find((x) => x.code === 'unserved-demand')!;
    expect(f.message).toContain('600 of 800 rps of `s/bronze` class `r` from `a` cannot be served');
    expect(f.source?.line).toBe(8); // bronze's demand entry
  });

  it('swaps who is served when the priorities swap, whatever the costs say', async () => {
    const { spec } = shortage(1, 100);
    const { placement } = await planPlacement(spec, emptyDeployment(), { weights: { cost: 1000 } });
    expect(placement.unserved['s/bronze']).toBeUndefined();
    expect(placement.unserved['s/gold']).toEqual({ r: { a: 600 } });
  });
});

describe('latency, policy and churn', () => {
  it('explains demand that no allowed region can reach within its threshold, with its source position', async () => {
    // The semantic checker refuses this project before planning; the planner explains it all the same.
    const file = parseGlobe(
      twoRegions(10, `  tenant t { demand r { b = 50rps }  latency r < 20ms  replica cpu x1 serves 100rps  only_in [a] }`),
      'test.globe',
    );
    const { spec, sourceMap } = mergeFiles([file]);
    const { placement, findings } = await planPlacement(spec, emptyDeployment(), {}, sourceMap);
    expect(placement.unserved['s/t']).toEqual({ r: { b: 50 } });
    const f = findings.find((x) => x.code === 'unserved-demand')!;
    expect(f.message).toBe(
      '50 of 50 rps of `s/t` class `r` from `b` cannot be served: the latency threshold binds: raise the latency threshold of class `r` to 150ms; or add `b` to only_in (`avoid`/`only_in`)',
    );
    expect(f.source).toEqual({ file: 'test.globe', line: 7, col: 25, endLine: 7, endCol: 25 });
  });

  it('serves a region-failure tenant that can run in one region only, and says what its readiness needs', async () => {
    const { spec } = specOf(
      twoRegions(10, `  tenant t { demand r { a = 200rps }  latency r < 20ms  replica cpu x1 serves 100rps  only_in [a]  tolerate region-failure }`),
    );
    const { placement, findings } = await planPlacement(spec, emptyDeployment());
    expect(placement.unserved['s/t']).toBeUndefined();
    const f = findings.find((x) => x.code === 'dr-not-met')!;
    // Neither alone: a second region, and a failover latency that reaches it.
    expect(f.reason).toMatchObject({ family: 'dr-latency', fix: 'set dr_latency = 150ms', complete: true, with: { family: 'placement', fix: 'add `b` to only_in' } });
  });

  it('never places a tenant in a region it avoids, even when that region is cheaper', async () => {
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
resource big { unit = server  cost = 5 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = na  supply { big = 100 } }
latency { a <-> b = 5ms }
service s {
  tenant t { demand r { a = 500rps }  latency r < 20ms  replica cpu x1 serves 100rps  replica big x1 serves 100rps  avoid [a] }
}`);
    const { placement } = await planPlacement(spec, emptyDeployment());
    expect(placement.target.tenants['s/t'].replicas).toEqual({ b: { big: 5 } });
    expect(checkPlacement(spec, emptyDeployment(), placement)).toEqual([]);
  });

  it('keeps more of the current placement as the stability weight grows', async () => {
    // b is cheaper, but everything runs in a today: moving saves cost and costs churn.
    const { spec } = specOf(`
resource cheap { unit = server  cost = 1 }
resource dear { unit = server  cost = 1.3 }
region a { locality = na  supply { dear = 100 } }
region b { locality = na  supply { cheap = 100 } }
latency { a <-> b = 5ms }
service s {
  tenant t { demand r { a = 1000rps }  latency r < 20ms  replica cheap x1 serves 100rps  replica dear x1 serves 100rps }
}`);
    const current: Deployment = {
      ...emptyDeployment(),
      tenants: { 's/t': { replicas: { a: { dear: 10 } }, routing: { r: { a: { a: 1 } } } } },
    };
    const moved = async (churn: number) => {
      const { placement } = await planPlacement(spec, current, { weights: { churn, balance: 0 } });
      expect(checkPlacement(spec, current, placement)).toEqual([]);
      return placement.target.tenants['s/t'].replicas.b?.cheap ?? 0;
    };
    expect(await moved(0.01)).toBe(10);
    expect(await moved(1)).toBe(0);
  });

  it('shrinks a region whose supply fell below what runs there, without growing it mid-apply', async () => {
    const { spec } = specOf(twoRegions(4, `  tenant t { demand r { a = 500rps  b = 100rps }  latency r < 200ms  replica cpu x1 serves 100rps }`).replace('a <-> b = 150ms', 'a <-> b = 150ms'));
    const current: Deployment = {
      ...emptyDeployment(),
      tenants: { 's/t': { replicas: { a: { cpu: 5 }, b: { cpu: 1 } }, routing: { r: { a: { a: 1 }, b: { b: 1 } } } } },
    };
    const { placement } = await planPlacement(spec, current);
    expect(placement.target.tenants['s/t'].replicas.a.cpu).toBeLessThanOrEqual(4);
    expect(placement.usage.a.cpu.peak).toBe(5);
    expect(checkPlacement(spec, current, placement)).toEqual([]);
  });
});

describe('the 8-region example', () => {
  it('solves to optimality, passes the independent checker, and is deterministic', async () => {
    const first = await planExample('examples/global');
    expect(first.placement.solver.status).toBe('optimal');
    expect(first.placement.solver.gap).toBeLessThanOrEqual(1e-4);
    expect(first.placement.solver.model.rows).toBeGreaterThan(100);
    expect(Object.keys(first.placement.unserved)).toEqual([]);
    const second = await planExample('examples/global');
    const stable = (p: Placement) => canonicalJson({ ...p, solver: { ...p.solver, seconds: 0 } });
    expect(stable(second.placement)).toBe(stable(first.placement));
  });

  it('replans its own placement as "no change"', async () => {
    const first = await planExample('examples/global');
    const again = await planExample('examples/global', first.placement.target);
    expect(canonicalJson(again.placement.target)).toBe(canonicalJson(first.placement.target));
  });
});
