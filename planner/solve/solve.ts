/**
 * Solving a packed model with HiGHS in a worker thread. The worker owns its
 * own WebAssembly heap: an out-of-memory abort ends that worker only, and
 * the caller gets a clear error instead of a dead process.
 *
 * The worker is plain JavaScript (highs-worker.js) so that the same file
 * runs under vitest from the sources and from the compiled dist/.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { PackedModel } from '../model/sparse-model.js';
import { workTurn } from '../loop-turn.js';

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
  /**
   * Also stop main once it is this close to its bound in absolute terms (default: 1e-6). The repair of a
   * fleet planned in blocks gets what is left of the fleet's gap, which may be far wider than its own.
   */
  absGapLimit?: number;
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

/**
 * Whether HiGHS runs as baseline-compiled WebAssembly only. V8 first compiles
 * the 3.5 MB module with its baseline compiler, then recompiles hot code with
 * its optimising one on background threads. For a small fleet the whole solve
 * takes a fraction of a second and that optimising work, competing for the
 * machine's cores, costs more than it saves (100 tenants: 0.5 s of solving and
 * 0.5 s of recompiling before the process can exit, against 0.25 s baseline
 * only); for a large fleet optimised code pays for itself many times. A V8
 * flag, so it applies to the whole process; set it before solvers start.
 */
export function useBaselineSolverCode(baselineOnly: boolean): void {
  // Baseline code is also compiled whole when HiGHS loads (in the workers, while the project is read)
  // rather than function by function during the first solves.
  setFlagsFromString(baselineOnly ? '--liftoff-only' : '--no-liftoff-only');
  setFlagsFromString(baselineOnly ? '--no-wasm-lazy-compilation' : '--wasm-lazy-compilation');
  if (!baselineOnly) {
    // --liftoff-only also turned tier-up off (a V8 flag implication), and clearing it does not turn
    // it back on: without these two, a large fleet planned after a small one (the CLI pre-starts
    // baseline workers before it knows the fleet's size) ran baseline code only, ~40% slower.
    setFlagsFromString('--wasm-tier-up');
    setFlagsFromString('--wasm-dynamic-tiering');
  }
  baselineCode = baselineOnly;
}

let baselineCode = false;

/** Solver workers a large fleet's blocks use: two, the machine this is built for (fewer on one core). */
export const SOLVER_WORKERS = Math.max(1, Math.min(2, availableParallelism()));

let prestarted: SolverPool | undefined;

/**
 * Start the solver workers and load HiGHS now, before the caller reads and
 * checks its project: a worker thread takes ~0.1 s to start and HiGHS as long
 * again to load, a fifth of the whole `globe plan` of a small project. They
 * load baseline code (useBaselineSolverCode), what small fleets use; a large
 * fleet, known only once the project is read, starts optimising workers
 * instead (solverPool), having lost nothing that matters at its scale.
 */
export function prestartSolverPool(size: number): void {
  if (prestarted) return;
  useBaselineSolverCode(true);
  prestarted = new SolverPool(size);
  prestarted.load();
}

/** What solves models: the worker threads of this process (SolverPool), or a job queue's workers (queue-pool.ts). */
export interface SolvePool {
  readonly size: number;
  solve(model: PackedModel, stageInputs: StageInput[], options: SolveOptions): Promise<SolveOutcome>;
  close(): Promise<void>;
}

let elsewhere: { create: () => SolvePool; inFlight: number } | undefined;

/** From now on solve on pools `create` makes (`globe plan --workers queue`), `inFlight` solves at a time; undefined: here again. */
export function solveElsewhere(pools: typeof elsewhere): void {
  elsewhere = pools;
}

/** How many solves a large fleet keeps in flight: one per worker thread here, or as many as the queue takes. */
export function solveConcurrency(): number {
  return elsewhere?.inFlight ?? SOLVER_WORKERS;
}

/** A pool of at least `size` workers: the pre-started one if it fits (size, code), else a new one. */
export function solverPool(size: number, workerUrl?: URL): SolvePool {
  const taken = prestarted;
  prestarted = undefined;
  if (elsewhere && workerUrl === undefined) {
    void taken?.close();
    return elsewhere.create();
  }
  if (taken && taken.size >= size && taken.baselineCode === baselineCode && workerUrl === undefined) return taken;
  void taken?.close();
  return new SolverPool(size, workerUrl);
}

/** One model solved in a worker of its own (a pool closed afterwards). */
export async function solveInWorker(model: PackedModel, stageInputs: StageInput[], options: SolveOptions): Promise<SolveOutcome> {
  const pool = solverPool(1, options.workerUrl);
  try {
    return await pool.solve(model, stageInputs, options);
  } finally {
    void pool.close(); // the worker is told to stop now; the answer need not wait until it has
  }
}

interface Job {
  id: number;
  model: PackedModel;
  stages: SolveStage[];
  options: SolveOptions;
  /** The model's size, for errors (its arrays are handed over to the worker). */
  size: string;
  resolve: (outcome: SolveOutcome) => void;
}

interface PoolWorker {
  worker: Worker;
  job?: Job;
}

/**
 * Worker threads that each solve one model at a time and stay alive for the
 * next (a large fleet's blocks): HiGHS is loaded once per worker and its
 * WebAssembly code stays warm. Workers start at once, so HiGHS loads while the
 * caller builds its first model. A worker that dies (an out-of-memory abort)
 * fails its job only; the next job gets a fresh worker.
 */
export class SolverPool implements SolvePool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  /** How V8 compiles HiGHS in these workers (the flag when they started). */
  readonly baselineCode = baselineCode;

  constructor(
    readonly size: number,
    private readonly workerUrl: URL = WORKER_URL,
  ) {
    for (let i = 0; i < size; i++) this.startWorker();
  }

  solve(model: PackedModel, stageInputs: StageInput[], options: SolveOptions): Promise<SolveOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, status: 'error', error: 'the solver pool is closed', stages: [], seconds: 0 });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, model, stages: stageInputs.map(sparseStage), options, size: describe(model), resolve });
      this.dispatch();
    });
  }

  /** Have every idle worker load HiGHS now rather than with its first job. */
  load(): void {
    for (const w of this.workers) if (!w.job) w.worker.postMessage({ type: 'load' });
  }

  /** Stop every worker; jobs still queued or running end as failures. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, status: 'error', error: 'the solver pool was closed', stages: [], seconds: 0 });
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }

  private startWorker(): PoolWorker | undefined {
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl);
    } catch (e) {
      const error = `the solver could not start: ${(e as Error).message}`;
      for (const job of this.queue.splice(0)) job.resolve({ ok: false, status: 'error', error, stages: [], seconds: 0 });
      return undefined;
    }
    const w: PoolWorker = { worker };
    this.workers.push(w);
    worker.on('message', (msg: { type: string; id: number; aborted?: boolean } & Record<string, unknown>) => {
      const job = w.job;
      if (!job || msg.id !== job.id) return;
      if (msg.type === 'progress') job.options.onProgress?.(msg as unknown as SolveProgress);
      else if (msg.type === 'result') {
        const outcome = msg as unknown as SolveOutcome;
        this.finish(w, !outcome.ok && msg.aborted ? outOfMemory(job.size, outcome.error) : outcome);
      }
    });
    worker.on('error', (err) => {
      const job = w.job;
      const aborted = err.name === 'RuntimeError' || /Aborted\(|out of memory|Cannot enlarge memory|heap/i.test(err.message);
      if (job) this.finish(w, aborted ? outOfMemory(job.size, err.message) : { ok: false, status: 'crashed', error: `the solver failed: ${err.message}`, stages: [], seconds: 0 });
    });
    worker.on('exit', (code) => {
      const job = w.job;
      this.workers.splice(this.workers.indexOf(w), 1);
      if (job) {
        w.job = undefined;
        job.resolve({ ok: false, status: 'crashed', error: `the solver stopped unexpectedly (exit code ${code}) while solving a model of ${job.size}`, stages: [], seconds: 0 });
      }
      if (!this.closed) this.dispatch();
    });
    // An idle worker does not keep the process alive (a command that fails before solving, or a caller
    // that forgets close(), still exits). After the listeners: adding a listener refs the worker again.
    worker.unref();
    return w;
  }

  private finish(w: PoolWorker, outcome: SolveOutcome): void {
    const job = w.job;
    if (!job) return;
    w.job = undefined;
    w.worker.unref();
    this.handOver(() => job.resolve(outcome));
    this.dispatch();
  }

  /**
   * Outcomes reach their callers on a turn of the event loop of their own (workTurn), not in the workers'
   * message callbacks: the caller's work on each (extraction, region-loss verdicts) is a unit of its own,
   * and two answers that arrive together are not worked on back to back with no timer (the terminal's
   * spinner) between them.
   */
  private handOver(resolve: () => void): void {
    void workTurn().then(resolve);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = this.workers.find((w) => !w.job) ?? (this.workers.length < this.size ? this.startWorker() : undefined);
      if (!idle) return;
      const job = this.queue.shift()!;
      idle.job = job;
      idle.worker.ref();
      const { model, stages, options } = job;
      idle.worker.postMessage(
        { id: job.id, model, stages, start: options.start, options: { timeLimitSeconds: options.timeLimitSeconds, gapLimit: options.gapLimit, absGapLimit: options.absGapLimit, lpBound: options.lpBound } },
        [model.colLower.buffer, model.colUpper.buffer, model.integrality.buffer, model.rowLower.buffer, model.rowUpper.buffer, model.starts.buffer, model.indices.buffer, model.values.buffer] as ArrayBuffer[],
      );
    }
  }
}

function describe(model: PackedModel): string {
  return `${model.numRows} rows × ${model.numCols} columns, ${model.indices.length} non-zeros`;
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

export function sparseStage(s: StageInput): SolveStage {
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
