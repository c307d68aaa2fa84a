import { describe, expect, it } from 'vitest';
import { SparseModel } from '../planner/model/sparse-model.js';
import { SolverPool } from '../planner/solve/solve.js';

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
    const pool = new SolverPool(1, new URL('./support/dying-solver-worker.js', import.meta.url));
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
