import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStateFile } from '../../executor/state-file.js';
import type { Plan } from '../../schemas/plan.js';
import { renderPlanMarkdown, GITHUB_COMMENT_LIMIT } from '../../cli/render/plan-markdown.js';
import { globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';
import { readFixture } from '../support/plan-scenarios.js';

/** A copy of an example in a temp dir, optionally with a state already deployed. */
function project(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), `globe-plan-${example}-`));
  copyExample(join(ROOT, 'examples', example), dir);
  return dir;
}

/** Deploy a plan's target as the current state (what a finished apply leaves). */
async function deploy(dir: string, planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  await writeStateFile(join(dir, '.globe', 'state.json'), null, plan.placement.target);
}

describe('globe plan behaviour', () => {
  it.each(readdirSync(join(ROOT, 'examples')).filter((d) => !d.startsWith('exec') && d !== 'ci' /* a CI recipe, not a project */))('examples/%s: two runs print the same bytes', (example) => {
    const a = globe(['plan', `examples/${example}`, '--lock', 'false']);
    const b = globe(['plan', `examples/${example}`, '--lock', 'false']);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('says "No changes" and exits 0 with --detailed-exitcode when the state matches; 2 when there are changes', async () => {
    const dir = project('quickstart');
    const first = globe(['plan', dir, '--out', join(dir, 'p.json'), '--detailed-exitcode']);
    expect(first.code).toBe(2);
    await deploy(dir, join(dir, 'p.json'));
    const again = globe(['plan', dir, '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('show renders a saved plan exactly as plan printed it, and refuses a truncated one', () => {
    const dir = project('quickstart');
    const planned = globe(['plan', dir, '--format', 'markdown', '--out', join(dir, 'p.json')]);
    expect(globe(['show', join(dir, 'p.json'), '--format', 'markdown', '--project', dir]).stdout).toBe(planned.stdout);
    const text = readFileSync(join(dir, 'p.json'), 'utf8');
    writeFileSync(join(dir, 'cut.json'), text.slice(0, text.length / 2));
    const cut = globe(['show', join(dir, 'cut.json')]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain('not valid JSON');
    writeFileSync(join(dir, 'edited.json'), text.replace('"moves": [', '"moves": 3, "x": ['));
    expect(globe(['show', join(dir, 'edited.json')]).stderr).toMatch(/not a valid plan|not valid JSON/);
  });

  it('refuses a corrupt state file without touching it', () => {
    const dir = project('quickstart');
    const state = join(dir, '.globe', 'state.json');
    cpSync(join(ROOT, 'examples/quickstart/world.globe'), state, { recursive: true });
    const before = readFileSync(state, 'utf8');
    const r = globe(['plan', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is corrupt');
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('keeps a large plan under the GitHub comment limit and says what it cut', () => {
    const plan = readFixture('global');
    // Blow the plan up: many copies of every tenant's diff.
    const many = { ...plan, diff: { ...plan.diff, tenants: Array.from({ length: 400 }, (_, i) => plan.diff.tenants.map((t) => ({ ...t, tenant: `${t.tenant}-${i}` as typeof t.tenant }))).flat() } };
    const md = renderPlanMarkdown(many, { showTimings: false });
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/… \d+ tenants not shown/);
    expect(md).toContain('## globe plan');
  });
});
