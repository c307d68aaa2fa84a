/**
 * Solving a packed model with HiGHS in a worker thread. The worker owns its
 * own WebAssembly heap: an out-of-memory abort ends that worker only, and
 * the caller gets a clear error instead of a dead process.
 *
 * The worker is plain JavaScript (highs-worker.js) so that the same file
 * runs under vitest from the sources and from the compiled dist/.
 */
import { Worker } from 'node:worker_threads';
import type { PackedModel } from '../model/sparse-model.js';

/** One lexicographic stage: sparse objective coefficients (sorted, merged). */
export interface SolveStage {
  name: string;
  indices: Int32Array;
  values: Float64Array;
}

export interface StageResult {
  name: string;
  objective: number;
  bound: number;
  gap: number;
  status: 'optimal' | 'time-limit';
}

export type SolveFailure = {
  ok: false;
  /** HiGHS model status name, or `error` / `out-of-memory` / `crashed`. */
  status: string;
  error?: string;
  stages: StageResult[];
  seconds: number;
};

export type SolveOutcome =
  | { ok: true; status: 'optimal' | 'time-limit'; colValue: Float64Array; stages: StageResult[]; lpBound: number; seconds: number }
  | SolveFailure;

export interface SolveProgress {
  stage: string;
  seconds: number;
  objective?: number;
  bound?: number;
  gap?: number;
}

export interface SolveOptions {
  timeLimitSeconds: number;
  gapLimit: number;
  onProgress?: (p: SolveProgress) => void;
  /** A partial MIP start (column → value), e.g. the current deployment; HiGHS completes it. */
  start?: { indices: Int32Array; values: Float64Array };
  /** Also solve the LP relaxation for a bound (default true); blocks of a large fleet skip it: their MIP bound is far stronger. */
  lpBound?: boolean;
  /** The worker script; tests point it at a stand-in that fails on purpose. */
  workerUrl?: URL;
}

const WORKER_URL = new URL('./highs-worker.js', import.meta.url);

/** Accepts dense stage vectors too (`{ name, cost }`), as the failover simulation builds them. */
export type StageInput = SolveStage | { name: string; cost: Float64Array };

export function solveInWorker(model: PackedModel, stageInputs: StageInput[], options: SolveOptions): Promise<SolveOutcome> {
  const stages = stageInputs.map(sparseStage);
  const size = `${model.numRows} rows × ${model.numCols} columns, ${model.indices.length} non-zeros`;
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(options.workerUrl ?? WORKER_URL, {
        workerData: { model, stages, start: options.start, options: { timeLimitSeconds: options.timeLimitSeconds, gapLimit: options.gapLimit, lpBound: options.lpBound } },
        transferList: [
          model.colLower.buffer,
          model.colUpper.buffer,
          model.integrality.buffer,
          model.rowLower.buffer,
          model.rowUpper.buffer,
          model.starts.buffer,
          model.indices.buffer,
          model.values.buffer,
        ] as ArrayBuffer[],
      });
    } catch (e) {
      resolve({ ok: false, status: 'error', error: `the solver could not start: ${(e as Error).message}`, stages: [], seconds: 0 });
      return;
    }
    let settled = false;
    const finish = (outcome: SolveOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
      void worker.terminate();
    };
    worker.on('message', (msg: { type: string; aborted?: boolean } & Record<string, unknown>) => {
      if (msg.type === 'progress') options.onProgress?.(msg as unknown as SolveProgress);
      else if (msg.type === 'result') {
        const outcome = msg as unknown as SolveOutcome;
        if (!outcome.ok && msg.aborted) finish(outOfMemory(size, outcome.error));
        else finish(outcome);
      }
    });
    worker.on('error', (err) => {
      const aborted = err.name === 'RuntimeError' || /Aborted\(|out of memory|Cannot enlarge memory|heap/i.test(err.message);
      finish(aborted ? outOfMemory(size, err.message) : { ok: false, status: 'crashed', error: `the solver failed: ${err.message}`, stages: [], seconds: 0 });
    });
    worker.on('exit', (code) => {
      finish({ ok: false, status: 'crashed', error: `the solver stopped unexpectedly (exit code ${code}) while solving a model of ${size}`, stages: [], seconds: 0 });
    });
  });
}

function outOfMemory(size: string, detail?: string): SolveFailure {
  return {
    ok: false,
    status: 'out-of-memory',
    error:
      `the solver ran out of memory: HiGHS (WebAssembly) has a 2 GiB heap and the model has ${size}. ` +
      `Plan a smaller part of the fleet at a time (fewer tenants or regions per project)` +
      (detail ? ` [${detail}]` : ''),
    stages: [],
    seconds: 0,
  };
}

function sparseStage(s: StageInput): SolveStage {
  if ('indices' in s) return s;
  const indices: number[] = [];
  const values: number[] = [];
  s.cost.forEach((v, c) => {
    if (v !== 0) {
      indices.push(c);
      values.push(v);
    }
  });
  return { name: s.name, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}
