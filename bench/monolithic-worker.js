// The monolithic baseline's HiGHS solve, in a worker thread. Plain JavaScript
// so the same file runs from the sources (tests, tsx) and from dist/. The
// WebAssembly heap of HiGHS is capped at 2 GiB: when a model outgrows it the
// wasm aborts, which ends this worker only; the parent reports "out of memory".
//
// Protocol: the parent posts the packed MIP and { gapLimit, timeLimitSeconds }
// as workerData; the worker posts one { type: 'result', ... }.
import { parentPort, workerData } from 'node:worker_threads';
import loadHighs from 'highs';
import { createHighsModel } from '../planner/solve/highs-model.js';

async function main() {
  const { mip, options } = workerData;
  const highs = await loadHighs();
  const started = performance.now();
  const model = createHighsModel(highs, mip, mip.colCost);
  try {
    const S = highs.constants.modelStatus;
    model.options.set({ output_flag: false, random_seed: 0, presolve: 'on' });
    // The LP relaxation first: a bound that is valid whatever the MIP search reaches.
    model.options.set({ solve_relaxation: true, time_limit: options.timeLimitSeconds });
    model.run();
    const lpBound = model.getModelStatus() === S.optimal ? model.getObjectiveValue() : null;
    const lpSeconds = (performance.now() - started) / 1000;
    model.clearSolver();
    const remaining = Math.max(1, options.timeLimitSeconds - lpSeconds);
    model.options.set({ solve_relaxation: false, mip_rel_gap: options.gapLimit, time_limit: remaining });
    // HiGHS does not check its time limit in every phase: at 1,000 × 20 the 1% run overruns it by
    // minutes (an interrupt callback does not reach that phase either); the parent's watchdog stops it.
    model.run();
    const status = model.getModelStatus();
    const hasSolution = model.info.get('primal_solution_status') === 2;
    const result = {
      type: 'result',
      status: statusName(S, status),
      hasSolution,
      objective: hasSolution ? model.getObjectiveValue() : null,
      bound: finite(model.info.get('mip_dual_bound')),
      gap: finite(model.info.get('mip_gap')),
      nodes: Number(model.info.get('mip_node_count') ?? 0),
      lpBound,
      lpSeconds,
      seconds: (performance.now() - started) / 1000,
      colValue: hasSolution ? model.getSolution().colValue : null,
    };
    parentPort.postMessage(result, result.colValue instanceof Float64Array ? [result.colValue.buffer] : []);
  } finally {
    model.dispose();
  }
}

function finite(x) {
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

function statusName(S, status) {
  for (const [name, code] of Object.entries(S)) if (code === status) return name;
  return String(status);
}

main().catch((e) => {
  parentPort.postMessage({ type: 'result', status: 'error', error: e instanceof Error ? e.message : String(e) });
});
