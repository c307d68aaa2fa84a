/**
 * The line a waiting globe prints when another holds the state lock (terraform says
 * "Acquiring state lock…"): a wait of up to --lock-timeout is never silent.
 */
import type { LockInfo } from '../executor/lock.js';

export function lockWaitLine(holder: LockInfo | undefined): string {
  if (!holder) return 'Waiting for the state lock (its holder is not on record)…';
  return `Waiting for the state lock held by ${holder.who} (pid ${holder.pid}, ${holder.operation}) since ${holder.since}…`;
}

/** The listener the commands pass to acquireLock / backend.lock: one line on stderr, never on stdout. */
export function printLockWait(holder: LockInfo | undefined): void {
  process.stderr.write(`${lockWaitLine(holder)}\n`);
}
