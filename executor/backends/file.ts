/**
 * The embedded `file` backend: the world is `.globe/state.json`, and a move
 * changes it. Each committed move writes the next serial atomically, keeping
 * the previous version as `.backup`. The lock is a directory beside the state
 * file (two projects naming one file take turns); journals are files in the
 * project's `.globe/journal/`.
 */
import type { Move } from '../../schemas/plan.js';
import { applyMove } from '../../schemas/apply-move.js';
import type { BackendCapabilities, OpenBackend } from '../backend.js';
import { readStateFile, StateError, stateFilePath, writeStatePlannedFrom, writeStateFile } from '../state-file.js';
import { emptyDeployment, type IntentDigests, type State } from '../../schemas/state.js';
import { ProjectStoreBackend } from './project-store.js';

export const FILE_CAPABILITIES: BackendCapabilities = {
  serialPerMove: true,
  hookProcesses: false,
  validateGates: false,
  sharedWriters: false,
  statePush: true,
  plannedFrom: true,
  needsInit: false,
  sharedQueue: false,
  forceUnlock: true,
};

/** The file backend of a project: `path` relative to it, refused when it leads outside. */
export function openFileBackend(config: { path: string }, projectDir: string): FileBackend {
  return new FileBackend(stateFilePath(projectDir, config.path), projectDir);
}

export class FileBackend extends ProjectStoreBackend implements OpenBackend {
  readonly name = 'file' as const;
  readonly capabilities = FILE_CAPABILITIES;

  /** Moves may run in parallel, but the file is one document: writes take turns. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    projectDir: string,
  ) {
    super(projectDir, `${path}.lock`);
  }

  getState(): Promise<State | null> {
    return readStateFile(this.path);
  }

  execute(move: Move): Promise<void> {
    return this.inTurn(async () => {
      const state = await readStateFile(this.path);
      await writeStateFile(this.path, state, applyMove(state ?? emptyDeployment(), move));
    });
  }

  recordPlannedFrom(plannedFrom: IntentDigests, serial: number): Promise<void> {
    return this.inTurn(() => writeStatePlannedFrom(this.path, plannedFrom, serial));
  }

  /** The document's deployment as the next serial; the lineage stays the file's (a fresh file takes the document's). */
  push(doc: State, force: boolean, source: string): Promise<State> {
    return this.inTurn(async () => {
      const current = await readStateFile(this.path);
      if (current && current.lineage !== doc.lineage && !force) throw new StateError(`the state file has lineage ${current.lineage}, ${source} ${doc.lineage}: different worlds (use --force)`);
      return writeStateFile(this.path, current ?? { ...doc, serial: 0 }, doc);
    });
  }

  /** No move leaves a process behind: there are no hooks to look for. */
  otherJournals(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    await this.writes.catch(() => undefined);
  }

  private inTurn<T>(run: () => Promise<T>): Promise<T> {
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => undefined);
    return next;
  }
}
