// The HiGHS solver, in a worker thread. Plain JavaScript on purpose: the same
// file runs from the sources (tests) and from dist/ (the CLI). The wasm heap
// is capped at 2 GiB; if it aborts, only this worker dies and the parent
// reports a clear error instead of crashing.
//
// Protocol: the parent posts { model, stages, options }; the worker posts
// { type: 'progress', ... } while solving and one { type: 'result', ... }.
import { parentPort, workerData } from 'node:worker_threads';
import loadHighs from 'highs';

const INF = 1e30;

async function main() {
  const { model, stages, options } = workerData;
  const highs = await loadHighs();
  const started = Date.now();
  const m = highs.createModel({
    numCols: model.numCols,
    numRows: model.numRows,
    colCost: new Float64Array(model.numCols),
    colLower: model.colLower.map((x) => (x <= -INF ? -highs.infinity : x)),
    colUpper: model.colUpper.map((x) => (x >= INF ? highs.infinity : x)),
    rowLower: model.rowLower.map((x) => (x <= -INF ? -highs.infinity : x)),
    rowUpper: model.rowUpper.map((x) => (x >= INF ? highs.infinity : x)),
    matrix: { format: 'csr', numRows: model.numRows, numCols: model.numCols, starts: model.starts, indices: model.indices, values: model.values },
    integrality: model.integrality,
  });
  try {
    m.options.set({
      output_flag: false,
      random_seed: 0,
      mip_rel_gap: options.gapLimit,
      presolve: 'on',
    });
    const results = [];
    let hitTimeLimit = false;
    let lpBound = 0;
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i];
      const isLast = i === stages.length - 1;
      const remaining = Math.max(0.5, options.timeLimitSeconds - (Date.now() - started) / 1000);
      if (model.numCols > 0) m.changeColsCost({ kind: "range", from: 0, to: model.numCols - 1 }, stage.cost);
      if (stage.empty) {
        results.push({ name: stage.name, objective: 0, bound: 0, gap: 0, status: 'optimal' });
        continue;
      }
      if (isLast) {
        // The LP relaxation of the final stage: a bound that is always valid.
        m.options.set({ solver: 'simplex', time_limit: remaining });
        m.run();
        lpBound = m.getModelStatus() === highs.constants.modelStatus.optimal ? m.getObjectiveValue() : -Infinity;
        m.clearSolver();
        m.options.set({ solver: 'choose' });
      }
      m.options.set({ time_limit: Math.max(0.5, options.timeLimitSeconds - (Date.now() - started) / 1000) });
      const callbacks = {
        [highs.constants.callbackType.mipImprovingSolution](event) {
          parentPort.postMessage({ type: 'progress', stage: stage.name, seconds: (Date.now() - started) / 1000, objective: event.data.objective_function_value, bound: event.data.mip_dual_bound, gap: event.data.mip_gap });
        },
      };
      m.run(callbacks);
      const status = m.getModelStatus();
      const S = highs.constants.modelStatus;
      const hasSolution = status === S.optimal || ((status === S.timeLimit || status === S.interrupted) && m.info.get('primal_solution_status') === 2);
      if (!hasSolution) {
        parentPort.postMessage({ type: 'result', ok: false, status: statusName(highs, status), stages: results, seconds: (Date.now() - started) / 1000 });
        return;
      }
      if (status === S.timeLimit) hitTimeLimit = true;
      const objective = m.getObjectiveValue();
      const bound = Number(m.info.get('mip_dual_bound'));
      const gap = Number(m.info.get('mip_gap'));
      results.push({ name: stage.name, objective, bound: Number.isFinite(bound) ? bound : objective, gap: Number.isFinite(gap) ? gap : 0, status: status === S.optimal ? 'optimal' : 'time-limit' });
      if (!isLast) {
        // Hold this stage at its optimum (with a small tolerance) for the stages below it.
        const idx = [];
        const val = [];
        for (let c = 0; c < model.numCols; c++) {
          const v = stage.cost[c] ?? 0;
          if (v !== 0) {
            idx.push(c);
            val.push(v);
          }
        }
        if (idx.length > 0) m.addRow(-highs.infinity, objective + 1e-6 + Math.abs(objective) * 1e-9, { indices: Int32Array.from(idx), values: Float64Array.from(val) });
      }
    }
    const solution = m.getSolution();
    parentPort.postMessage({ type: 'result', ok: true, status: hitTimeLimit ? 'time-limit' : 'optimal', colValue: solution.colValue, stages: results, lpBound, seconds: (Date.now() - started) / 1000 });
  } finally {
    m.dispose();
  }
}

function statusName(highs, status) {
  for (const [name, code] of Object.entries(highs.constants.modelStatus)) if (code === status) return name;
  return String(status);
}

main().catch((e) => {
  parentPort.postMessage({ type: 'result', ok: false, status: 'error', error: e instanceof Error ? e.message : String(e) });
});
