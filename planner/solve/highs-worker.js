// The HiGHS solver, in a worker thread. Plain JavaScript on purpose: the same
// file runs from the sources (vitest) and from dist/ (the CLI). HiGHS is
// WebAssembly with a heap capped at 2 GiB; when it aborts (out of memory),
// only this worker dies and the parent reports a clear error.
//
// The worker stays alive for many solves (a fleet's blocks, SolverPool in solve.ts):
// HiGHS is instantiated once, and its WebAssembly code, compiled and
// optimised while solving the first models, stays fast for the next ones.
//
// Protocol: the parent may post { type: 'load' } first; then jobs
// { id, model, stages, start, options }; for
// each the worker posts { type: 'progress', id, ... } while solving and
// exactly one { type: 'result', id, ... } at the end. After an abort the
// WebAssembly instance is unusable: the worker reports it and exits.
//
// Lexicographic solve. Every stage but the last is a shortfall (non-negative
// coefficients on non-negative columns, so 0 is a lower bound and the first
// solution at 0 is optimal — no need to prove it); the last, `main`, is the
// weighted cost.
//   1. One probe minimises all the shortfalls together (earlier stages weigh
//      more, a guide only), from the current deployment as a MIP start. When
//      it reaches 0 — a plan where nothing is short, the usual case — every
//      shortfall stage is settled by that one solve and its columns are
//      fixed to 0.
//      (A pure feasibility probe followed by a warm-started main solve is
//      several times faster here than one solve of main + a large weight ×
//      shortfalls, whose penalty dwarfs the real costs and starves the
//      heuristics.)
//   2. Otherwise each shortfall stage in order, exactly (serving a higher
//      priority is never traded for a lower one): skipped when the incumbent
//      already has it at 0, else solved (warm-started from the incumbent) and
//      held at its optimum by an added row Σ c·x ≤ optimum + tolerance.
//   3. Main, warm-started from the incumbent; then its LP relaxation
//      (integrality dropped) for the LP bound.
// The incumbent is always feasible for the next stage, so a time limit that
// runs out midway still returns a plan: later stages keep the incumbent.
import { parentPort } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import loadHighs from 'highs';
import { createHighsModel } from './highs-model.js';

/** GLOBE_DEBUG_SOLVER=1 prints each solve's time to stderr. */
const DEBUG = process.env.GLOBE_DEBUG_SOLVER === '1';
/** Below this a shortfall (rps, units) is solver tolerance, not a shortfall. */
const ZERO = 1e-6;
/** Seconds given to a solve when the time limit is (nearly) used up: enough to keep the warm start. */
const MIN_SLICE = 0.05;
/** Extra seconds HiGHS may take to find a first feasible plan before its own time limit stops it. */
const BACKSTOP = 300;
/** Share of the time limit the shortfall stages may use before main. */
const SHORTFALL_SHARE = 0.75;
/** Share of the time limit the LP bound may take beyond it. */
const LP_GRACE = 0.1;
/** Shortfall stages are solved exactly: priorities depend on them. */
const SHORTFALL_GAP = { rel: 1e-6, abs: 1e-3 };
/** Absolute room a solved shortfall stage is held with (see hold()). */
const HOLD_ROOM = 1e-4;

// HiGHS loads on the parent's `load` message (prestartSolverPool: while the CLI reads the project)
// or with the first job.
let highsLoaded;
function highsInstance() {
  if (!highsLoaded) {
    highsLoaded = loadHighs();
    highsLoaded.catch(() => {}); // reported with the first job
  }
  return highsLoaded;
}

parentPort.on('message', (job) => {
  if (job.type === 'load') {
    highsInstance();
    return;
  }
  solveJob(job).catch((e) => {
    const aborted = e instanceof WebAssembly.RuntimeError || /Aborted\(|out of memory|Cannot enlarge memory/i.test(String(e?.message));
    parentPort.postMessage({ type: 'result', id: job.id, ok: false, status: 'error', aborted, error: e instanceof Error ? e.message : String(e), stages: [], seconds: 0 });
    // A WebAssembly abort leaves HiGHS unusable: this worker is done (the pool starts another).
    if (aborted) process.exit(1);
  });
});

async function solveJob({ id, model, stages, start, options }) {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const highs = await highsInstance();
  const m = createHighsModel(highs, model);
  try {
    m.options.set({ output_flag: false, random_seed: 0, presolve: 'on' });
    const solver = new StagedSolver(highs, m, model, start, elapsed, options.timeLimitSeconds, id);
    solver.wantLpBound = options.lpBound !== false;
    const outcome = solver.solve(stages, options.gapLimit, options.absGapLimit);
    if (!outcome.ok) {
      parentPort.postMessage({ type: 'result', id, ok: false, status: outcome.status, stages: solver.results, seconds: elapsed() });
      return;
    }
    const colValue = solver.incumbent ?? new Float64Array(model.numCols);
    parentPort.postMessage(
      { type: 'result', id, ok: true, status: solver.timedOut ? 'time-limit' : 'optimal', colValue, stages: solver.results, lpBound: outcome.lpBound, seconds: elapsed() },
      [colValue.buffer],
    );
  } finally {
    try {
      m.dispose();
    } catch {
      // after an abort the instance is gone; nothing to free
    }
  }
}

class StagedSolver {
  constructor(highs, m, model, start, elapsed, timeLimit, jobId) {
    this.jobId = jobId;
    this.highs = highs;
    this.m = m;
    this.model = model;
    this.start = start;
    this.elapsed = elapsed;
    this.timeLimit = timeLimit;
    // Serving demand comes first, but a hard shortage must still leave main some time to make the
    // plan cheap: shortfalls may use three quarters of the time limit, main and the LP bound the rest.
    this.deadline = timeLimit * SHORTFALL_SHARE;
    this.incumbent = null;
    this.timedOut = false;
    this.results = [];
    this.cost = null; // the sparse objective set now
  }

  solve(stages, gapLimit, absGapLimit) {
    const main = stages[stages.length - 1];
    const shortfalls = stages.slice(0, -1);
    const active = shortfalls.filter((s) => s.indices.length > 0);
    // 1. one probe over all the shortfalls at once: when it reaches 0 (the usual case) every stage is
    // settled by that one solve
    if (active.length > 1) {
      const r = this.run('shortfall', SHORTFALL_GAP, sum(active, this.model.numCols), true);
      if (r.failed) return { ok: false, status: r.status };
    }
    // 2. stage by stage, each solved exactly from the incumbent unless the incumbent already has it at 0
    for (const s of shortfalls) {
      const failed = this.shortfallStage(s);
      if (failed) return { ok: false, status: failed.status };
    }
    // 3. main
    this.deadline = this.timeLimit;
    const r = main.indices.length === 0 && this.incumbent ? { status: 'optimal', objective: 0, bound: 0, gap: 0 } : this.run(main.name, { rel: gapLimit, abs: Math.max(1e-6, absGapLimit ?? 0) }, main);
    if (r.failed) return { ok: false, status: r.status };
    this.results.push(r.skipped ? { name: main.name, objective: evaluate(main, this.incumbent), bound: 0, gap: 1, status: 'time-limit' } : { name: main.name, ...r });
    this.setCost(main);
    return { ok: true, lpBound: this.wantLpBound ? this.lpRelaxation() : -Infinity };
  }

  /** Solve one shortfall stage (unless the incumbent already has it at 0) and hold it. */
  shortfallStage(stage) {
    if (stage.indices.length === 0) {
      this.results.push(settled(stage.name));
      return null;
    }
    const atIncumbent = this.incumbent ? evaluate(stage, this.incumbent) : Infinity;
    if (atIncumbent <= ZERO) {
      this.results.push(settled(stage.name));
      this.hold(stage, 0);
      return null;
    }
    const r = this.run(stage.name, SHORTFALL_GAP, stage, true);
    if (r.failed) return r;
    const value = r.skipped ? atIncumbent : r.objective;
    this.results.push({ name: stage.name, objective: value, bound: r.skipped ? 0 : r.bound, gap: r.skipped ? 1 : r.gap, status: r.status });
    this.hold(stage, value);
    return null;
  }

  setCost(stage) {
    const { m } = this;
    if (this.cost && this.cost.indices.length > 0) m.changeColsCost({ kind: 'set', indices: this.cost.indices }, new Float64Array(this.cost.indices.length));
    if (stage.indices.length > 0) m.changeColsCost({ kind: 'set', indices: stage.indices }, stage.values);
    this.cost = stage;
  }

  /** Hold a shortfall stage at its value: fix its columns to 0, or cap its sum. */
  hold(stage, value) {
    if (stage.indices.length === 0) return;
    const n = stage.indices.length;
    if (value <= ZERO) this.m.changeColsBounds({ kind: 'set', indices: stage.indices }, new Float64Array(n), new Float64Array(n));
    // Held at its value to the documents' precision (1e-3 rps), with a little room. A stage's optimum is
    // found within the solver's tolerances (an unserved 39 rps found as 38.999998, or a later stage gaining
    // 1e-4 rps from an earlier stage's room); holding the next stages to exactly that value forces them to
    // reproduce the same slack, which only some (costlier) placements allow: extra replicas carrying no traffic.
    else this.m.addRow(-this.highs.infinity, Math.max(value, Math.round(value * 1e3) / 1e3) + HOLD_ROOM + Math.abs(value) * 1e-7, { indices: stage.indices, values: stage.values });
  }

  remaining() {
    return this.deadline - this.elapsed();
  }

  /**
   * Minimise `objective`, warm-started from the incumbent (or the start hint). A shortfall
   * (`stopAtZero`) has 0 as a lower bound: the first solution at 0 is optimal, no need to prove it.
   */
  run(name, gap, objective, stopAtZero = false) {
    const { m, highs } = this;
    this.setCost(objective);
    const S = highs.constants.modelStatus;
    const left = this.remaining();
    if (left <= 0 && this.incumbent) {
      this.timedOut = true;
      return { status: 'time-limit', skipped: true };
    }
    // Without an incumbent the time limit waits for the first feasible plan (HiGHS finds a trivial
    // one quickly: everything unserved); HiGHS's own limit is only a backstop against a hang.
    m.options.set({ time_limit: Math.max(MIN_SLICE, left) + (this.incumbent ? 0 : BACKSTOP), mip_rel_gap: gap.rel, mip_abs_gap: gap.abs });
    if (this.incumbent) m.setSolution({ colValue: this.incumbent });
    else if (this.start) m.setSolution({ indices: this.start.indices, values: this.start.values });
    m.zeroAllClocks();
    const atZero = { reached: false };
    const runStarted = this.elapsed();
    m.run(callbacks(highs, this.jobId, name, this.elapsed, () => this.remaining() <= 0, stopAtZero ? atZero : null));
    if (DEBUG) writeSync(2, `[solver] ${name}: ${(this.elapsed() - runStarted).toFixed(2)} s, objective ${m.getObjectiveValue()}, ${m.info.get('mip_node_count')} nodes, ${m.info.get('simplex_iteration_count')} LP iterations\n`);
    const status = m.getModelStatus();
    const hasSolution = status === S.optimal || ((status === S.timeLimit || status === S.interrupted) && Number(m.info.get('primal_solution_status')) === 2);
    if (!hasSolution) return { status: statusName(highs, status), failed: true };
    this.incumbent = m.getSolution().colValue;
    const value = m.getObjectiveValue();
    if (stopAtZero && value <= ZERO) return { status: 'optimal', objective: 0, bound: 0, gap: 0 };
    // A MIP that presolve solves outright (no node, no LP) is optimal but reports no dual bound (−∞)
    // and an infinite gap: its bound is then its value, not 0 (which showed as an LP-relaxation gap
    // although 0% was asked).
    const solvedOutright = status === S.optimal && !Number.isFinite(Number(m.info.get('mip_dual_bound')));
    const bound = solvedOutright ? value : Number(m.info.get('mip_dual_bound'));
    const g = solvedOutright ? 0 : Number(m.info.get('mip_gap'));
    if (status !== S.optimal) this.timedOut = true;
    return {
      status: status === S.optimal ? 'optimal' : 'time-limit',
      objective: value,
      bound: Number.isFinite(bound) ? Math.min(bound, value) : 0,
      gap: Number.isFinite(g) ? g : 1,
    };
  }

  /** The LP relaxation of the current model and costs: a valid lower bound. Integrality is restored afterwards. */
  lpRelaxation() {
    const { m, model, highs } = this;
    if (!model.integrality.some((v) => v !== 0)) return -Infinity;
    m.changeColsIntegrality({ kind: 'range', from: 0, to: model.numCols - 1 }, new Int32Array(model.numCols));
    try {
      // An LP is quick next to the MIP; past the time limit it gets a short grace, for a bound worth reporting.
      m.options.set({ time_limit: Math.max(MIN_SLICE, this.remaining(), LP_GRACE * this.timeLimit) });
      m.zeroAllClocks();
      const lpStarted = this.elapsed();
      m.run();
      if (DEBUG) writeSync(2, `[solver] LP relaxation: ${(this.elapsed() - lpStarted).toFixed(2)} s\n`);
      return m.getModelStatus() === highs.constants.modelStatus.optimal ? m.getObjectiveValue() : -Infinity;
    } finally {
      m.changeColsIntegrality({ kind: 'range', from: 0, to: model.numCols - 1 }, model.integrality);
      m.clearSolver();
    }
  }
}

function settled(name) {
  return { name, objective: 0, bound: 0, gap: 0, status: 'optimal' };
}

function evaluate(stage, x) {
  let s = 0;
  for (let i = 0; i < stage.indices.length; i++) s += stage.values[i] * x[stage.indices[i]];
  return s;
}

/** Σ of sparse objectives, the k-th of n weighted 10^min(4, n−1−k): a guide for the probe, not a proof of dominance. */
function sum(stages, numCols) {
  const dense = new Float64Array(numCols);
  stages.forEach((s, k) => {
    const w = 10 ** Math.min(4, stages.length - 1 - k);
    for (let i = 0; i < s.indices.length; i++) dense[s.indices[i]] += w * s.values[i];
  });
  const indices = [];
  const values = [];
  for (let c = 0; c < numCols; c++) {
    if (dense[c] !== 0) {
      indices.push(c);
      values.push(dense[c]);
    }
  }
  return { name: 'shortfall', indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

/**
 * Progress for a spinner (improving solutions, and the periodic MIP log
 * line, at most 4 per second), and the time limit: once it has passed and
 * the solve holds a feasible solution, interrupt.
 */
function callbacks(highs, id, stage, elapsed, timeIsUp, atZero) {
  let last = -1;
  let feasible = false;
  const post = (data, force) => {
    const seconds = elapsed();
    if (!force && seconds - last < 0.25) return;
    last = seconds;
    const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    parentPort.postMessage({ type: 'progress', id, stage, seconds, objective: num(data.mip_primal_bound ?? data.objective_function_value), bound: num(data.mip_dual_bound), gap: num(data.mip_gap) });
  };
  return {
    [highs.constants.callbackType.mipImprovingSolution](event) {
      feasible = true;
      if (atZero && event.data.objective_function_value <= ZERO) atZero.reached = true;
      post(event.data, true);
    },
    [highs.constants.callbackType.mipLogging](event) {
      post(event.data, false);
    },
    [highs.constants.callbackType.mipInterrupt](event) {
      if (atZero?.reached || (timeIsUp() && (feasible || Number.isFinite(event.data.mip_primal_bound)))) event.interrupt();
    },
  };
}

function statusName(highs, status) {
  for (const [name, code] of Object.entries(highs.constants.modelStatus)) if (code === status) return name;
  return String(status);
}
