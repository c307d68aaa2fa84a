/**
 * Running the monolithic baseline (see monolithic-model.ts): build the one
 * MIP, solve it with HiGHS in a worker thread with a gap and a time limit,
 * and read the solution back. The worker owns the 2 GiB WebAssembly heap;
 * when the model does not fit, only the worker dies and the run reports
 * "out of memory" — the benchmark goes on.
 */
import { Worker } from 'node:worker_threads';
import type { PlannerWeights, Spec } from '../lang/spec.js';
import type { Deployment } from '../schemas/state.js';
import { buildMonolithicModel } from './monolithic-model.js';
import type { Unserved } from '../planner/score.js';

export interface MonolithicOptions {
  weights: PlannerWeights;
  /** Relative MIP gap at which HiGHS stops, e.g. 0.01. */
  gapLimit: number;
  timeLimitSeconds: number;
}

export interface ModelSize {
  rows: number;
  columns: number;
  nonzeros: number;
  integers: number;
}

export type MonolithicOutcome = 'solved' | 'no-solution' | 'out-of-memory' | 'error';

export interface MonolithicRun {
  outcome: MonolithicOutcome;
  /** HiGHS model status (`optimal`, `timeLimit`, …) or what went wrong. */
  status: string;
  message?: string;
  model: ModelSize;
  buildSeconds: number;
  /** Branch-and-bound (HiGHS's MIP solve, its own root LP included): the time to the answer, with buildSeconds. */
  mipSeconds: number;
  /** The separate LP relaxation solve that gives `lpBound` (not part of the time to the answer). */
  lpSeconds?: number;
  /** Objective of the solution found (constants included, so it is comparable with `bound`). */
  objective?: number;
  /** Best bound proven by branch-and-bound. */
  bound?: number;
  /** Bound of the LP relaxation. */
  lpBound?: number;
  gap?: number;
  nodes?: number;
  solution?: { target: Deployment; unserved: Unserved; unservedProducts: Record<string, Record<string, number>> };
}

interface WorkerResult {
  type: 'result';
  status: string;
  error?: string;
  hasSolution?: boolean;
  objective?: number | null;
  bound?: number | null;
  gap?: number | null;
  nodes?: number;
  lpBound?: number | null;
  lpSeconds?: number;
  seconds?: number;
  colValue?: Float64Array | null;
}

export async function runMonolithic(spec: Spec, current: Deployment, options: MonolithicOptions): Promise<MonolithicRun> {
  const started = performance.now();
  const built = buildMonolithicModel(spec, current, options.weights);
  const buildSeconds = (performance.now() - started) / 1000;
  const model: ModelSize = { rows: built.mip.numRows, columns: built.mip.numCols, nonzeros: built.nonzeros, integers: built.integers };
  const base = { model, buildSeconds };
  const solveStarted = performance.now();
  const r = await solveInWorker(built.mip, options);
  const mipSeconds = (r.seconds ?? (performance.now() - solveStarted) / 1000) - (r.lpSeconds ?? 0);
  if (r.status === 'error' || r.status === 'killed') {
    const oom = r.status === 'error' && OUT_OF_MEMORY.test(r.error ?? '');
    return oom
      ? { ...base, outcome: 'out-of-memory', status: 'out-of-memory', message: `the 2 GiB WebAssembly heap of HiGHS is exhausted (${r.error})`, mipSeconds }
      : { ...base, outcome: 'error', status: r.status, message: r.error, mipSeconds };
  }
  if (!r.hasSolution || !r.colValue) {
    return { ...base, outcome: 'no-solution', status: r.status, mipSeconds, lpSeconds: r.lpSeconds, lpBound: shift(r.lpBound, built.offset), bound: shift(r.bound, built.offset) };
  }
  const objective = r.objective! - built.offset;
  const bound = shift(r.bound, built.offset);
  return {
    ...base,
    outcome: 'solved',
    status: r.status,
    mipSeconds,
    lpSeconds: r.lpSeconds,
    objective,
    bound,
    lpBound: shift(r.lpBound, built.offset),
    gap: bound === undefined ? undefined : Math.max(0, (objective - bound) / Math.max(Math.abs(objective), 1e-9)),
    nodes: r.nodes,
    solution: built.extract(r.colValue),
  };
}

/** How an exhausted wasm heap shows: an abort from the allocator or a failed memory grow. */
const OUT_OF_MEMORY = /out of memory|OOM|Aborted\(|enlarge memory|Memory\.grow|allocation failed|bad_alloc/i;

function shift(x: number | null | undefined, offset: number): number | undefined {
  return x === null || x === undefined ? undefined : x - offset;
}

/** Solve in a worker; a wasm abort (out of memory) or a hang past the time limit ends the worker, not us. */
function solveInWorker(mip: ReturnType<typeof buildMonolithicModel>['mip'], options: MonolithicOptions): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./monolithic-worker.js', import.meta.url), {
      workerData: { mip, options: { gapLimit: options.gapLimit, timeLimitSeconds: options.timeLimitSeconds } },
    });
    let settled = false;
    const finish = (r: WorkerResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      resolve(r);
      void worker.terminate();
    };
    // HiGHS checks its time limit between steps; a presolve of a huge model can overrun it by far.
    const watchdog = setTimeout(() => finish({ type: 'result', status: 'killed', error: `still running ${Math.round(options.timeLimitSeconds * 2 + 120)} s after the start (time limit ${options.timeLimitSeconds} s); stopped` }), (options.timeLimitSeconds * 2 + 120) * 1000);
    worker.on('message', (msg: WorkerResult) => finish(msg));
    worker.on('error', (err) => finish({ type: 'result', status: 'error', error: err.message }));
    worker.on('exit', (code) => finish({ type: 'result', status: 'error', error: `the solver worker exited (code ${code}) without a result` }));
  });
}
