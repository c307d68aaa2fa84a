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
import { readStateFileVersion, StateError, stateFileIdentity, stateFilePath, writeStatePlannedFromVersion, writeStateFileVersion, type StateFileVersion } from '../state-file.js';
import type { HeldLock, LockWaitListener } from '../lock.js';
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
  /**
   * While this backend holds the state lock, no other globe writes the file: the version it last
   * read or wrote is kept here, so that a move neither re-reads nor re-validates the whole state
   * (at 1,000 tenants that was a fifth of apply's time). It is used only while the file on disk is
   * still that version (a stat: anything that replaced or edited the file — force-unlock and
   * another globe, a hand edit — makes it read afresh), and its document is frozen, so a caller
   * that changed what getState returned would fail at once instead of changing what is written next.
   */
  private known: StateFileVersion | undefined;
  private locked = false;

  constructor(
    readonly path: string,
    projectDir: string,
  ) {
    super(projectDir, `${path}.lock`);
  }

  override async lock(operation: string, timeoutMs: number, onWait?: LockWaitListener): Promise<HeldLock> {
    const held = await super.lock(operation, timeoutMs, onWait);
    this.locked = true;
    return {
      ...held,
      release: async () => {
        this.locked = false;
        this.known = undefined;
        await held.release();
      },
    };
  }

  getState(): Promise<State | null> {
    return this.current();
  }

  execute(move: Move): Promise<void> {
    return this.inTurn(async () => {
      const state = await this.current();
      this.keep(await writeStateFileVersion(this.path, state, applyMove(state ?? emptyDeployment(), move), this.known));
    });
  }

  recordPlannedFrom(plannedFrom: IntentDigests, serial: number): Promise<void> {
    return this.inTurn(async () => {
      const state = await this.current();
      if (state) this.keep(await writeStatePlannedFromVersion(this.path, state, plannedFrom, serial));
    });
  }

  /** The document's deployment as the next serial; the lineage stays the file's (a fresh file takes the document's). */
  push(doc: State, force: boolean, source: string): Promise<State> {
    return this.inTurn(async () => {
      const current = await this.current();
      if (current && current.lineage !== doc.lineage && !force) throw new StateError(`the state file has lineage ${current.lineage}, ${source} ${doc.lineage}: different worlds (use --force)`);
      const written = await writeStateFileVersion(this.path, current ?? { ...doc, serial: 0 }, doc, this.known);
      this.keep(written);
      return written.state;
    });
  }

  /** The state as the file holds it: the version kept in memory while it is still the file's, else read (and validated) afresh. */
  private async current(): Promise<State | null> {
    if (this.locked && this.known && this.known.identity === (await stateFileIdentity(this.path))) return this.known.state;
    const read = await readStateFileVersion(this.path);
    this.known = undefined;
    this.keep(read ?? undefined);
    return read?.state ?? null;
  }

  private keep(version: StateFileVersion | undefined): void {
    if (!this.locked || !version) return;
    deepFreeze(version.state);
    this.known = version;
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

/** Freeze every object of a document; parts shared with an earlier, already frozen version are not walked again. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
