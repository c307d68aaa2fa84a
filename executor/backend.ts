/**
 * A backend is where the State lives and where moves are carried out.
 * `file` (embedded default), `exec` (the user's commands), `postgres` (shared).
 */
import type { Move } from '../planner/plan.js';
import type { JournalStore } from './journal.js';
import type { HeldLock } from './lock.js';
import type { IntentDigests, State } from './state.js';

/** What a backend reports about one move it carried out, kept in the journal. */
export interface MoveOutput {
  /** The tail of what the move's own command wrote to stderr (exec). */
  stderr?: string;
}

export interface Backend {
  readonly kind: 'file' | 'exec' | 'postgres';
  /** The current State, or null when nothing has been deployed yet. */
  getState(): Promise<State | null>;
  /** Carry out one move (absolute target: running it twice is harmless). Resolves when done; rejects on failure. */
  execute(move: Move): Promise<void | MoveOutput>;
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
