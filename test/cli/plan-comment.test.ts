/**
 * The comment's identity and its error form (issue 17): the hidden marker CI finds the comment by
 * (`<!-- globe-plan dir=<dir> `) with the plan id that matches the applied artifact, the error
 * comment a broken project gets on stdout (exit non-zero), and GitHub Actions annotations.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDigest } from '../../executor/plan-binding.js';
import { markerDir } from '../../cli/render/plan-comment.js';
import { renderPlanMarkdown } from '../../cli/render/plan-markdown.js';
import type { Plan } from '../../schemas/plan.js';
import { globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';
import { readFixture } from '../support/plan-scenarios.js';

function golden(name: string, actual: string): void {
  const file = join(ROOT, 'test', 'golden', 'comment', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const BROKEN = `resource cpu { unit = server  cost = 1 }
region r1 { locality = na  supply { cpu = 4 } }
service s {
  tenant t { demand q { r9 = 10rps }  latency q < 20ms  replica cpux x1 serves 5rps }
}
`;

/** A repository with a broken project in infra/prod, the way CI checks it out. */
function brokenRepo(): string {
  const repo = mkdtempSync(join(tmpdir(), 'globe-comment-repo-'));
  mkdirSync(join(repo, 'infra', 'prod'), { recursive: true });
  writeFileSync(join(repo, 'infra', 'prod', 'world.globe'), BROKEN);
  return repo;
}

describe('the comment marker', () => {
  it('is the first line: the directory as given, normalized, and the first 12 hex of the plan digest', () => {
    // A copy: planning takes the state lock in the project, and other test files plan the example too.
    const dir = mkdtempSync(join(tmpdir(), 'globe-comment-marker-'));
    copyExample(join(ROOT, 'examples', 'global'), join(dir, 'examples', 'global'));
    const r = globe(['plan', './examples//global/', '--format', 'markdown', '--out', join(dir, 'p.json')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as Plan;
    const id = planDigest(plan).slice('sha256:'.length, 'sha256:'.length + 12);
    expect(r.stdout.split('\n')[0]).toBe(`<!-- globe-plan dir=examples/global plan=${id} -->`);
    // show names the same plan, so a comment re-rendered from the artifact matches it
    const shown = globe(['show', join(dir, 'p.json'), '--format', 'markdown', '--project', 'examples/global']);
    expect(shown.stdout.split('\n')[0]).toBe(`<!-- globe-plan dir=examples/global plan=${id} -->`);
  });

  it('names an absolute directory relative to the working directory', () => {
    expect(markerDir('/repo/infra/prod/', '/repo')).toBe('infra/prod');
    expect(markerDir('/repo', '/repo')).toBe('.');
    expect(markerDir('./infra/../infra/prod')).toBe('infra/prod');
  });
});

describe('a project with errors', () => {
  it('gets an error comment on stdout (marker, sentence, fenced diagnostics) and exits non-zero', () => {
    const repo = brokenRepo();
    const r = globe(['plan', 'infra/prod', '--format', 'markdown'], { cwd: repo, env: { GITHUB_ACTIONS: '' } });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('<!-- globe-plan dir=infra/prod plan=none -->');
    expect(r.stdout).not.toContain('::error');
    golden('errors.md', r.stdout);
    expect(r.stderr).toContain('the project has errors; nothing was planned');
  });

  it('on GitHub Actions, also prints one ::error annotation per diagnostic, file relative to the repository', () => {
    const repo = brokenRepo();
    const r = globe(['plan', 'infra/prod', '--format', 'markdown'], { cwd: repo, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toEqual([
      '::error file=infra/prod/world.globe,line=4,col=25::unknown-reference: location `r9` is neither a region nor an edge location of the latency table (did you mean `r1`?)',
      '::error file=infra/prod/world.globe,line=4,col=65::unknown-reference: resource `cpux` is not declared (did you mean `cpu`?)',
    ]);
  });

  it('a failure without diagnostics (a corrupt state) still gets a comment saying why', () => {
    const repo = brokenRepo();
    writeFileSync(join(repo, 'infra', 'prod', 'world.globe'), BROKEN.replace('r9', 'r1').replace('cpux', 'cpu'));
    mkdirSync(join(repo, 'infra', 'prod', '.globe'));
    writeFileSync(join(repo, 'infra', 'prod', '.globe', 'state.json'), '{ not json');
    const r = globe(['plan', 'infra/prod', '--format', 'markdown'], { cwd: repo, env: { GITHUB_ACTIONS: '' } });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('<!-- globe-plan dir=infra/prod plan=none -->');
    expect(r.stdout).toMatch(/\*\*Nothing was planned:\*\* .*corrupt/);
  });

  it('text output stays as before: nothing on stdout', () => {
    const r = globe(['plan', 'infra/prod'], { cwd: brokenRepo() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('the comment layout, from a fixture plan (examples/global, saved in test/golden/plans)', () => {
  const plan = readFixture('global');

  it('full: summary, largest changes, warnings with reasons, the product shift as a mermaid flowchart, folded lists', () => {
    const md = renderPlanMarkdown(plan, { showTimings: false, dir: 'examples/global', artifact: 'plan.json' });
    golden('global.md', md);
    expect(md).toContain('```mermaid\nflowchart LR\n');
    expect(md).not.toContain('Cut to fit one comment');
  });

  it('under a small budget: every section cut to its share, the cuts said in the summary, naming the artifact', () => {
    const md = renderPlanMarkdown(plan, { showTimings: false, budget: 6_000, dir: 'examples/global', artifact: 'plan.json' });
    golden('global-cut.md', md);
    expect(md.length).toBeLessThanOrEqual(6_000);
    expect(md.split('\n').slice(0, 8).join('\n')).toMatch(/> Cut to fit one comment: \d+ of 40 moves; .*\d+ of 5 tenants' details\. Everything is in `plan.json`\./);
  });

  it('an evacuation (a region drained by more than half) is drawn as edges to the regions gaining that resource', () => {
    const regions = [
      { region: 'us-east', resource: 'h100', supply: 96, before: 91, after: 5, peak: 91 },
      { region: 'eu-west', resource: 'h100', supply: 64, before: 10, after: 50, peak: 50 },
      { region: 'us-west', resource: 'h100', supply: 64, before: 0, after: 30, peak: 30 },
      { region: 'us-west', resource: 'cpu', supply: 64, before: 0, after: 30, peak: 30 },
    ];
    const md = renderPlanMarkdown({ ...plan, diff: { ...plan.diff, products: [], regions } }, { showTimings: false });
    const chart = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3));
    expect(chart.split('\n').filter((l) => l.includes('-->'))).toEqual([
      '  n0["us-east"] -->|"h100 91→5 there, +40 here"| n1["eu-west"]',
      '  n0["us-east"] -->|"h100 91→5 there, +30 here"| n2["us-west"]',
    ]);
    expect(md).toContain('**us-east** h100 91 → 5 of 96 (−86)');
  });

  it('past 15 edges the flowchart gives way to the client × server matrix', () => {
    const changes = Array.from({ length: 16 }, (_, i) => ({ client: `c${String(i).padStart(2, '0')}`, server: 'eu-west', from: 0, to: 1 }));
    const regions = [
      { region: 'us-east', resource: 'h100', supply: 96, before: 91, after: 5, peak: 91 },
      { region: 'eu-west', resource: 'h100', supply: 64, before: 10, after: 50, peak: 50 },
    ];
    const md = renderPlanMarkdown({ ...plan, diff: { ...plan.diff, regions, products: [{ product: 'facebook', changes }] } }, { showTimings: false });
    expect(md).not.toContain('```mermaid');
    expect(md).toContain('| drained | resource | use before → after | regions gaining it |\n| --- | --- | ---: | --- |\n| us-east | h100 | 91 → 5 | eu-west (+40) |');
    expect(md).toContain('Product `facebook` (share of its traffic, old → new):\n\n| client ╲ server | eu-west |\n| --- | :---: |\n| **c00** | 0.0% → 100.0% |');
  });
});

describe('a multi-wave plan', () => {
  const plan = readFixture('global');
  const waves = [
    { wave: 1, reason: 'frees the h100 in us-east', target: plan.placement.target, regions: [] },
    { wave: 2, reason: 'uses the h100 that wave 1 frees in us-east', target: plan.placement.target, regions: [] },
  ];
  const moves = plan.moves.map((m, i) => ({ ...m, wave: i < 10 ? 1 : 2 }));

  it('shows its waves section in the comment (after the warnings, before the folded lists)', () => {
    const md = renderPlanMarkdown({ ...plan, waves, moves }, { showTimings: false });
    expect(md).toContain('### Waves');
    expect(md.indexOf('### Waves')).toBeGreaterThan(md.indexOf('### Warnings'));
    expect(md.indexOf('### Waves')).toBeLessThan(md.indexOf('<details><summary><b>Moves'));
  });
});
