/**
 * Reasons from the model (issue 13, item 3): for each family of limits, a
 * small world where that family alone binds; the finding names the family,
 * cites the line where the limit is written and gives the fix.
 */
import { describe, expect, it } from 'vitest';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import { mergeFiles } from '../../lang/merge.js';
import { loadYaml } from '../../lang/yaml/load.js';
import { planPlacement, type PlannerFinding, type PlannerOptions } from '../../planner/index.js';
import { explainPlacement } from '../../planner/explain.js';
import { World } from '../../planner/model/world.js';
import { DEFAULT_WEIGHTS } from '../../planner/weights.js';
import { specOf } from '../support/specs.js';

async function findingsOf(text: string, current: Deployment = emptyDeployment(), options: PlannerOptions = {}, checked = true) {
  const { spec, sourceMap } = checked ? specOf(text) : mergeFiles([parseGlobe(text, 'test.globe')]);
  const { findings, placement } = await planPlacement(spec, current, options, sourceMap);
  return { findings, placement };
}

function reasonOf(findings: PlannerFinding[], code: PlannerFinding['code'], tenant: string) {
  const f = findings.find((x) => x.code === code && x.message.includes(`\`${tenant}\``));
  expect(f, `a ${code} finding for ${tenant}`).toBeDefined();
  expect(f!.reason, `a reason for ${tenant}`).toBeDefined();
  return { finding: f!, reason: f!.reason! };
}

/** `file:line` of where a reason's limit is written. */
const line = (span: { file: string; start: { line: number } } | undefined) => (span ? `${span.file}:${span.start.line}` : undefined);

describe('reasons from the model: one family binds', () => {
  it('max_replicas: one region of 100 cpu, 10 replicas needed, max_replicas = 3', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
service s {
  tenant t {
    demand r { a = 1000rps }
    latency r < 70ms
    replica cpu x1 serves 100rps
    max_replicas = 3
  }
}`);
    const { finding, reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('max-replicas');
    expect(reason.limitPath).toBe('services/s/tenants/t/maxReplicasPerRegion');
    expect(line(reason.limitSpan)).toBe('test.globe:9');
    expect(reason.fix).toBe('raise max_replicas to 10');
    expect(reason.complete).toBe(true);
    expect(reason.gain).toBe(700);
    expect(finding.message).toContain('700 of 1000 rps');
    expect(finding.message).not.toContain('supply');
  });

  it('the apply-time peak: two regions of 4 h100, a holding r1 and b holding r2, their demand swapped', async () => {
    const current: Deployment = {
      ...emptyDeployment(),
      tenants: {
        'swap/a': { replicas: { r1: { h100: 4 } }, routing: {} },
        'swap/b': { replicas: { r2: { h100: 4 } }, routing: {} },
      },
    };
    const { findings } = await findingsOf(
      `
resource h100 { unit = gpu  cost = 3 }
region r1 { locality = na  supply { h100 = 4 } }
region r2 { locality = na  supply { h100 = 4 } }
latency { r1 <-> r2 = 100ms }
service swap {
  tenant a { demand q { r2 = 400rps }  latency q < 20ms  replica h100 x1 serves 100rps }
  tenant b { demand q { r1 = 400rps }  latency q < 20ms  replica h100 x1 serves 100rps }
}`,
      current,
      // One safe step: in waves (the default) the swap is served (test/planner/planner-waves.test.ts).
      { maxWaves: 1 },
    );
    for (const [tenant, region, supplyLine] of [
      ['swap/a', 'r2', 'test.globe:4'],
      ['swap/b', 'r1', 'test.globe:3'],
    ]) {
      const { reason } = reasonOf(findings, 'unserved-demand', tenant);
      expect(reason.family).toBe('peak');
      expect(reason.fix).toMatch(/^apply this plan, then plan again/);
      expect(reason.limitPath).toBe(`regions/${region}/supply/h100`);
      expect(line(reason.limitSpan)).toBe(supplyLine);
      // Serving from afar (the replicas it holds) or more hardware would do too: alternatives, not the reason.
      expect(reason.alternatives?.map((a) => [a.family, a.fix])).toEqual([
        ['latency', 'raise the latency threshold of class `q` to 100ms'],
        ['supply', `4 more h100 in ${region}`],
      ]);
    }
    expect(findings.map((f) => f.message).join('\n')).not.toContain('no longer declared');
  });

  it('dr_latency: a DR tenant whose other regions are beyond its threshold', async () => {
    const text = (extra: string) => `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = na  supply { cpu = 100 } }
region c { locality = na  supply { cpu = 100 } }
latency { a <-> b = 75ms  a <-> c = 90ms  b <-> c = 20ms }
service s {
  tenant t {
    demand r { a = 300rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
    tolerate region-failure${extra}
  }
}`;
    const { findings } = await findingsOf(text(''));
    const { reason } = reasonOf(findings, 'dr-not-met', 's/t');
    expect(reason.family).toBe('dr-latency');
    expect(reason.fix).toBe('set dr_latency = 75ms');
    expect(reason.limitPath).toBe('services/s/tenants/t/tolerateRegionFailure');
    expect(line(reason.limitSpan)).toBe('test.globe:12');

    // With a dr_latency already declared, the reason cites it.
    const declared = await findingsOf(text('\n    dr_latency = 30ms'));
    const r2 = reasonOf(declared.findings, 'dr-not-met', 's/t').reason;
    expect(r2.family).toBe('dr-latency');
    expect(r2.fix).toBe('set dr_latency = 75ms');
    expect(line(r2.limitSpan)).toBe('test.globe:13');
  });

  it('supply: the region short of hardware, and how much more it needs', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 6 } }
service s {
  tenant t { demand r { a = 1000rps }  latency r < 20ms  replica cpu x2 serves 100rps }
}`);
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('supply');
    expect(reason.fix).toBe('14 more cpu in a');
    expect(reason.limitPath).toBe('regions/a/supply/cpu');
    expect(line(reason.limitSpan)).toBe('test.globe:3');
  });

  it('min_replicas: a region too small for the minimum is not used at all', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 2 } }
service s {
  tenant t {
    demand r { a = 200rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
    min_replicas = 4
  }
}`);
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('min-replicas');
    expect(reason.fix).toBe('lower min_replicas to 2');
    expect(line(reason.limitSpan)).toBe('test.globe:9');
  });

  it('avoid: the only region near the clients is avoided', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = eu  supply { cpu = 0 } }
latency { a <-> b = 150ms }
service s {
  tenant t {
    demand r { a = 500rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
    avoid [a]
  }
}`,
      emptyDeployment(),
      {},
      false, // the checker refuses this project; the planner explains it all the same
    );
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('placement');
    expect(reason.fix).toBe('remove `a` from avoid');
    expect(reason.limitPath).toBe('services/s/tenants/t/avoid/0');
    expect(line(reason.limitSpan)).toBe('test.globe:11');
  });

  it('latency: the smallest threshold that reaches hardware, and more hardware as the alternative', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 0 } }
region b { locality = na  supply { cpu = 100 } }
region c { locality = eu  supply { cpu = 100 } }
latency { a <-> b = 45ms  a <-> c = 150ms  b <-> c = 120ms }
service s {
  tenant t {
    demand r { a = 500rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
  }
}`,
      emptyDeployment(),
      {},
      false,
    );
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('latency');
    expect(reason.fix).toBe('raise the latency threshold of class `r` to 45ms');
    expect(reason.limitPath).toBe('services/s/tenants/t/latency/r');
    expect(line(reason.limitSpan)).toBe('test.globe:10');
    expect(reason.alternatives?.map((a) => [a.family, a.fix])).toEqual([['supply', '5 more cpu in a']]);
  });

  it('priority: higher-priority demand takes the room first', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 10 } }
service s {
  tenant gold { priority = 100  demand r { a = 800rps }  latency r < 20ms  replica cpu x1 serves 100rps }
  tenant bronze {
    priority = 1
    demand r { a = 800rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
  }
}`);
    const { finding, reason } = reasonOf(findings, 'unserved-demand', 's/bronze');
    expect(finding.message).toContain('600 of 800 rps of `s/bronze` class `r` from `a` cannot be served');
    expect(reason.family).toBe('priority');
    expect(reason.fix).toBe('raise priority to 101 (above `s/gold`)');
    expect(line(reason.limitSpan)).toBe('test.globe:7');
    expect(reason.alternatives?.map((a) => a.fix)).toEqual(['6 more cpu in a']);
  });

  it('--free: the units kept free are what the tenant lacks', async () => {
    const { findings } = await findingsOf(
      `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 10 } }
service s {
  tenant t { demand r { a = 800rps }  latency r < 20ms  replica cpu x1 serves 100rps }
}`,
      emptyDeployment(),
      { free: [{ region: 'a', resource: 'cpu', units: 5 }] },
    );
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('free');
    expect(reason.fix).toBe('keep at most 2 cpu free in a (--free a/cpu=5)');
    expect(reason.limitPath).toBeUndefined();
    expect(reason.alternatives?.map((a) => a.fix)).toEqual(['3 more cpu in a']);
  });
});

describe('reasons from the model: YAML sources', () => {
  it('cites the YAML line of the limit', async () => {
    const world = parseGlobe(
      `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
`,
      'world.globe',
    );
    const team = loadYaml(
      `services:
  s:
    tenants:
      t:
        demand:
          r: { a: 1000rps }
        latency: { r: 70ms }
        replicas:
          cpu: { units: 1, serves: 100rps }
        max_replicas: 3
`,
      'team.yaml',
    );
    const { spec, sourceMap } = mergeFiles([world, team]);
    const { findings } = await planPlacement(spec, emptyDeployment(), {}, sourceMap);
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('max-replicas');
    expect(reason.fix).toBe('raise max_replicas to 10');
    expect(line(reason.limitSpan)).toBe('team.yaml:10');
  });
});

describe('reasons from the model: no single family', () => {
  it('names the pair when only two limits lifted together serve it all', async () => {
    const { findings } = await findingsOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 5 } }
service s {
  tenant t {
    demand r { a = 1000rps }
    latency r < 20ms
    replica cpu x1 serves 100rps
    max_replicas = 3
  }
}`);
    const { reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.complete).toBe(true);
    expect(reason.family).toBe('max-replicas');
    expect(reason.fix).toBe('raise max_replicas to 10');
    expect(reason.with?.family).toBe('supply');
    expect(reason.with?.fix).toBe('5 more cpu in a');
  });

  it('says plainly that the reason is not known when no limit explains it', async () => {
    // Demand from a location the latency table does not connect to any region (the checker would refuse it).
    const { findings } = await findingsOf(
      `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 10 } }
service s {
  tenant t { demand r { x = 100rps }  latency r < 20ms  replica cpu x1 serves 100rps }
}`,
      emptyDeployment(),
      {},
      false,
    );
    const { finding, reason } = reasonOf(findings, 'unserved-demand', 's/t');
    expect(reason.family).toBe('unknown');
    expect(reason.limitPath).toBeUndefined();
    expect(finding.message).toContain('reason not known');
  });
});

describe('reasons from the model: cost', () => {
  it('analyses at most maxTenants tenants, highest priority first, and says so of the rest', async () => {
    const { spec, sourceMap } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 4 } }
service s {
  tenant hi { priority = 2  demand r { a = 500rps }  latency r < 20ms  replica cpu x1 serves 100rps }
  tenant lo { priority = 1  demand r { a = 300rps }  latency r < 20ms  replica cpu x1 serves 100rps }
}`);
    const { placement } = await planPlacement(spec, emptyDeployment(), {}, sourceMap);
    expect(placement.unserved).toEqual({ 's/hi': { r: { a: 100 } }, 's/lo': { r: { a: 300 } } });
    const findings = await explainPlacement(new World(spec, emptyDeployment()), placement, { weights: DEFAULT_WEIGHTS, sourceMap, maxTenants: 1 });
    const of = (id: string) => findings.find((f) => f.code === 'unserved-demand' && f.message.includes(`\`${id}\``))!;
    expect(of('s/hi').reason).toMatchObject({ family: 'supply', fix: '1 more cpu in a' });
    expect(of('s/lo').reason).toBeUndefined();
    expect(of('s/lo').message).toContain('not analysed (the reasons of at most 1 tenants are found per plan');
  });
});
