/**
 * The lock and journals of a backend whose project directory holds them (file, exec): the
 * state lock is a directory (lock.ts), each plan's journal a JSON-lines file in
 * `.globe/journal/` (journal.ts). One base class, so that both backends keep them in the same
 * places that `force-unlock`, resumes and older globes expect.
 */
import { join } from 'node:path';
import type { Move } from '../../schemas/plan.js';
import { FileJournalStore, hooksInJournals, type JournalStore } from '../journal.js';
import { acquireLock, forceUnlock, type HeldLock, type LockWaitListener } from '../lock.js';

export abstract class ProjectStoreBackend {
  private readonly journalDir: string;
  /** globe's own directory in the project: the lock removes it on release when nothing else is in it. */
  private readonly globeDir: string;

  constructor(
    projectDir: string,
    /** Where the lock directory goes: beside the state it protects. */
    private readonly lockPath: string,
  ) {
    this.globeDir = join(projectDir, '.globe');
    this.journalDir = join(this.globeDir, 'journal');
  }

  lock(operation: string, timeoutMs: number, onWait?: LockWaitListener): Promise<HeldLock> {
    return acquireLock(this.lockPath, operation, timeoutMs, onWait, { removeWhenEmpty: [this.globeDir] });
  }

  async forceUnlock(id: string): Promise<void> {
    forceUnlock(this.lockPath, id);
  }

  journal(planId: string, _moves: Move[]): JournalStore {
    return new FileJournalStore(this.journalLocation(planId));
  }

  journalLocation(planId: string): string {
    return join(this.journalDir, `${planId}.jsonl`);
  }

  /** The hooks every journal of the project says may still run, and the largest fencing token handed out. */
  protected hooksInJournals(): ReturnType<typeof hooksInJournals> {
    return hooksInJournals(this.journalDir);
  }
}
