/**
 * The dependency rule of docs/architecture.md, checked with dependency-cruiser over the
 * sources (its rules are in .dependency-cruiser.cjs): lang depends on nothing of globe's, the
 * documents in schemas/ on lang, planner and executor on both but never on each other, cli on
 * everything, bench on everything but test code — and no import cycles.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

describe('the dependency rule', () => {
  it('holds: no import crosses a stage boundary the wrong way, and no cycles', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'schemas', 'lang', 'planner', 'executor', 'cli', 'bench'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const result = JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } };
    expect(result.summary.totalCruised).toBeGreaterThan(100); // it looked at the tree, not at nothing
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 120_000);
});
