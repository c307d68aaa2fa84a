/**
 * The embedded `file` backend: the world is `.globe/state.json`, and a move
 * changes it. Each committed move writes the next serial atomically, keeping
 * the previous version as `.backup`.
 */
import type { Move } from '../../planner/plan.js';
import { applyMove } from '../apply-move.js';
import type { Backend } from '../backend.js';
import { readStateFile, writeStateFile } from '../state-file.js';
import { emptyDeployment, type State } from '../state.js';

export class FileBackend implements Backend {
  readonly kind = 'file' as const;

  constructor(readonly path: string) {}

  getState(): Promise<State | null> {
    return readStateFile(this.path);
  }

  async execute(move: Move): Promise<void> {
    const state = await readStateFile(this.path);
    const deployment = state ?? emptyDeployment();
    await writeStateFile(this.path, state, applyMove(deployment, move));
  }
}
