/**
 * The lock and journals of a backend whose project directory holds them (file, exec): the
 * state lock is a directory (lock.ts), each plan's journal a JSON-lines file in
 * `.globe/journal/` (journal.ts). Shared so that both backends keep them in the same places
 * that `force-unlock`, resumes and older globes expect.
 */
import { join } from 'node:path';
import type { Move } from '../../schemas/plan.js';
import type { OpenBackend } from '../backend.js';
import { FileJournalStore, hooksInJournals, type JournalStore } from '../journal.js';
import { acquireLock, forceUnlock, type HeldLock, type LockWaitListener } from '../lock.js';

type ProjectStore = Pick<OpenBackend, 'lock' | 'forceUnlock' | 'journal' | 'journalLocation'> & {
  /** The hooks every journal of the project says may still run, and the largest fencing token handed out. */
  hooksInJournals(): ReturnType<typeof hooksInJournals>;
};

export function projectStore(projectDir: string, lockPath: string): ProjectStore {
  const journalDir = join(projectDir, '.globe', 'journal');
  const journalPath = (planId: string) => join(journalDir, `${planId}.jsonl`);
  return {
    lock: (operation: string, timeoutMs: number, onWait?: LockWaitListener): Promise<HeldLock> => acquireLock(lockPath, operation, timeoutMs, onWait),
    forceUnlock: async (id: string) => forceUnlock(lockPath, id),
    journal: (planId: string, _moves: Move[]): JournalStore => new FileJournalStore(journalPath(planId)),
    journalLocation: journalPath,
    hooksInJournals: () => hooksInJournals(journalDir),
  };
}
