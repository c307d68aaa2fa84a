/**
 * A backend is where the State lives and where moves are carried out.
 * `file` (embedded default), `exec` (the user's commands), `postgres` (shared).
 */
import type { Move } from '../schemas/plan.js';
import type { JournalStore } from './journal.js';
import type { HookGroup } from './backends/hook-groups.js';
import type { HeldLock } from './lock.js';
import type { IntentDigests, State } from '../schemas/state.js';

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

export interface Backend {
  readonly kind: 'file' | 'exec' | 'postgres';
  /** The current State, or null when nothing has been deployed yet. */
  getState(): Promise<State | null>;
  /** Carry out one move (absolute target: running it twice is harmless). Resolves when done; rejects on failure. */
  execute(move: Move, context?: MoveContext): Promise<void | MoveOutput>;
  /** Kill (and wait out) the hooks earlier applies left running; returns the moves whose hooks were stopped. */
  stopStrayHooks?(hooks: { move: string; group: HookGroup }[]): Promise<string[]>;
  /** A backend that keeps its own journal (postgres); otherwise the journal is a file in the project. */
  journal?(planId: string, moves: Move[]): JournalStore;
  /** A backend with its own lock (postgres advisory lock); otherwise the lock is a directory beside the state file (file) or in the project's `.globe/` (exec): see cli/commands/force-unlock.ts lockDirFor. */
  lock?(operation: string, timeoutMs: number): Promise<HeldLock>;
  /** The process is about to exit with moves still running (Ctrl-C twice): stop what they started, if the backend can. */
  abandon?(): void;
  /**
   * Record what the current state was planned from (an apply completed). The next change of
   * the state drops it. Backends that cannot keep it (exec) leave this out: plans are then full.
   */
  recordPlannedFrom?(plannedFrom: IntentDigests, serial: number): Promise<void>;
  /** Release connections. */
  close?(): Promise<void>;
}
