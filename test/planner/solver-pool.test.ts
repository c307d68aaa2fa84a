import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SparseModel } from '../../planner/model/sparse-model.js';
import { SolverPool } from '../../planner/solve/solve.js';
import { ensureBuilt, ROOT } from '../support/cli.js';

/** max Σ v·x over whole x ≤ 3 with Σ w·x ≤ capacity, as a minimisation. */
function knapsack(capacity: number): { model: ReturnType<SparseModel['pack']>; stages: { name: string; cost: Float64Array }[] } {
  const m = new SparseModel();
  const items = [
    { w: 3, v: 4 },
    { w: 4, v: 5 },
    { w: 5, v: 7 },
  ];
  const cols = items.map((it) => {
    const c = m.addCol(0, 3, true);
    m.addObjective('main', c, -it.v);
    return c;
  });
  m.addRow(-1e30, capacity, cols, items.map((it) => it.w));
  return { model: m.pack(), stages: [{ name: 'main', cost: m.objectiveVector('main') }] };
}

describe('solver pool', () => {
  it('solves many models on few workers, each answer for its own model', async () => {
    const pool = new SolverPool(2);
    try {
      const capacities = [0, 3, 7, 10, 12, 15];
      const outcomes = await Promise.all(
        capacities.map((cap) => {
          const { model, stages } = knapsack(cap);
          return pool.solve(model, stages, { timeLimitSeconds: 10, gapLimit: 0 });
        }),
      );
      // each knapsack's optimum, by hand: nothing (0); one 3 (4); 3+4 (9); 5+5 (14); 3+4+5 (16); 5+5+5 (21)
      expect(outcomes.map((o) => (o.ok ? 0 - o.stages[0].objective : NaN))).toEqual([0, 4, 9, 14, 16, 21]);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies fails only its own job; the next job gets a fresh worker', async () => {
    const pool = new SolverPool(1, new URL('../support/dying-solver-worker.js', import.meta.url));
    try {
      const dead = new SparseModel();
      dead.addCol(0, 1);
      const alive = knapsack(5);
      const [first, second] = await Promise.all([
        pool.solve(dead.pack(), [{ name: 'main', cost: new Float64Array(1) }], { timeLimitSeconds: 1, gapLimit: 0 }),
        pool.solve(alive.model, alive.stages, { timeLimitSeconds: 1, gapLimit: 0 }),
      ]);
      expect(first).toMatchObject({ ok: false, status: 'crashed' });
      expect(first.ok ? '' : first.error).toMatch(/stopped unexpectedly \(exit code 3\) while solving a model of 0 rows × 1 columns/);
      expect(second.ok).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('refuses work once closed instead of hanging', async () => {
    const pool = new SolverPool(1);
    await pool.close();
    const { model, stages } = knapsack(5);
    const outcome = await pool.solve(model, stages, { timeLimitSeconds: 1, gapLimit: 0 });
    expect(outcome).toMatchObject({ ok: false, status: 'error' });
  });
});

describe('solver code tier', () => {
  const dist = (...path: string[]) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', ...path)).href);

  // A child Node (V8 flags are process-wide) with V8's test intrinsics: after `setup`, whether a hot
  // WebAssembly function reaches optimised (TurboFan) code.
  function tiersUpAfter(setup: string): boolean {
    const dir = mkdtempSync(join(tmpdir(), 'globe-tier-'));
    const script = join(dir, 'tier.mjs');
    writeFileSync(
      script,
      `${setup}
// (func (param i32) (result i32)): the sum n + (n-1) + … + 1, in a loop
const bytes = new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 1,6,1,0x60,1,0x7f,1,0x7f, 3,2,1,0, 7,5,1,1,0x66,0,0,
  0x0a,0x23,1,0x21, 1,1,0x7f, 2,0x40, 3,0x40, 0x20,0,0x45,0x0d,1, 0x20,1,0x20,0,0x6a,0x21,1, 0x20,0,0x41,1,0x6b,0x21,0, 0x0c,0, 0x0b,0x0b, 0x20,1, 0x0b]);
const f = (await WebAssembly.instantiate(bytes)).instance.exports.f;
if (f(10) !== 55) throw new Error('the test module is wrong');
const deadline = Date.now() + 3000;
let optimised = false;
while (Date.now() < deadline && !(optimised = %IsTurboFanFunction(f))) { f(100000); await new Promise((r) => setTimeout(r, 1)); }
process.stdout.write(String(optimised));
process.exit(0);
`,
    );
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', script], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout === 'true';
  }

  const baselineCalls = (calls: boolean[]) =>
    `import { useBaselineSolverCode } from ${dist('planner', 'solve', 'solve.js')};\nfor (const baseline of ${JSON.stringify(calls)}) useBaselineSolverCode(baseline);`;

  const planQuickstart = (options: string) => `import { loadAndCheckProject } from ${dist('lang', 'load.js')};
import { planPlacement } from ${dist('planner', 'index.js')};
const project = await loadAndCheckProject(${JSON.stringify(join(ROOT, 'examples', 'quickstart'))});
await planPlacement(project.spec, { tenants: {}, reservations: {}, products: {}, followers: {} }, ${options});`;

  it('baseline-only code never optimises, and a later large plan gets optimising code back', () => {
    ensureBuilt();
    expect(tiersUpAfter(baselineCalls([true]))).toBe(false);
    expect(tiersUpAfter(baselineCalls([true, false]))).toBe(true);
  });

  it('the planner leaves the process’s V8 flags alone unless its caller opts in (tuneSolverCode)', () => {
    ensureBuilt();
    expect(tiersUpAfter(planQuickstart('{}'))).toBe(true);
    expect(tiersUpAfter(planQuickstart('{ tuneSolverCode: true }'))).toBe(false); // a small fleet: baseline code
  });
});
