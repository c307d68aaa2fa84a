/**
 * The apply engine: carries out a plan's moves in dependency order, at most
 * `parallelism` at a time. Before a move starts, the state it would produce
 * — in the worst order the moves running beside it could finish in — must
 * keep every region within its supply and every tenant's capacity above its
 * routed traffic (see admission.ts); after it, the backend is read back
 * until it shows the move's target. Every status change is in the journal
 * before the next step, so a crash anywhere is followed by a resume that
 * ends in the same state as an uninterrupted run.
 */
import type { Spec } from '../lang/spec.js';
import { intentDigests } from '../schemas/intent-digests.js';
import type { Move, Plan } from '../schemas/plan.js';
import { admit } from './admission.js';
import { applyMove } from '../schemas/apply-move.js';
import type { Backend, MoveOutput } from './backend.js';
import { gateFailureReason, gateKey, gateSchedule, type GateTask } from './gates.js';
import { checkInvariants, describeViolation, newViolations, type InvariantViolation } from '../schemas/invariants.js';
import type { GatePhase, JournalRecord, JournalReplay, JournalStore, MoveStatus } from './journal.js';
import { checkPlanAgainstState, planDigest, PlanBindingError, type PlanBinding } from './plan-binding.js';
import { deploymentOf, emptyDeployment, type Deployment, type State } from '../schemas/state.js';
import { deploymentDifference, waveCount, waveOf, wavesProblem } from './waves.js';
import { GlobeError } from '../schemas/diagnostic.js';

export type ApplyEvent =
  /** Hooks an earlier apply left running were killed before anything ran again. */
  | { type: 'stray-hooks'; moves: string[] }
  /** `tornLine`: the journal ended in a half-written line (a crash mid-write), which was dropped. */
  | { type: 'resume'; completed: number; rerun: string[]; tornLine: boolean }
  | { type: 'move-start'; move: Move }
  | { type: 'move-done'; move: Move; seconds: number; skipped?: boolean }
  | { type: 'move-failed'; move: Move; reason: string }
  /** A wave of a multi-wave plan starts (its moves may run) or has passed its boundary check. */
  | { type: 'wave-start'; wave: number; waves: number }
  | { type: 'wave-done'; wave: number; waves: number }
  /** The backend's validate gate runs, and how it ended. */
  | { type: 'gate-start'; wave: number; waves: number; phase: GatePhase }
  | { type: 'gate-done'; wave: number; waves: number; phase: GatePhase; passed: boolean; reason?: string };

export interface ApplyOptions {
  parallelism: number;
  retries: number;
  retryWaitMs: number;
  onEvent?: (e: ApplyEvent) => void;
  /** Set when the user asked to stop (Ctrl-C): no new move starts. */
  shouldStop?: () => boolean;
  /**
   * What a saved plan must be bound to: the Spec of the project on disk, whose invariants are
   * the ones enforced, and the planner's own derivation of a plan from its target, which the
   * plan is checked against with the state before anything runs (plan-binding.ts). The CLI
   * hands the planner's function in, so the executor depends on the documents alone. Without
   * a binding (the executor's own tests) the plan's Spec is trusted.
   */
  binding?: PlanBinding;
  /**
   * What the project's other journals hold (hooksInJournals): hooks of other plans' applies
   * that may still run, and the largest fencing token handed out.
   */
  otherJournals?: { pendingHooks: JournalReplay['pendingHooks']; maxAttempt: number };
}

export type ApplyOutcome =
  | { outcome: 'complete'; completed: number }
  | { outcome: 'failed'; move: string; reason: string }
  /** Not a move: a validation gate failed, or the state at a wave's boundary was not the wave's target. */
  | { outcome: 'stopped'; wave: number; reason: string }
  | { outcome: 'interrupted'; completed: number };

export class StalePlanError extends GlobeError {
  readonly code = 'stale-plan';
}
/** The plan's moves cannot be carried out as written (an edited or damaged plan). */
export class PlanGraphError extends GlobeError {
  readonly code = 'plan-graph';
}

/** Ids unique, every dependency a move of the plan, no cycle: what the scheduler relies on. */
export function moveGraphProblem(moves: Move[]): string | undefined {
  const byId = new Map<string, Move>();
  for (const m of moves) {
    if (byId.has(m.id)) return `two moves have the id ${m.id}`;
    byId.set(m.id, m);
  }
  for (const m of moves) for (const d of m.dependsOn) if (!byId.has(d)) return `move ${m.id} depends on ${d}, which is not in the plan`;
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): string | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return `move ${id} depends on itself through its dependencies`;
    state.set(id, 'visiting');
    for (const d of byId.get(id)!.dependsOn) {
      const p = visit(d);
      if (p) return p;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const m of moves) {
    const p = visit(m.id);
    if (p) return p;
  }
  return undefined;
}


/** Has the backend reached this move's target? Only the part the move sets is compared. */
export function reached(d: Deployment, move: Move): boolean {
  switch (move.kind) {
    case 'upsize':
    case 'downsize': {
      const s = move.subject;
      const n =
        s.type === 'tenant'
          ? (d.tenants[s.tenant]?.replicas[move.region]?.[move.resource] ?? 0)
          : s.type === 'reservation'
            ? (d.reservations[s.reservation]?.[move.region] ?? 0)
            : (d.followers[s.service]?.[move.region]?.[move.resource] ?? 0);
      return Math.abs(n - move.to) < 1e-6;
    }
    case 'route':
      return Object.entries(move.routing).every(([cls, m]) => sameMatrix(d.tenants[move.tenant]?.routing[cls] ?? {}, m));
    case 'shift':
      return sameMatrix(d.products[move.product] ?? {}, move.routing);
  }
}

function sameMatrix(a: Record<string, Record<string, number>>, b: Record<string, Record<string, number>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k] ?? {};
    const y = b[k] ?? {};
    for (const r of new Set([...Object.keys(x), ...Object.keys(y)])) if (Math.abs((x[r] ?? 0) - (y[r] ?? 0)) > 1e-6) return false;
  }
  return true;
}

/**
 * Staleness: a fresh apply needs the state the plan was made against; a
 * resumed one needs the state its journal last saw — or up to one serial
 * further for each attempt whose change may have landed unseen (a crash
 * between a move and its COMPLETE line). More than that means something
 * else changed the state in between. `unconfirmedRuns` is left out for a
 * backend that does not promise one serial per move (exec).
 */
export function checkBasis(plan: Plan, state: State | null, journalSerial: number | undefined, journalLineage: string | null | undefined, unconfirmedRuns?: number): void {
  const lineage = state?.lineage ?? null;
  const serial = state?.serial ?? 0;
  if (journalSerial === undefined) {
    if (plan.basis.lineage !== null && lineage !== plan.basis.lineage) {
      throw new StalePlanError(`Saved plan is stale: it was made for state lineage ${plan.basis.lineage}, but the state's lineage is ${lineage ?? '(no state)'}. Plan again.`);
    }
    if (serial !== plan.basis.serial) {
      throw new StalePlanError(`Saved plan is stale: it was made against state serial ${plan.basis.serial}, and the state has changed since (serial ${serial}). Plan again.`);
    }
    return;
  }
  if (journalLineage !== null && journalLineage !== undefined && lineage !== journalLineage) {
    throw new StalePlanError(`cannot resume: the state's lineage changed from ${journalLineage} to ${lineage} since this plan started`);
  }
  if (serial < journalSerial) throw new StalePlanError(`cannot resume: the state went back to serial ${serial} after the apply had reached ${journalSerial}`);
  if (unconfirmedRuns !== undefined && serial > journalSerial + unconfirmedRuns) {
    throw new StalePlanError(`cannot resume: the state changed since this apply stopped (serial ${journalSerial} then, ${serial} now): something else was applied in between. Plan again.`);
  }
}

export async function applyPlan(plan: Plan, backend: Backend, journal: JournalStore, planId: string, options: ApplyOptions): Promise<ApplyOutcome> {
  const spec: Spec = options.binding?.spec ?? plan.spec;
  const problem = moveGraphProblem(plan.moves) ?? wavesProblem(plan);
  if (problem) {
    await journal.close();
    throw new PlanGraphError(`the plan cannot be applied: ${problem}. Was it edited? Plan again.`);
  }
  const replay = await journal.read();
  const resuming = replay.records.length > 0;
  const digest = planDigest(plan);
  if (options.binding && resuming && replay.planDigest !== undefined && replay.planDigest !== digest) {
    await journal.close();
    throw new PlanBindingError(`the plan cannot be applied: its journal was started by a plan with other content (${replay.planDigest.slice(0, 19)}…, this one ${digest.slice(0, 19)}…). Was it edited? Plan again.`);
  }
  // Before the state is read or any move re-run: no hook of an earlier attempt may still be able to write.
  const stray = await stopStrayHooks(backend, [...replay.pendingHooks, ...(options.otherJournals?.pendingHooks ?? [])]).catch(async (e: unknown) => {
    await journal.close();
    throw e;
  });
  if (stray.length > 0) options.onEvent?.({ type: 'stray-hooks', moves: stray });
  // The fencing token: larger than any an earlier attempt of any plan here handed out.
  const attempt = Math.max(Date.now(), replay.maxAttempt + 1, (options.otherJournals?.maxAttempt ?? 0) + 1);
  const initial = await backend.getState();
  // A backend that converges on its own (exec) does not promise one serial per move; file and postgres do.
  const serialPerMove = backend.capabilities.serialPerMove;
  checkBasis(plan, initial, resuming ? replay.lastSerial : undefined, resuming ? replay.lineage : undefined, resuming && serialPerMove ? replay.unconfirmedRuns : undefined);
  // A fresh apply runs against the state the plan was made from: its moves must be the ones that
  // state and the plan's target call for, and safe in the order they run (a resume was checked so at its start).
  if (options.binding && !resuming) {
    try {
      checkPlanAgainstState(plan, options.binding, initial);
    } catch (e) {
      await journal.close();
      throw e;
    }
  }

  // Regions already over their supply when the plan was made may stay there (never grow).
  const allowance = new Map<string, number>();
  for (const r of plan.diff.regions) allowance.set(`${r.region}\u0000${r.resource}`, r.before);

  const now = () => new Date().toISOString();
  try {
    if (!resuming) await journal.append({ type: 'start', at: now(), planId, moves: plan.moves.length, lineage: initial?.lineage ?? null, serial: initial?.serial ?? 0, planDigest: digest });
    let expected = deploymentOf(initial);
    const status = new Map<string, MoveStatus>(plan.moves.map((m) => [m.id, replay.status.get(m.id) ?? 'WAITING']));
    // A move that was RUNNING (or FAILED) when we stopped: done already if the backend shows its target.
    const rerun: string[] = [];
    for (const m of plan.moves) {
      const s = status.get(m.id)!;
      if (s === 'COMPLETE') continue;
      if (s === 'RUNNING' || s === 'READY' || s === 'FAILED') {
        if (s === 'RUNNING' && reached(expected, m)) {
          status.set(m.id, 'COMPLETE');
          await journal.append({ type: 'move', at: now(), move: m.id, status: 'COMPLETE', serial: (await backend.getState())?.serial, reason: 'found complete on resume' });
        } else {
          status.set(m.id, 'WAITING');
          rerun.push(m.id);
        }
      }
    }
    if (resuming) options.onEvent?.({ type: 'resume', completed: [...status.values()].filter((s) => s === 'COMPLETE').length, rerun, tornLine: replay.tornLine });

    const running = new Map<string, { move: Move; done: Promise<void> }>();
    let failure: { move: string; reason: string } | undefined;
    /**
     * The journal could not be written (disk full): nothing more may start, since no move may
     * run unrecorded. The moves in flight still finish before apply reports it — the state lock
     * must outlive them — and the resume re-checks any whose COMPLETE line is missing.
     */
    let journalFailure: { error: unknown } | undefined;
    const record = async (r: JournalRecord): Promise<void> => {
      if (journalFailure) throw journalFailure.error;
      try {
        await journal.append(r);
      } catch (e) {
        journalFailure ??= { error: e };
        throw e;
      }
    };

    /** Never started: with nothing else running, it would still break the invariant. */
    const refuse = async (m: Move, violations: InvariantViolation[]): Promise<void> => {
      const reason = `not executed: it would break an invariant — ${violations.map(describeViolation).join('; ')}`;
      status.set(m.id, 'FAILED');
      failure ??= { move: m.id, reason };
      await record({ type: 'move', at: now(), move: m.id, status: 'FAILED', reason });
      options.onEvent?.({ type: 'move-failed', move: m, reason });
    };

    const runOne = async (m: Move): Promise<void> => {
      try {
        await record({ type: 'move', at: now(), move: m.id, status: 'RUNNING', attempt });
      } catch {
        return; // not started: it could not be journalled
      }
      status.set(m.id, 'RUNNING');
      testCrashPoint('before-execute');
      options.onEvent?.({ type: 'move-start', move: m });
      const started = Date.now();
      try {
        if (testMoveDelayMs > 0) await new Promise((r) => setTimeout(r, testMoveDelayMs));
        const output = await backend.execute(m, {
          attempt,
          onHookStarted: (g) => record({ type: 'hook', at: now(), move: m.id, attempt, pgid: g.pgid, boot: g.boot, started: g.started }),
        });
        testCrashPoint('after-execute');
        const observed = await waitUntilReached(backend, m, options);
        expected = applyMove(expected, m);
        await record({ type: 'move', at: now(), move: m.id, status: 'COMPLETE', serial: observed?.serial, ...stderrOf(output) });
        status.set(m.id, 'COMPLETE');
        testCrashPoint('after-complete');
        options.onEvent?.({ type: 'move-done', move: m, seconds: (Date.now() - started) / 1000 });
      } catch (e) {
        if (journalFailure) return; // it stays RUNNING in the journal; the resume re-checks it
        const reason = (e as Error).message;
        status.set(m.id, 'FAILED');
        failure ??= { move: m.id, reason };
        await record({ type: 'move', at: now(), move: m.id, status: 'FAILED', reason, ...stderrOf(e as MoveOutput | undefined) }).catch(() => undefined);
        options.onEvent?.({ type: 'move-failed', move: m, reason });
      }
    };

    // Gates (gates.ts) run only where the backend declares one; they are scheduled like moves.
    const waves = waveCount(plan);
    const schedule = backend.validate ? gateSchedule(plan.moves, waves) : { gates: [], guardedBy: new Map<string, string>() };
    const gateStatus = new Map<string, 'WAITING' | 'RUNNING' | 'PASSED' | 'FAILED'>(
      schedule.gates.map((g) => [g.id, replay.gatesPassed.has(gateKey(g.wave, g.phase)) ? 'PASSED' : 'WAITING']),
    );
    /** A gate failed or a wave's boundary did not hold: nothing more starts. */
    let stopped: { wave: number; reason: string } | undefined;
    const done = (id: string) => status.get(id) === 'COMPLETE' || gateStatus.get(id) === 'PASSED';

    const runGate = async (g: GateTask): Promise<void> => {
      gateStatus.set(g.id, 'RUNNING');
      options.onEvent?.({ type: 'gate-start', wave: g.wave, waves, phase: g.phase });
      let output: MoveOutput | undefined;
      try {
        output = await backend.validate!({ wave: g.wave, waves, phase: g.phase, planId });
      } catch (e) {
        const reason = gateFailureReason(g, e);
        gateStatus.set(g.id, 'FAILED');
        stopped ??= { wave: g.wave, reason };
        options.onEvent?.({ type: 'gate-done', wave: g.wave, waves, phase: g.phase, passed: false, reason });
        await record({ type: 'gate', at: now(), wave: g.wave, phase: g.phase, status: 'failed', reason, ...stderrOf(e as MoveOutput) }).catch(() => undefined);
        return;
      }
      try {
        await record({ type: 'gate', at: now(), wave: g.wave, phase: g.phase, status: 'passed', ...stderrOf(output) });
      } catch {
        return; // not recorded: it stays WAITING, and the resume runs it again
      }
      gateStatus.set(g.id, 'PASSED');
      options.onEvent?.({ type: 'gate-done', wave: g.wave, waves, phase: g.phase, passed: true });
    };

    const parallelism = Math.max(1, options.parallelism);
    /** Runs one wave's moves and gates; moves of later waves wait until it is complete. */
    const runWave = async (wave: number): Promise<void> => {
      const moves = plan.moves.filter((m) => waveOf(m) === wave);
      const gates = schedule.gates.filter((g) => g.wave === wave);
      const runningGates = new Map<string, Promise<void>>();
      for (;;) {
        if (failure || stopped || journalFailure) break;
        const stopping = options.shouldStop?.() ?? false;
        if (!stopping) {
          for (const g of gates) {
            if (gateStatus.get(g.id) !== 'WAITING' || !g.after.every(done)) continue;
            runningGates.set(g.id, runGate(g).finally(() => runningGates.delete(g.id)));
          }
        }
        const ready = stopping
          ? []
          : moves.filter((m) => {
              const gate = schedule.guardedBy.get(m.id);
              return status.get(m.id) === 'WAITING' && m.dependsOn.every(done) && (gate === undefined || done(gate));
            });
        for (const m of ready) {
          if (running.size >= parallelism) break;
          // Checked against the moves in flight, whatever order they finish in: a move that is
          // only unsafe beside them waits until they have finished.
          const admission = admit({ spec, expected, running: [...running.values()].map((r) => r.move), allowance }, m);
          if (admission.verdict === 'wait') continue;
          if (admission.verdict === 'refuse') {
            await refuse(m, admission.violations).catch(() => undefined);
            break;
          }
          status.set(m.id, 'READY');
          const finished = runOne(m).finally(() => running.delete(m.id));
          running.set(m.id, { move: m, done: finished });
        }
        if (running.size === 0 && runningGates.size === 0) break;
        await Promise.race([...[...running.values()].map((r) => r.done), ...runningGates.values()]);
      }
      await Promise.all([...[...running.values()].map((r) => r.done), ...runningGates.values()]);
    };

    /**
     * A multi-wave plan's boundary: the invariant holds on the state read back (no violation
     * the apply did not start with), and that state is the wave's target.
     */
    // The whole deployment, once per wave boundary (the per-move checks look only at what a move touches);
    // a one-wave plan has no boundary and never pays for it.
    let baseline: InvariantViolation[] | undefined;
    const boundaryProblem = async (wave: number): Promise<{ problem?: string; serial?: number }> => {
      baseline ??= checkInvariants(spec, deploymentOf(initial), allowance);
      const state = await backend.getState();
      const seen = deploymentOf(state);
      const violations = newViolations(baseline, checkInvariants(spec, seen, allowance));
      if (violations.length > 0) {
        return { problem: `after wave ${wave}, the state read back from the backend breaks an invariant — ${violations.map(describeViolation).join('; ')}` };
      }
      const difference = deploymentDifference(seen, plan.waves![wave - 1].target, wave);
      if (difference) {
        return { problem: `after wave ${wave}, the state read back from the backend is not the wave's target: ${difference}. Something else changed the state, or a hook did not do what its move asked` };
      }
      return { serial: state?.serial };
    };

    for (let wave = 1; wave <= waves; wave++) {
      if (replay.wavesComplete.has(wave)) continue;
      if (failure || stopped || journalFailure || (options.shouldStop?.() ?? false)) break;
      if (waves > 1) {
        await record({ type: 'wave', at: now(), wave, status: 'started' });
        options.onEvent?.({ type: 'wave-start', wave, waves });
      }
      await runWave(wave);
      const waveDone = plan.moves.every((m) => waveOf(m) !== wave || status.get(m.id) === 'COMPLETE') && schedule.gates.every((g) => g.wave !== wave || gateStatus.get(g.id) === 'PASSED');
      if (!waveDone || journalFailure) break;
      if (waves === 1) break;
      testCrashPoint('wave-boundary');
      const boundary = await boundaryProblem(wave);
      if (boundary.problem) {
        stopped ??= { wave, reason: boundary.problem };
        break;
      }
      await record({ type: 'wave', at: now(), wave, status: 'complete', serial: boundary.serial });
      options.onEvent?.({ type: 'wave-done', wave, waves });
    }
    if (journalFailure) throw journalFailure.error;

    if (stopped) {
      await journal.append({ type: 'end', at: now(), outcome: 'failed' });
      return { outcome: 'stopped', ...stopped };
    }
    const completed = [...status.values()].filter((s) => s === 'COMPLETE').length;
    const gatesPending = [...gateStatus.values()].some((g) => g !== 'PASSED');
    if (failure) {
      await journal.append({ type: 'end', at: now(), outcome: 'failed' });
      return { outcome: 'failed', ...failure };
    }
    if (completed < plan.moves.length || gatesPending) {
      await journal.append({ type: 'end', at: now(), outcome: 'interrupted' });
      return { outcome: 'interrupted', completed };
    }
    await journal.append({ type: 'end', at: now(), outcome: 'complete' });
    // Only a speed-up for the next plan: failing to record it must not fail a completed apply.
    await recordPlannedFrom(plan, backend).catch(() => undefined);
    return { outcome: 'complete', completed };
  } finally {
    await journal.close();
  }
}

async function stopStrayHooks(backend: Backend, hooks: JournalReplay['pendingHooks']): Promise<string[]> {
  if (hooks.length === 0 || !backend.stopStrayHooks) return [];
  return backend.stopStrayHooks(hooks);
}

async function waitUntilReached(backend: Backend, m: Move, options: ApplyOptions): Promise<State | null> {
  for (let attempt = 0; ; attempt++) {
    const state = await backend.getState();
    if (reached(deploymentOf(state), m)) return state;
    if (attempt >= options.retries) {
      throw new Error(`the backend did not reach the move's target: after ${attempt + 1} reads its state still differs (a backend that converges slowly needs --retries and --retry-wait)`);
    }
    await new Promise((r) => setTimeout(r, options.retryWaitMs));
  }
}

/** The stderr a move's own command left: with its result, or with its error (a HookError). */
function stderrOf(output: void | MoveOutput | undefined): { stderr?: string } {
  const text = output?.stderr;
  return typeof text === 'string' && text !== '' ? { stderr: text } : {};
}

/**
 * Fault injection for the crash tests, and nothing else: with
 * GLOBE_TEST_KILL_AT="<n>:<point>", the process SIGKILLs itself the n-th
 * time it passes `point` (before-execute, after-execute, after-complete, wave-boundary:
 * every move of a wave complete, its boundary not yet checked).
 */
const killAt = process.env.GLOBE_TEST_KILL_AT?.split(':');
/** For the connection-drop test only: GLOBE_TEST_MOVE_DELAY_MS slows each move down so a test can act mid-apply. */
const testMoveDelayMs = Number(process.env.GLOBE_TEST_MOVE_DELAY_MS ?? 0);
let passes = 0;
function testCrashPoint(point: string): void {
  if (!killAt || killAt[1] !== point) return;
  passes++;
  if (passes === Number(killAt[0])) process.kill(process.pid, 'SIGKILL');
}

/**
 * The state now is the plan's target: record the intent it was planned from, so that the next
 * plan can re-plan only what changed. Only a plan that served all demand is a basis to keep
 * the rest from; a backend that cannot keep it (exec) simply leaves the next plan full.
 */
async function recordPlannedFrom(plan: Plan, backend: Backend): Promise<void> {
  if (!backend.recordPlannedFrom) return;
  const p = plan.placement;
  if (Object.keys(p.unserved).length > 0 || Object.keys(p.unservedProducts).length > 0) return;
  const state = await backend.getState();
  if (!state) return;
  await backend.recordPlannedFrom(intentDigests(plan.spec), state.serial);
}
