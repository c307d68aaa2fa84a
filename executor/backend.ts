/**
 * A backend is where the State lives and where moves are carried out.
 * `file` (embedded default), `exec` (the user's commands), `postgres` (shared).
 *
 * `Backend` is what apply needs of the world: read the state, carry out a move.
 * `OpenBackend` (backends/index.ts `openBackend`) is a project's backend as the
 * commands use it: the world plus, always, its lock and its journal, and
 * `capabilities` — what it can and cannot do, so that no caller asks which kind
 * it is. A capability claimed is exercised by test/executor/backend-conformance.test.ts.
 */
import type { Move } from '../schemas/plan.js';
import type { JournalStore } from './journal.js';
import type { HookGroup } from './backends/hook-groups.js';
import type { HeldLock, LockWaitListener } from './lock.js';
import type { JournalReplay } from './journal.js';
import type { IntentDigests, State } from '../schemas/state.js';
import type { BackendConfig } from '../lang/spec.js';

/** What a backend reports about one move it carried out, kept in the journal. */
export interface MoveOutput {
  /** The tail of what the move's own command wrote to stderr (exec). */
  stderr?: string;
}

/** What apply tells a backend about the move it hands it. */
export interface MoveContext {
  /**
   * The apply attempt's fencing token: larger for every later apply (of any plan) of this
   * project. The exec backend sends it with the move; a hook refuses a write older than the
   * newest it has seen for the same key (see examples/exec-backend).
   */
  attempt: number;
  /** A hook has started for the move (exec): resolves once its process group is journalled. */
  onHookStarted?: (group: HookGroup) => Promise<void>;
}

/** Which validation gate runs: the wave's number, how many waves the plan has, before or after its traffic moves. */
export interface GateContext {
  wave: number;
  waves: number;
  phase: 'pre' | 'post';
  /** The plan's identity (its journal's name). */
  planId: string;
}

/**
 * What a backend can do. Callers decide on these, never on the backend's kind; each flag says
 * which method or behaviour it promises.
 */
export interface BackendCapabilities {
  /**
   * Each move is exactly one new serial of the state, written by globe (file, postgres): a resumed
   * apply bounds how far the state may have moved by the moves it left unconfirmed. A backend
   * whose own commands write the state (exec) promises no such count.
   */
  serialPerMove: boolean;
  /**
   * Moves run as processes that may outlive the globe that started them (exec): their process
   * groups are journalled, and an apply stops any left running by an apply of any plan of the
   * project before it runs anything (`stopStrayHooks`, `OpenBackend.otherJournals`).
   */
  hookProcesses: boolean;
  /** A validation gate runs before and after each wave's traffic moves (`validate`: exec with a `validate` command). */
  validateGates: boolean;
  /**
   * Writes are compare-and-swap in the store itself, whoever writes (postgres: one transaction
   * per serial): writers in other processes never lose each other's changes, lock or no lock.
   * Without it (file) the state lock is what keeps a second process from writing.
   */
  sharedWriters: boolean;
  /** `state push`: a State document written as the next serial (`OpenBackend.push`: file, postgres). */
  statePush: boolean;
  /** Keeps what the state was planned from, so the next plan re-plans only what changed (`recordPlannedFrom`: file, postgres). */
  plannedFrom: boolean;
  /** Must be set up by `globe init` before use (`OpenBackend.init`: postgres, its schema). */
  needsInit: boolean;
  /** Holds the job queue of `plan --workers queue` and `globe worker` (`OpenBackend.queue`: postgres, its database). */
  sharedQueue: boolean;
  /**
   * The lock outlives a holder that died on another machine, and `globe force-unlock ID` removes
   * it (file, exec: a lock directory). Without it (postgres) the lock ends with its holder's
   * connection, and there is never one to force.
   */
  forceUnlock: boolean;
}

/** Where the job queue of `plan --workers queue` lives (the backend's database). */
export interface QueueDatabase {
  url: string;
  schema: string;
}

export interface Backend {
  readonly capabilities: BackendCapabilities;
  /** The current State, or null when nothing has been deployed yet. */
  getState(): Promise<State | null>;
  /** Carry out one move (absolute target: running it twice is harmless). Resolves when done; rejects on failure. */
  execute(move: Move, context?: MoveContext): Promise<void | MoveOutput>;
  /** Kill (and wait out) the hooks earlier applies left running; returns the moves whose hooks were stopped. */
  stopStrayHooks?(hooks: { move: string; group: HookGroup }[]): Promise<string[]>;
  /** The process is about to exit with moves still running (Ctrl-C twice): stop what they started, if the backend can. */
  abandon?(): void;
  /**
   * Record what the current state was planned from (an apply completed). The next change of
   * the state drops it. Backends that cannot keep it (exec) leave this out: plans are then full.
   */
  recordPlannedFrom?(plannedFrom: IntentDigests, serial: number): Promise<void>;
  /**
   * A validation gate the user declared (exec `validate`): run before and after each wave's
   * traffic moves. Resolves when it passes (with its output); rejects when it fails. Absent:
   * the backend has no gate, and waves run without one.
   */
  validate?(gate: GateContext): Promise<MoveOutput>;
  /** Release connections. */
  close?(): Promise<void>;
}

/** The kinds of backend the language knows (lang/spec.ts BackendConfig); for messages, never for decisions. */
export type BackendName = BackendConfig['kind'];

/** A project's backend, opened: the world, its lock and its journal, always. */
export interface OpenBackend extends Backend {
  readonly name: BackendName;
  /**
   * Take the state lock (a directory beside the state for file, in the project's `.globe/` for
   * exec; a session advisory lock for postgres). Waits up to `timeoutMs`, telling `onWait` once
   * who holds it; then fails with a LockError naming the holder.
   */
  lock(operation: string, timeoutMs: number, onWait?: LockWaitListener): Promise<HeldLock>;
  /** Remove a lock whose holder died (capability `forceUnlock`); rejects with a LockError otherwise. */
  forceUnlock(id: string): Promise<void>;
  /** The journal of one plan's apply (a JSON-lines file in the project, or rows in PostgreSQL). */
  journal(planId: string, moves: Move[]): JournalStore;
  /** Where that journal is, for messages: a path, or `in PostgreSQL`. */
  journalLocation(planId: string): string;
  /** What every journal of the project holds of hooks that may still run (capability `hookProcesses`); undefined otherwise. */
  otherJournals(): Pick<JournalReplay, 'pendingHooks' | 'maxAttempt'> | undefined;
  /** Write `doc` as the next serial (capability `statePush`); a state of another lineage only with `force`. `source` names the document in messages. */
  push?(doc: State, force: boolean, source: string): Promise<State>;
  /** Create or migrate what the backend keeps (capability `needsInit`); `what` names it for messages (`Schema globe`). */
  init?(): Promise<{ from: number; to: number; what: string }>;
  /** The job queue's database (capability `sharedQueue`). */
  queue?(): QueueDatabase;
  /** Release connections and watchers. */
  close(): Promise<void>;
}
