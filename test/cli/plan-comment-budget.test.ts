/**
 * Issue 17: every pull-request comment fits GitHub's 65,536 characters (folded text included)
 * and its first screen (FIRST_SCREEN_LINES) holds the summary, the largest changes and the
 * first warning with its reason — for examples/global and for generated fleets of 200 and
 * 1,000 tenants, and for a decommissioning PR that deletes 36 of 40 service files.
 *
 * Each world is planned once. The 200-tenant world goes through the real CLI (`plan --format
 * markdown --out`), findings and reasons included. The 1,000-tenant worlds take the generator's
 * reference placement (the greedy placement that proves the demand fits) as their target: the
 * comment's size depends on the diff, not on how the target was found, and a full solve at that
 * size takes a minute on the test machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../bench/generate-world.js';
import { projectFiles, writeProject } from '../../bench/write-project.js';
import { FIRST_SCREEN_LINES, GITHUB_COMMENT_LIMIT, renderPlanMarkdown } from '../../cli/render/plan-markdown.js';
import type { Spec } from '../../lang/spec.js';
import { buildPlan } from '../../planner/build-plan.js';
import { deploymentOf } from '../../schemas/state.js';
import type { Placement } from '../../schemas/placement.js';
import type { Plan } from '../../schemas/plan.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A plan whose target is the generator's reference placement, made without a solve. */
function referencePlan(spec: Spec, world: ReturnType<typeof generateWorld>, fresh = false): Plan {
  const declared = new Set(Object.entries(spec.services).flatMap(([s, svc]) => Object.keys(svc.tenants).map((t) => `${s}/${t}`)));
  const tenants = Object.fromEntries(Object.entries(world.reference.tenants).filter(([id]) => declared.has(id)));
  const state = fresh ? null : world.current;
  const current = deploymentOf(state);
  const placement: Placement = {
    version: 1,
    target: { ...current, tenants, followers: world.reference.followers },
    failover: {},
    unserved: {},
    unservedProducts: {},
    usage: {},
    disasterReadiness: {},
    solver: { status: 'optimal', objective: 0, bound: 0, boundKind: 'exact', gap: 0, seconds: 0 } as Placement['solver'],
  };
  return buildPlan({ spec, current: state, placement, globeVersion: '0.0.0-test' });
}

/** The spec without 36 of its 40 own services (follower services stay: products still need them). */
function decommissioned(spec: Spec): Spec {
  const own = Object.keys(spec.services)
    .filter((s) => Object.keys(spec.services[s].follows).length === 0)
    .sort();
  expect(own.length).toBe(40);
  const services = { ...spec.services };
  for (const s of own.slice(0, 36)) delete services[s];
  return { ...spec, services };
}

const comments: Record<string, { md: string; plan: Plan; artifact: string }> = {};

beforeAll(() => {
  ensureBuilt();
  const out = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `globe-comment-${name}-`));
    dirs.push(dir);
    return dir;
  };
  // examples/global, as CI would run it, and a 200-tenant fleet with its findings.
  // A copy: planning takes the state lock in the project, and other test files plan the example too.
  const global = out('global');
  copyExample(join(ROOT, 'examples', 'global'), join(global, 'global'));
  const g = globe(['plan', join(global, 'global'), '--format', 'markdown', '--out', join(global, 'plan.json')]);
  expect(g.code, g.stderr).toBe(0);
  comments.global = { md: g.stdout, plan: JSON.parse(readFileSync(join(global, 'plan.json'), 'utf8')), artifact: join(global, 'plan.json') };

  const w200 = generateWorld({ tenants: 200, regions: 20, resources: 4, seed: 1 });
  const fleet = out('fleet200');
  writeProject(fleet, projectFiles(w200.spec, 'issue 17: 200 tenants'), w200.current);
  const f = globe(['plan', fleet, '--format', 'markdown', '--out', join(fleet, 'plan.json')]);
  expect(f.code, f.stderr).toBe(0);
  comments.fleet200 = { md: f.stdout, plan: JSON.parse(readFileSync(join(fleet, 'plan.json'), 'utf8')), artifact: join(fleet, 'plan.json') };

  const w1000 = generateWorld({ tenants: 1000, regions: 20, resources: 4, seed: 1 });
  // The fleet drifted from its last plan; the same fleet deployed from nothing (every tenant new); 36 services deleted.
  const worlds = [['fleet1000', w1000.spec, false], ['fresh1000', w1000.spec, true], ['decommission', decommissioned(w1000.spec), false]] as const;
  for (const [name, spec, fresh] of worlds) {
    const plan = referencePlan(spec, w1000, fresh);
    comments[name] = { md: renderPlanMarkdown(plan, { showTimings: false, dir: 'fleet', artifact: 'plan.json' }), plan, artifact: 'plan.json' };
  }
}, 120_000);

describe('the pull-request comment at fleet scale', () => {
  it('the worlds are the ones issue 17 describes', () => {
    expect(comments.fleet1000.plan.summary.tenantsToChange).toBeGreaterThan(20);
    expect(comments.fresh1000.plan.summary.tenantsToAdd).toBeGreaterThan(950);
    expect(comments.decommission.plan.summary.tenantsToRemove).toBeGreaterThan(800);
    expect(comments.fleet200.plan.findings!.some((f) => f.reason)).toBe(true);
  });

  for (const name of ['global', 'fleet200', 'fleet1000', 'fresh1000', 'decommission']) {
    it(`${name}: fits one GitHub comment`, () => {
      expect(comments[name].md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    });

    it(`${name}: the marker first, then summary, largest changes and warnings with reasons on the first screen`, () => {
      const { md, plan } = comments[name];
      const screen = md.split('\n').slice(0, FIRST_SCREEN_LINES);
      expect(screen[0]).toMatch(/^<!-- globe-plan dir=\S+ plan=[0-9a-f]{12} -->$/);
      expect(screen).toContain(`**${summaryOf(md)}**`);
      expect(screen).toContain('### Largest changes');
      expect(screen.some((l) => /^- Cost per period: .*\(\*\*(new|[+−]?\d+\.\d%)\*\*\)\.$/.test(l))).toBe(true);
      const findings = (plan.findings ?? []).filter((f) => f.code !== 'dr-met');
      const removals = plan.diff.tenants.some((t) => t.change === 'delete');
      if (findings.length > 0 || removals) {
        expect(screen).toContain('### Warnings');
        expect(screen.some((l) => l.startsWith('- '))).toBe(true);
      }
      // A reason: the first finding that has one is on the first screen with its limit's fix.
      const reasoned = findings.find((f) => f.reason && /unserved|dr-not-met|reservation-short/.test(f.code));
      if (reasoned) expect(screen.join('\n')).toContain(reasoned.reason!.fix);
    });

    it(`${name}: what was cut is said in the summary, naming the plan artifact`, () => {
      const { md, artifact } = comments[name];
      const cut = /… (and )?\d+ more|not shown/.test(md);
      const note = md.split('\n').slice(0, FIRST_SCREEN_LINES).find((l) => l.startsWith('> Cut to fit one comment:'));
      if (cut) expect(note).toContain(`Everything is in \`${artifact}\``);
      else expect(note).toBeUndefined();
    });
  }

  it('the decommissioning PR lists removals one line per service, not per tenant', () => {
    const { md } = comments.decommission;
    const lines = md.split('\n').filter((l) => /^- service `[^`]+`: \d+ tenants? \(/.test(l));
    expect(lines.length).toBe(36);
    expect(md).toMatch(/\*\*Tenants removed \(no longer declared\) \(\d{3}\)\*\*/);
  });

  it('tenant details come largest change first (replicas moved plus routing cells), the rest cut, and stay folded', () => {
    const { md, plan } = comments.fresh1000;
    const shown = [...md.matchAll(/^<details><summary><b>([^<]+)<\/b> \((?:new|changed|removed|scaled to zero)\)/gm)].map((m) => m[1]);
    const weight = (t: Plan['diff']['tenants'][number]) => t.replicas.reduce((n, r) => n + Math.abs(r.to - r.from), 0) + t.routing.length;
    const expected = plan.diff.tenants
      .filter((t) => t.change !== 'none')
      .sort((a, b) => weight(b) - weight(a) || (a.tenant < b.tenant ? -1 : 1))
      .map((t) => t.tenant);
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(expected.length);
    expect(shown).toEqual(expected.slice(0, shown.length));
    expect(md).toMatch(/<details><summary><b>Moves, in order<\/b> \(\d+\)<\/summary>/);
    expect(md).toMatch(/<details><summary><b>Supply by region<\/b>/);
  });
});

function summaryOf(md: string): string {
  const m = /^\*\*(.+)\*\*$/m.exec(md);
  return m ? m[1] : '(none)';
}
