/**
 * The embedded `file` backend: the world is `.globe/state.json`, and a move
 * changes it. Each committed move writes the next serial atomically, keeping
 * the previous version as `.backup`.
 */
import type { Move } from '../../schemas/plan.js';
import { applyMove } from '../../schemas/apply-move.js';
import type { Backend } from '../backend.js';
import { readStateFile, writeStatePlannedFrom, writeStateFile } from '../state-file.js';
import { emptyDeployment, type IntentDigests, type State } from '../../schemas/state.js';

export class FileBackend implements Backend {
  readonly kind = 'file' as const;

  /** Moves may run in parallel, but the file is one document: writes take turns. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  getState(): Promise<State | null> {
    return readStateFile(this.path);
  }

  execute(move: Move): Promise<void> {
    const run = async () => {
      const state = await readStateFile(this.path);
      await writeStateFile(this.path, state, applyMove(state ?? emptyDeployment(), move));
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  recordPlannedFrom(plannedFrom: IntentDigests, serial: number): Promise<void> {
    const run = () => writeStatePlannedFrom(this.path, plannedFrom, serial);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
