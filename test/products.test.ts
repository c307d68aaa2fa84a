import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../executor/state.js';
import type { Plan } from '../planner/plan.js';
import { checkPlacement } from './support/placement-checker.js';
import { ensureBuilt, globe, ROOT } from './support/cli.js';

function seedProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-products-'));
  cpSync(join(ROOT, 'examples', 'seed-product-shift'), dir, { recursive: true });
  return dir;
}

function plan(dir: string, ...flags: string[]): Plan {
  const r = globe(['plan', dir, '--json', ...flags]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Plan;
}

function currentOf(dir: string): State {
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as State;
}

const share = (p: Plan, client: string, server: string) => p.placement.target.products.facebook[client]?.[server] ?? 0;
const used = (p: Plan, region: string) => p.diff.regions.find((r) => r.region === region && r.resource === 'cpu')!.after;

beforeAll(() => ensureBuilt());

describe('the demand-shift seed', () => {
  it('adds capacity in B, shifts traffic towards B, then releases capacity in A — in that order', () => {
    const dir = seedProject();
    const p = plan(dir);
    expect(checkPlacement(p.spec, currentOf(dir), p.placement)).toEqual([]);
    // 200 of A's 600 units move to B: 40/60 afterwards, free capacity equal in share
    expect(share(p, 'region-a', 'region-b')).toBeCloseTo(1 / 3, 5);
    expect(used(p, 'region-a')).toBe(770);
    expect(used(p, 'region-b')).toBe(1027);
    const order = p.moves.map((m) => (m.kind === 'shift' ? 'shift' : m.kind === 'route' ? 'route' : `${m.kind}:${m.region}`));
    expect(order).toEqual(['upsize:region-b', 'upsize:region-b', 'upsize:region-b', 'shift', 'downsize:region-a', 'downsize:region-a', 'downsize:region-a']);
    const shift = p.moves[3];
    expect(shift.dependsOn).toEqual(p.moves.slice(0, 3).map((m) => m.id));
    // apply carries it out, and planning again finds nothing to do
    const saved = join(dir, 'plan.json');
    expect(globe(['plan', dir, '--out', saved]).code).toBe(0);
    const applied = globe(['apply', saved, '--project', dir]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(globe(['plan', dir, '--detailed-exitcode']).code).toBe(0);
  });

  it('frees room in a region for a hardware refresh by shifting demand away from it', () => {
    const dir = seedProject();
    const p = plan(dir, '--free', 'region-a/cpu=600');
    expect(used(p, 'region-a')).toBeLessThanOrEqual(600);
    expect(share(p, 'region-a', 'region-b')).toBeGreaterThan(1 / 3);
    expect(checkPlacement(p.spec, currentOf(dir), p.placement)).toEqual([]);
  });

  it('--max-shift splits the change into successive plans, each applied safely', () => {
    const dir = seedProject();
    const shares: number[] = [];
    for (let i = 0; i < 5; i++) {
      const saved = join(dir, `step-${i}.json`);
      const r = globe(['plan', dir, '--max-shift', '10%', '--out', saved, '--detailed-exitcode']);
      if (r.code === 0) break; // no changes left
      expect(r.code, r.stderr).toBe(2);
      const p = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
      const before = currentOf(dir).products.facebook['region-a']['region-b'] ?? 0;
      // at most 10% of the 1000 units of traffic move in one plan
      expect((share(p, 'region-a', 'region-b') - before) * 600).toBeLessThanOrEqual(100 + 1e-3); // shares are stored to 1e-6
      // apply checks supply and follower capacity before every move
      const applied = globe(['apply', saved, '--project', dir]);
      expect(applied.code, applied.stderr).toBe(0);
      shares.push(currentOf(dir).products.facebook['region-a']['region-b'] ?? 0);
    }
    expect(shares.length).toBe(2);
    expect(shares[0]).toBeCloseTo(1 / 6, 5);
    expect(shares[1]).toBeCloseTo(1 / 3, 5);
  });
});
