/**
 * Issue 14, finding 2: a saved plan is bound to what was reviewed. Whoever can
 * write the plan file (a CI artifact) gets nothing the project on disk does not
 * allow: each crafted plan below is refused with one clear line before anything
 * runs — no move, no hook, no state, no journal. The adversary here has globe's
 * own functions (buildPlan, specDigest) to make the plan look consistent.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specDigest } from '../../schemas/digest.js';
import type { ExecCommands, Spec } from '../../lang/spec.js';
import { buildPlan } from '../../planner/build-plan.js';
import type { Plan, ResizeMove } from '../../schemas/plan.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

let planned = '';
const dirs: string[] = [];

beforeAll(() => {
  ensureBuilt();
  planned = mkdtempSync(join(tmpdir(), 'globe-binding-'));
  dirs.push(planned);
  copyExample(join(ROOT, 'examples', 'quickstart'), planned);
  rmSync(join(planned, '.globe'), { recursive: true, force: true });
  const r = globe(['plan', planned, '--out', join(planned, 'plan.json')]);
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the planned project whose plan.json the adversary rewrites. */
function crafted(edit: (plan: Plan, dir: string) => Plan | void): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-binding-'));
  dirs.push(dir);
  cpSync(planned, dir, { recursive: true });
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(edit(plan, dir) ?? plan));
  return dir;
}

/** Re-derive everything from a target as globe would, so only the target is the adversary's. */
function consistent(plan: Plan, spec: Spec = plan.spec): Plan {
  const rebuilt = buildPlan({ spec, current: null, placement: plan.placement, globeVersion: plan.globeVersion });
  return { ...rebuilt, basis: { ...rebuilt.basis, specDigest: specDigest(spec) } };
}

function applyRefused(dir: string): string {
  const r = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
  expect(r.code, r.stdout).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(existsSync(join(dir, '.globe', 'state.json')), 'a move ran').toBe(false);
  expect(existsSync(join(dir, '.globe', 'journal')), 'a journal was written').toBe(false);
  expect(existsSync(join(dir, 'PWNED')), 'the injected command ran').toBe(false);
  return r.stderr;
}

const ranker = (p: Plan) => p.placement.target.tenants['search/ranker'];

const injected = (dir: string): ExecCommands => {
  const cmd = ['/bin/sh', '-c', `touch ${join(dir, 'PWNED')}`];
  return { getState: cmd, upsize: cmd, route: cmd, downsize: cmd, shift: cmd };
};

describe('apply PLAN refuses a plan that is not what was reviewed, before anything runs', () => {
  it('the untouched plan applies (the baseline of every case below)', () => {
    const dir = crafted(() => undefined);
    const r = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('an exec backend written into plan.spec: refused, its command never runs', () => {
    const err = applyRefused(
      crafted((plan, dir) => {
        plan.spec.backend = { kind: 'exec', commands: injected(dir), timeoutMs: 10_000 };
      }),
    );
    expect(err).toMatch(/^globe: the plan cannot be applied: the Spec inside it does not match the digest it was planned from \(sha256:[0-9a-f]{12}…\)\. Was the plan file edited\? Plan again\.\n$/);
  }, 120_000);

  it('the same, with basis.specDigest recomputed to match it: the project on disk is what counts', () => {
    const err = applyRefused(
      crafted((plan, dir) => {
        plan.spec.backend = { kind: 'exec', commands: injected(dir), timeoutMs: 10_000 };
        plan.basis.specDigest = specDigest(plan.spec);
      }),
    );
    expect(err).toMatch(/^globe: Saved plan is stale: the project's files in .* changed since the plan was made/);
  }, 120_000);

  it('10× upsizes with the supply in plan.spec raised to match (a consistent plan): refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        for (const byRes of Object.values(ranker(plan).replicas)) byRes.h100 *= 10;
        for (const r of Object.values(plan.spec.regions)) for (const k of Object.keys(r.supply)) r.supply[k] *= 10;
        return consistent(plan);
      }),
    );
    expect(err).toMatch(/^globe: Saved plan is stale: the project's files in .* changed since the plan was made/);
  }, 120_000);

  it('10× upsizes beyond the supply of the project’s Spec (a consistent plan): refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        for (const byRes of Object.values(ranker(plan).replicas)) byRes.h100 *= 10;
        return consistent(plan);
      }),
    );
    expect(err).toMatch(/^globe: the plan cannot be applied: its target uses \d+ h100 in [a-z-]+, more than its supply of \d+\. Was the plan file edited\? Plan again\.\n$/);
  }, 120_000);

  it('a tenant the Spec does not declare (a consistent plan): refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        plan.placement.target.tenants['search/intruder'] = { replicas: { 'us-east': { cpu: 40 } }, routing: {} };
        return consistent(plan);
      }),
    );
    expect(err).toBe('globe: the plan cannot be applied: its target places tenant search/intruder, which the project does not declare. Was the plan file edited? Plan again.\n');
  }, 120_000);

  it('a move for a tenant the Spec does not declare, added to the moves only: refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        const move: ResizeMove = { id: 'm999-upsize-search/intruder-us-east-cpu', kind: 'upsize', subject: { type: 'tenant', tenant: 'search/intruder' }, region: 'us-east', resource: 'cpu', from: 0, to: 40, dependsOn: [], round: 1 };
        plan.moves.push(move);
      }),
    );
    expect(err).toBe('globe: the plan cannot be applied: move m999-upsize-search/intruder-us-east-cpu sets {"type":"tenant","tenant":"search/intruder"}, which the project does not declare, to 40. Was the plan file edited? Plan again.\n');
  }, 120_000);

  it('a fractional target (2.5 replicas) in the placement: refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        const [region] = Object.keys(ranker(plan).replicas);
        ranker(plan).replicas[region].h100 = 2.5;
        return consistent(plan);
      }),
    );
    // the Plan schema already says replicas are whole numbers
    expect(err).toMatch(/^globe: .*plan\.json is not a valid plan \(\/placement\/target\/tenants\/search~1ranker\/replicas\/[a-z-]+\/h100 must be integer\); was it edited\?/);
  }, 120_000);

  it('a fractional target (2.5 replicas) in a move only: refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        const m = plan.moves.find((x): x is ResizeMove => x.kind === 'upsize' && x.subject.type === 'tenant')!;
        m.to = 2.5;
      }),
    );
    expect(err).toMatch(/^globe: the plan cannot be applied: move m\d+-upsize-\S+ sets a count of 2\.5: not a whole number ≥ 0\. Was the plan file edited\? Plan again\.\n$/);
  }, 120_000);

  it('edited moves (a target changed, the moves left as they were): refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        const m = plan.moves.find((x): x is ResizeMove => x.kind === 'upsize')!;
        m.to += 1;
      }),
    );
    expect(err).toMatch(/^globe: the plan cannot be applied: its move 1 \(m001-[^)]+\) is not the one its target and the current state call for \(m001-[^,]+, with other values\)\. Was the plan file edited\? Plan again\.\n$/);
  }, 120_000);

  it('edited moves (one left out): refused', () => {
    const err = applyRefused(
      crafted((plan) => {
        plan.moves = plan.moves.filter((m) => m.kind !== 'route' || !m.dependsOn.length).slice(0, -1);
        for (const m of plan.moves) m.dependsOn = m.dependsOn.filter((d) => plan.moves.some((x) => x.id === d));
      }),
    );
    expect(err).toMatch(/^globe: the plan cannot be applied: its (move \d+ \(\S+\) is not the one|moves stop at \d+, but) its target and the current state call for/);
  }, 120_000);

  it('a consistent plan whose routing sends traffic where there is no capacity: refused before its first move', () => {
    const err = applyRefused(
      crafted((plan) => {
        // all ranker traffic to one region, whatever capacity it has there
        const t = ranker(plan);
        const [only] = Object.keys(t.replicas).sort();
        for (const matrix of Object.values(t.routing)) for (const client of Object.keys(matrix)) matrix[client] = { [only]: 1 };
        return consistent(plan);
      }),
    );
    expect(err).toMatch(/^globe: the plan cannot be applied: its move m\d+-route-search\/ranker would break an invariant — search\/ranker would have \d+ rps of capacity in [a-z-]+ for \d+ rps routed there\. Was the plan file edited\? Plan again\.\n$/);
  }, 120_000);
});
