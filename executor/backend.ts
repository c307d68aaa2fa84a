/**
 * A backend is where the State lives and where moves are carried out.
 * `file` (embedded default), `exec` (the user's commands), `postgres` (shared).
 */
import type { Move } from '../planner/plan.js';
import type { State } from './state.js';

export interface Backend {
  readonly kind: 'file' | 'exec' | 'postgres';
  /** The current State, or null when nothing has been deployed yet. */
  getState(): Promise<State | null>;
  /** Carry out one move (absolute target: running it twice is harmless). Resolves when done; rejects on failure. */
  execute(move: Move): Promise<void>;
}
