/**
 * Writes the fixture plans (test/golden/plans/*.plan.json) by planning every scenario of
 * plan-scenarios.ts for real. Run it after a planner change that test/e2e/plan-fixtures.test.ts
 * reports as intended, on a compiled tree:
 *
 *   npm run build && npx tsx test/support/write-plan-fixtures.ts [NAME...]
 *
 * (no names: every scenario). Then re-run the renderer goldens; if their output moved too,
 * `UPDATE_GOLDEN=1` rewrites them (see plan-scenarios.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, fixtureFile, planScenario, SCENARIOS } from './plan-scenarios.js';

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) throw new Error(`no plan scenario ${unknown.join(', ')}; there are: ${Object.keys(SCENARIOS).sort().join(', ')}`);
  mkdirSync(FIXTURES, { recursive: true });
  for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
    const work = mkdtempSync(join(tmpdir(), `globe-fixture-${name}-`));
    try {
      writeFileSync(fixtureFile(name), (await planScenario(name, work)).text);
      process.stdout.write(`wrote ${fixtureFile(name)}\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`write-plan-fixtures: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
