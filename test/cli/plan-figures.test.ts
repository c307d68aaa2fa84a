/**
 * Every figure of a plan is exact, also for a tenant removed from the project: the State
 * records the units one replica takes, so the removed tenant's cost, the supply it held before
 * and the apply-time peak count its real size — and apply's supply check counts the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admit } from '../../executor/admission.js';
import { writeStateFile } from '../../executor/state-file.js';
import { checkInvariants } from '../../schemas/invariants.js';
import type { Deployment, State } from '../../schemas/state.js';
import type { TenantId } from '../../lang/spec.js';
import { planPlacement } from '../../planner/index.js';
import type { Move, Plan } from '../../schemas/plan.js';
import { planCost } from '../../cli/render/plan-facts.js';
import { globe, ROOT } from '../support/cli.js';
import { specOf } from '../support/specs.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function quickstart(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-figures-'));
  dirs.push(dir);
  copyExample(join(ROOT, 'examples', 'quickstart'), dir);
  return dir;
}

/** Drop `search/indexer` (cpu ×4) from the project. */
function removeIndexer(dir: string): void {
  const file = join(dir, 'search.globe');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, `${text.slice(0, text.indexOf('  tenant indexer'))}}\n`);
}

const stateOf = (dir: string): State => JSON.parse(readFileSync(join(dir, '.globe', 'state.json'), 'utf8')) as State;

function planOf(dir: string): { plan: Plan; text: string } {
  const out = join(dir, 'plan.json');
  const r = globe(['plan', dir, '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { plan: JSON.parse(readFileSync(out, 'utf8')) as Plan, text: r.stdout };
}

describe('a removed tenant counts its real size', () => {
  let dir: string;
  let indexer: Record<string, number>;
  beforeAll(() => {
    dir = quickstart();
    const r = globe(['apply', dir, '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    const replicas = stateOf(dir).tenants['search/indexer' as TenantId].replicas;
    indexer = Object.fromEntries(Object.entries(replicas).map(([region, byRes]) => [region, byRes.cpu ?? 0]));
    removeIndexer(dir);
  });

  it('apply records the units one replica takes beside the count', () => {
    const t = stateOf(dir).tenants['search/indexer' as TenantId];
    expect(t.units).toEqual({ cpu: 4 });
    expect(stateOf(dir).tenants['search/ranker' as TenantId].units).toEqual({ h100: 1 });
  });

  it('the plan prices and counts 4 cpu per removed replica', () => {
    const { plan, text } = planOf(dir);
    const replicas = Object.values(indexer).reduce((a, b) => a + b, 0);
    expect(replicas).toBeGreaterThan(0);
    for (const [region, n] of Object.entries(indexer)) {
      const row = plan.diff.regions.find((x) => x.region === region && x.resource === 'cpu')!;
      expect(row.before - row.after).toBe(4 * n);
      expect(row.peak).toBe(row.before);
      expect(text).toContain(`cpu    ${row.before}/`);
    }
    // cpu costs 0.1 per unit: the removal saves 0.4 per replica.
    const saving = Math.round(replicas * 4 * 0.1 * 1000) / 1000;
    expect(text).toContain(`(−${saving})`);
    expect(text).toContain('REMOVAL: tenant search/indexer is no longer declared');
    expect(text).not.toContain('UNKNOWN SIZE');
    for (const m of plan.moves) if (m.kind === 'downsize' && m.subject.type === 'tenant') expect(m.units).toBe(4);
  });

  it('applying the removal forgets the units with the replicas', () => {
    const r = globe(['apply', dir, '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(dir).tenants['search/indexer' as TenantId]).toBeUndefined();
  });
});

describe('a state written before globe recorded units', () => {
  /** Deployed, then the units dropped from the state file: what an older globe left. */
  function oldState(): string {
    const dir = quickstart();
    expect(globe(['apply', dir, '--auto-approve']).code).toBe(0);
    const file = join(dir, '.globe', 'state.json');
    const state = stateOf(dir);
    for (const t of Object.values(state.tenants)) delete t.units;
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
    return dir;
  }

  it('takes the units from the Spec while the tenant is declared', () => {
    const dir = oldState();
    const state = stateOf(dir);
    const use = (region: string) =>
      Object.values(state.tenants).reduce((s, t) => s + (t.replicas[region]?.cpu ?? 0), 0) * 4;
    const { plan, text } = planOf(dir);
    expect(text).not.toContain('UNKNOWN SIZE');
    for (const row of plan.diff.regions.filter((x) => x.resource === 'cpu')) expect(row.before).toBe(use(row.region));
  });

  it('says so when neither the State nor the Spec knows a removed tenant’s size', () => {
    const dir = oldState();
    removeIndexer(dir);
    const { plan, text } = planOf(dir);
    expect(text).toContain('UNKNOWN SIZE: the state does not record how many units of cpu one replica of search/indexer takes');
    expect(text).toContain('count 1 unit per replica and may be understated');
    for (const m of plan.moves) if (m.kind === 'downsize' && m.subject.type === 'tenant') expect(m.units).toBeUndefined();
  });
});

describe("apply's supply check counts a removed tenant's recorded units", () => {
  // us-east has 400 cpu; the removed indexer still holds 80 replicas × 4 cpu there.
  const { spec } = specOf(`
    resource cpu { unit = server  cost = 0.1 }
    region us-east { locality = na  supply { cpu = 400 } }
    service search {
      tenant ranker {
        demand query { us-east = 100rps }
        latency query < 20ms
        replica cpu x1 serves 10rps
      }
    }
  `);
  const deployed = (units?: Record<string, number>): Deployment => ({
    tenants: {
      ['search/indexer' as TenantId]: { replicas: { 'us-east': { cpu: 80 } }, routing: {}, ...(units ? { units } : {}) },
      ['search/ranker' as TenantId]: { replicas: { 'us-east': { cpu: 60 } }, routing: {}, units: { cpu: 1 } },
    },
    reservations: {},
    products: {},
    followers: {},
  });
  const upsize: Move = { id: 'm1', dependsOn: [], round: 1, kind: 'upsize', subject: { type: 'tenant', tenant: 'search/ranker' as TenantId }, region: 'us-east', resource: 'cpu', from: 60, to: 100, units: 1 };

  it('80 × 4 + 100 = 420 cpu is over the 400 of us-east', () => {
    const after: Deployment = deployed({ cpu: 4 });
    after.tenants['search/ranker' as TenantId].replicas['us-east'].cpu = 100;
    expect(checkInvariants(spec, after)).toEqual([{ kind: 'supply', region: 'us-east', resource: 'cpu', used: 420, limit: 400 }]);
  });

  it('refuses the upsize that would exceed it', () => {
    const verdict = admit({ spec, expected: deployed({ cpu: 4 }), running: [], allowance: new Map() }, upsize);
    expect(verdict.verdict).toBe('refuse');
    // With the same world but room for it, the same move starts: the refusal is the units' doing.
    const roomy = admit({ spec, expected: deployed({ cpu: 4 }), running: [], allowance: new Map() }, { ...upsize, to: 80 });
    expect(roomy.verdict).toBe('start');
  });
});

describe('simulate --exit and --turn-up on a deployed world', () => {
  let dir: string;
  let deployed: Plan;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'globe-figures-global-'));
    dirs.push(dir);
    copyExample(join(ROOT, 'examples', 'global'), dir);
    const first = join(dir, 'first.json');
    expect(globe(['plan', dir, '--out', first]).code).toBe(0);
    deployed = JSON.parse(readFileSync(first, 'utf8')) as Plan;
    // What a finished apply leaves: the plan's target, as the current state.
    await writeStateFile(join(dir, '.globe', 'state.json'), null, deployed.placement.target);
  });

  /** The figures a user reads: nothing added, every region's "before" and the cost "before" are what runs now. */
  function expectDiffedAgainstDeployment(plan: Plan): void {
    expect(plan.summary.tenantsToAdd).toBe(0);
    expect(plan.basis.serial).toBe(1);
    for (const row of plan.diff.regions) expect(row.before).toBe(deployed.diff.regions.find((x) => x.region === row.region && x.resource === row.resource)?.after ?? 0);
    expect(planCost(plan).before).toBe(planCost(deployed).after);
    expect(planCost(plan).before).toBeGreaterThan(0);
  }

  it('--exit diffs against the deployment: no tenant is "added", the cost starts from what runs', () => {
    const r = globe(['simulate', dir, '--exit', 'eu-central', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    expectDiffedAgainstDeployment(plan);
    expect(plan.summary.tenantsToChange).toBeGreaterThan(0);
  });

  it('--turn-up diffs against the deployment too', () => {
    const r = globe(['simulate', dir, '--turn-up', 'eu-south', '--locality', 'eu', '--supply', 'cpu=300', '--latency', 'eu-west=12ms,eu-central=15ms', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expectDiffedAgainstDeployment(JSON.parse(r.stdout) as Plan);
  });
});

describe('"no longer declared" only for a tenant absent from the Spec', () => {
  it('a declared tenant the plan scales to zero is called that, in text and markdown', async () => {
    const dir = quickstart();
    const first = join(dir, 'first.json');
    expect(globe(['plan', dir, '--out', first]).code).toBe(0);
    await writeStateFile(join(dir, '.globe', 'state.json'), null, (JSON.parse(readFileSync(first, 'utf8')) as Plan).placement.target);
    const file = join(dir, 'search.globe');
    writeFileSync(file, readFileSync(file, 'utf8').replace('us-east = 2000rps', 'us-east = 0rps'));
    const text = globe(['plan', dir]).stdout;
    expect(text).toContain('SCALED TO ZERO: tenant search/indexer is still declared, but this plan gives it no replicas');
    expect(text).toContain('tenant search/indexer (scaled to zero)');
    expect(text).not.toContain('no longer declared');
    expect(text).not.toContain('(removed)');
    const markdown = globe(['plan', dir, '--format', 'markdown']).stdout;
    expect(markdown).toContain('<b>search/indexer</b> (scaled to zero)');
    expect(markdown).not.toContain('no longer declared');
  });
});

describe('the planner leaves room for what a removed tenant really holds until it is gone', () => {
  // r1 has 100 cpu; the removed `old/batch` holds 20 replicas × 4 cpu there until its downsize.
  // `web/api` needs 50 replicas within 20 ms of r1: only 100 − 80 = 20 fit beside the old ones.
  const { spec } = specOf(`
    resource cpu { unit = server  cost = 0.1 }
    region r1 { locality = na  supply { cpu = 100 } }
    service web {
      tenant api {
        demand q { r1 = 500rps }
        latency q < 20ms
        replica cpu x1 serves 10rps
        target_utilization = 100%
      }
    }
  `);
  const current = (units?: Record<string, number>): Deployment => ({
    tenants: { ['old/batch' as TenantId]: { replicas: { r1: { cpu: 20 } }, routing: {}, ...(units ? { units } : {}) } },
    reservations: {},
    products: {},
    followers: {},
  });

  it('plans the apply-time peak with the recorded 4 cpu per replica', async () => {
    // one safe step (in waves the second wave would use what the first frees)
    const { placement } = await planPlacement(spec, current({ cpu: 4 }), { maxWaves: 1 });
    expect(placement.usage.r1.cpu.peak).toBe(100);
    expect(placement.target.tenants['web/api' as TenantId].replicas.r1.cpu).toBe(20);
    expect(placement.unserved['web/api' as TenantId].q.r1).toBe(300);
  });
});
