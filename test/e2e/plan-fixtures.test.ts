/**
 * The one place a planner change that alters a plan is caught: every scenario of
 * test/support/plan-scenarios.ts is planned for real (the compiled CLI) and must give exactly its
 * saved fixture, which the renderer goldens (test/cli/plan-golden.test.ts, plan-html, plan-comment)
 * render without solving. An intended change: regenerate the fixtures as plan-scenarios.ts says.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, globe } from '../support/cli.js';
import { fixtureFile, planScenario, scenarioFlags, SCENARIOS } from '../support/plan-scenarios.js';

const work = mkdtempSync(join(tmpdir(), 'globe-plan-fixtures-'));
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('planning every scenario gives its fixture plan', () => {
  it.each(Object.keys(SCENARIOS))('%s', async (name) => {
    const { text, out, dir } = await planScenario(name, join(work, name));
    expect(text, `${name} plans differently from test/golden/plans/${name}.plan.json: a planner change? (see test/support/plan-scenarios.ts)`).toBe(readFileSync(fixtureFile(name), 'utf8'));
    if (name !== 'demand-change') return;
    // Planned again, the same project and state give a byte-identical file (lineage and all).
    const again = join(work, 'again.plan.json');
    expect(globe(['plan', dir, '--lock', 'false', '--out', again, ...scenarioFlags(name)]).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });
});
