/**
 * Solving a packed model with HiGHS in a worker thread. The worker owns its
 * own WebAssembly heap: an out-of-memory abort ends that worker only, and
 * the caller gets a clear error instead of a dead process.
 */
import { Worker } from 'node:worker_threads';
import type { PackedModel } from '../model/sparse-model.js';

export interface SolveStage {
  name: string;
  /** Dense objective vector of this stage. */
  cost: Float64Array;
  /** No non-zero coefficient: nothing to optimise. */
  empty: boolean;
}

export interface StageResult {
  name: string;
  objective: number;
  bound: number;
  gap: number;
  status: 'optimal' | 'time-limit';
}

export type SolveOutcome =
  | { ok: true; status: 'optimal' | 'time-limit'; colValue: Float64Array; stages: StageResult[]; lpBound: number; seconds: number }
  | { ok: false; status: string; error?: string; stages: StageResult[]; seconds: number };

export interface SolveOptions {
  timeLimitSeconds: number;
  gapLimit: number;
  onProgress?: (p: { stage: string; seconds: number; objective?: number; bound?: number; gap?: number }) => void;
}

export function solveInWorker(model: PackedModel, stages: SolveStage[], options: SolveOptions): Promise<SolveOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./highs-worker.js', import.meta.url), {
      workerData: { model, stages, options: { timeLimitSeconds: options.timeLimitSeconds, gapLimit: options.gapLimit } },
    });
    let settled = false;
    const finish = (outcome: SolveOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
      void worker.terminate();
    };
    worker.on('message', (msg: { type: string } & Record<string, unknown>) => {
      if (msg.type === 'progress') options.onProgress?.(msg as never);
      else if (msg.type === 'result') finish(msg as unknown as SolveOutcome);
    });
    worker.on('error', (err) => {
      const oom = /memory|abort|OOM/i.test(err.message);
      finish({
        ok: false,
        status: 'error',
        error: oom ? `the solver ran out of memory (WebAssembly heap limit of 2 GiB): ${err.message}` : `the solver failed: ${err.message}`,
        stages: [],
        seconds: 0,
      });
    });
    worker.on('exit', (code) => {
      if (!settled) finish({ ok: false, status: 'error', error: `the solver stopped unexpectedly (exit code ${code})`, stages: [], seconds: 0 });
    });
  });
}
