/**
 * `--fail-on`: CI can fail `plan`, `show` and `apply` on a plan that breaks a promise — declared
 * demand left unserved, a disaster-readiness intent unmet, a solve not proven within its gap —
 * with exit code 3. A plan not proven optimal (time limit) fails by default.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenPromises } from '../../cli/fail-on.js';
import type { Placement } from '../../schemas/placement.js';
import type { Plan } from '../../schemas/plan.js';
import { globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** quickstart in a temp dir, with `edit` applied to one of its files. */
function quickstart(edit?: { file: string; from: string; to: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-fail-on-'));
  dirs.push(dir);
  copyExample(join(ROOT, 'examples', 'quickstart'), dir);
  if (edit) {
    const path = join(dir, edit.file);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(edit.from);
    writeFileSync(path, text.replace(edit.from, edit.to));
  }
  return dir;
}

const stateFile = (dir: string) => join(dir, '.globe', 'state.json');

describe('a plan the solver did not prove (time limit)', () => {
  // A time limit of 0 s: the solver keeps its first feasible plan and skips the rest of its stages.
  const dir = quickstart();
  const saved = join(dir, 'plan.json');

  it('fails `plan` by default with exit 3, after showing and saving the plan', () => {
    const r = globe(['plan', dir, '--time-limit', '0s', '--out', saved]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Solver: time-limit');
    expect(r.stderr).toContain('globe: the plan breaks a promise that --fail-on gap checks (to accept it anyway: --fail-on none)');
    expect(r.stderr).toContain('gap: the solver stopped at its time limit');
    expect((JSON.parse(readFileSync(saved, 'utf8')) as Plan).placement.solver.status).toBe('time-limit');
    // --detailed-exitcode does not turn it into "2: changes".
    expect(globe(['plan', dir, '--time-limit', '0s', '--detailed-exitcode']).code).toBe(3);
  });

  it('passes when the user accepts it: --fail-on none', () => {
    const r = globe(['plan', dir, '--time-limit', '0s', '--fail-on', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('fails `show` of the saved plan the same way', () => {
    const r = globe(['show', saved]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Solver: time-limit');
    expect(r.stderr).toContain('gap: the solver stopped at its time limit');
    expect(globe(['show', saved, '--fail-on', 'unserved']).code).toBe(0);
  });

  it('refuses `apply PLAN` before anything runs, unless allowed', () => {
    const r = globe(['apply', saved, '--project', dir, '--auto-approve']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('globe: refusing to apply: the plan breaks a promise that --fail-on gap checks (to apply it anyway: --fail-on none)');
    expect(existsSync(stateFile(dir))).toBe(false);
    const allowed = globe(['apply', saved, '--project', dir, '--auto-approve', '--fail-on', 'none']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(existsSync(stateFile(dir))).toBe(true);
  });

  it('refuses `apply DIR` (planned afresh) too', () => {
    const fresh = quickstart();
    expect(globe(['apply', fresh, '--auto-approve', '--time-limit', '0s']).code).toBe(3);
    expect(existsSync(stateFile(fresh))).toBe(false);
  });
});

describe('declared demand left unserved', () => {
  // 100 times the indexer's demand: far more than the cpu of the world.
  const dir = quickstart({ file: 'search.globe', from: 'us-east = 2000rps', to: 'us-east = 200000rps' });
  const saved = join(dir, 'plan.json');

  it('is opt-in: the default passes, --fail-on unserved fails with the tenant named', () => {
    const plain = globe(['plan', dir, '--out', saved]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('UNSERVED');
    const r = globe(['plan', dir, '--fail-on', 'unserved']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n {2}unserved: [0-9.]+ rps of search\/indexer cannot be served\n/);
    expect(r.stderr).toContain('(to accept it anyway: --fail-on none)');
  });

  it('`apply PLAN --fail-on unserved,gap` refuses it, naming what would still be checked', () => {
    const r = globe(['apply', saved, '--project', dir, '--auto-approve', '--fail-on', 'unserved,gap']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('refusing to apply: the plan breaks a promise that --fail-on unserved,gap checks (to apply it anyway: --fail-on gap)');
    expect(existsSync(stateFile(dir))).toBe(false);
    expect(globe(['show', saved, '--fail-on', 'all']).code).toBe(3);
  });
});

describe('a disaster-readiness intent unmet', () => {
  // quickstart without its dr_latency: eu-west's clients have no other region within 70 ms.
  const dir = quickstart();
  const file = join(dir, 'search.globe');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\s*dr_latency = 80ms[^\n]*/, ''));
  const saved = join(dir, 'plan.json');

  it('--fail-on dr fails `plan` and `show` on the verdict the plan carries; the default does not', () => {
    expect(globe(['plan', dir, '--out', saved]).code).toBe(0);
    const plan = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
    expect(plan.placement.disasterReadiness['search/ranker']).toMatchObject({ met: false, worstRegion: 'eu-west' });
    expect(globe(['plan', dir, '--fail-on', 'dr']).code).toBe(3);
    const r = globe(['show', saved, '--fail-on', 'dr']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('DR NOT MET: search/ranker');
    expect(r.stderr).toContain('\n  dr: search/ranker does not survive the loss of eu-west');
    expect(globe(['show', saved]).code).toBe(0);
  });
});

describe('--fail-on values', () => {
  it('an unknown one is an error before anything is planned', () => {
    const dir = quickstart();
    const r = globe(['plan', dir, '--fail-on', 'unserved,typo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('globe: --fail-on: `typo` is not one of unserved, dr, gap, all, none\n');
    expect(r.stdout).toBe('');
  });
});

describe('the gap promise reads the solver report', () => {
  const placement = (solver: Partial<Placement['solver']>): Placement =>
    ({ unserved: {}, unservedProducts: {}, disasterReadiness: {}, solver: { status: 'optimal', gap: 0, ...solver } }) as unknown as Placement;
  const gap = new Set(['gap'] as const);

  it('holds for a solve proven within its gap', () => {
    expect(brokenPromises(placement({ status: 'optimal', gap: 0.004 }), gap)).toEqual([]);
    expect(brokenPromises(placement({ status: 'gap-limit', gap: 0.004 }), gap)).toEqual([]);
  });

  it('breaks for a gap that could not be certified (fleets in blocks report it as 100%)', () => {
    expect(brokenPromises(placement({ status: 'optimal', gap: 1 }), gap)).toEqual(["gap: the plan's gap to the best bound is not certified (100%)"]);
  });

  it('is not checked unless asked for', () => {
    expect(brokenPromises(placement({ status: 'time-limit', gap: 1 }), new Set(['unserved', 'dr'] as const))).toEqual([]);
  });
});
