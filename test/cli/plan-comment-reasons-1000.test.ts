/**
 * Issue 17, "reasons on the first screen" at 1,000 tenants, with a plan the planner really made:
 * a generated fleet of 1,000 tenants (10 regions, 2 resources) where three tenants are capped at
 * one replica per region and given 60 times their demand, so demand goes unserved with a reason
 * (`max_replicas` binds), next to the region losses the generated world does not survive (with
 * theirs). More warnings than lines on the first screen: each warning's reason is there all the
 * same, counted by binding limit in the warnings' callout (docs/plan-output.md, "The first screen").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../bench/generate-world.js';
import { projectFiles, writeProject } from '../../bench/write-project.js';
import { FIRST_SCREEN_LINES, GITHUB_COMMENT_LIMIT } from '../../cli/render/plan-markdown.js';
import { reasonKey } from '../../cli/render/warning-groups.js';
import type { Plan, PlanFinding } from '../../schemas/plan.js';
import { globe } from '../support/cli.js';

let dir: string;
let md: string;
let plan: Plan;
const capped: string[] = [];

beforeAll(() => {
  const world = generateWorld({ tenants: 1000, regions: 10, resources: 2, seed: 1 });
  for (const service of Object.keys(world.spec.services).sort()) {
    for (const [name, t] of Object.entries(world.spec.services[service].tenants).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (capped.length === 3 || t.tolerateRegionFailure || Object.keys(t.demand).length === 0) continue;
      t.maxReplicasPerRegion = 1;
      for (const byClient of Object.values(t.demand)) for (const client of Object.keys(byClient)) byClient[client] *= 60;
      capped.push(`${service}/${name}`);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'globe-reasons-1000-'));
  writeProject(join(dir, 'fleet'), projectFiles(world.spec, 'issue 17: 1,000 tenants, three capped'), world.current);
  const r = globe(['plan', join(dir, 'fleet'), '--format', 'markdown', '--out', join(dir, 'plan.json'), '--lock', 'false']);
  expect(r.code, r.stderr).toBe(0);
  md = r.stdout;
  plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
}, 280_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TITLE: Record<string, string> = { 'unserved-demand': 'Unserved demand', 'dr-not-met': 'Region loss not survived' };

describe('a planned 1,000-tenant fleet with findings: the comment', () => {
  it('is the world the test claims: unserved demand and region losses, with reasons, more than the first screen lists', () => {
    const findings = plan.findings ?? [];
    const unserved = findings.filter((f) => f.code === 'unserved-demand');
    expect(unserved.length).toBeGreaterThan(0);
    expect(unserved.every((f) => f.reason?.family === 'max-replicas' && capped.some((id) => f.message.includes(`\`${id}\``)))).toBe(true);
    expect(findings.filter((f) => f.code === 'dr-not-met' && f.reason).length).toBeGreaterThan(5);
    const screen = md.split('\n').slice(0, FIRST_SCREEN_LINES).join('\n');
    // Some warning's own line is below the first screen: its reason must come from the callout.
    expect(findings.some((f) => !screen.includes(f.message.replace(/\s+/g, ' ')))).toBe(true);
  });

  it('fits one GitHub comment', () => {
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  it('has the summary, the largest changes and every warning’s reason on its first screen', () => {
    const screen = md.split('\n').slice(0, FIRST_SCREEN_LINES);
    expect(screen[0]).toMatch(/^<!-- globe-plan dir=\S+ plan=[0-9a-f]{12} -->$/);
    expect(screen.some((l) => /^\*\*Plan: .+\*\*$/.test(l))).toBe(true);
    expect(screen).toContain('| Unserved demand | **yes — see warnings** |');
    expect(screen).toContain('### Largest changes');
    expect(screen.some((l) => /^- Cost per period: .*\(\*\*(new|[+−]?\d+\.\d%)\*\*\)\.$/.test(l))).toBe(true);
    expect(screen).toContain('### Warnings');

    // Per kind of warning, one line saying why: each binding limit with the number of warnings it explains.
    const byKind = new Map<string, Map<string, number>>();
    for (const f of (plan.findings ?? []).filter((x: PlanFinding) => TITLE[x.code])) {
      const counts = byKind.get(TITLE[f.code]) ?? new Map<string, number>();
      counts.set(reasonKey(f), (counts.get(reasonKey(f)) ?? 0) + 1);
      byKind.set(TITLE[f.code], counts);
    }
    expect([...byKind.keys()].sort()).toEqual(['Region loss not survived', 'Unserved demand']);
    for (const [title, counts] of byKind) {
      const why = screen.find((l) => l.startsWith(`> - **${title}:** `));
      expect(why, title).toBeDefined();
      for (const [key, n] of counts) expect(why).toContain(`${key} for ${n} (`);
    }
    const unserved = plan.findings!.filter((f) => f.code === 'unserved-demand').length;
    expect(screen.find((l) => l.startsWith('> - **Unserved demand:** '))).toContain(`\`max_replicas\` binds for ${unserved} (`);
    // And the first warning's own line, with its fix, follows on the same screen.
    expect(screen.join('\n')).toContain(plan.findings!.find((f) => f.code === 'unserved-demand')!.reason!.fix);
  });
});
