/**
 * The state lock: a directory beside the state it protects (`state.json.lock`
 * for the file backend), holding `holder.json` — who holds it, since when and
 * for what, so that a second globe can say so and `force-unlock ID` can check
 * the ID.
 *
 * Taking the lock is one atomic step: the holder record is written and
 * fsync'ed into a private temporary directory, which is then renamed onto the
 * lock path. rename(2) fails when the lock directory exists and is not empty,
 * so at any moment the lock either does not exist or exists with its holder
 * record: a globe killed while taking it leaves at most its temporary
 * directory (removed by the next globe on this host), never a lock without a
 * holder. (An empty lock directory, which only an older globe leaves, holds
 * nothing and is replaced by the rename.)
 *
 * A lock whose holder ran on this host and is gone is reclaimed at once; a
 * holder on another host is never presumed dead: `force-unlock ID` is for that.
 * There is no refresh timer: a holder learns it lost the lock (forced away)
 * by reading the holder record, which apply does before every move.
 *
 * The lock leaves the project as it found it: on release, the directories it
 * had to create (and the caller's own, `.globe/`) are removed once empty — with
 * rmdir, which never removes anything that holds a file. A globe that created
 * the directory a moment before another removed it simply creates it again.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { GlobeError } from '../schemas/diagnostic.js';

export interface LockInfo {
  id: string;
  who: string;
  operation: string;
  since: string;
  pid: number;
}

export class LockError extends GlobeError {
  readonly code = 'lock';
}

export interface HeldLock {
  info: LockInfo;
  release(): Promise<void>;
  /** True once the lock can no longer be trusted (forced away, its lock directory gone, its connection dropped): apply must stop. */
  lost?(): boolean;
}

const HOLDER = 'holder.json';

/** What is in the lock directory: a holder, nothing (no lock), or a directory whose record cannot be read. */
type Holder = { kind: 'held'; info: LockInfo } | { kind: 'free' } | { kind: 'unreadable' };

function readHolder(lockPath: string): Holder {
  let text: string;
  try {
    text = readFileSync(join(lockPath, HOLDER), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return isNonEmptyDir(lockPath) ? { kind: 'unreadable' } : { kind: 'free' };
    return { kind: 'unreadable' };
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (typeof info?.id === 'string' && typeof info.who === 'string' && typeof info.pid === 'number') return { kind: 'held', info };
  } catch {
    /* fall through */
  }
  return { kind: 'unreadable' };
}

function isNonEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length > 0;
  } catch {
    return false;
  }
}

export function readLockInfo(lockPath: string): LockInfo | undefined {
  const h = readHolder(lockPath);
  return h.kind === 'held' ? h.info : undefined;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown'; // no passwd entry in some containers
  }
}

/** Write the holder record into a fresh temporary directory beside the lock; its name carries our pid so a dead globe's leftovers can be recognised. */
function prepare(lockPath: string, info: LockInfo): string {
  const tmp = mkdtempSync(`${lockPath}.tmp-${process.pid}-`);
  const fd = openSync(join(tmp, HOLDER), 'w');
  try {
    writeSync(fd, `${JSON.stringify(info, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Rename a directory out of the way, then delete it: only one of several globes removing the same lock wins the rename. */
function removeAtomically(path: string): boolean {
  const grave = `${path}.removed-${process.pid}-${randomUUID()}`;
  try {
    renameSync(path, grave);
  } catch {
    return false;
  }
  rmSync(grave, { recursive: true, force: true });
  return true;
}

/** Temporary directories of globes on this host that died while taking or removing the lock. */
function sweepLeftovers(lockPath: string): void {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(?:tmp|removed)-(\d+)-/.exec(name.slice(prefix.length)) : null;
    if (m && !processAlive(Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** One attempt: true when the lock is now ours. */
function tryTake(lockPath: string, info: LockInfo): boolean {
  let tmp: string;
  try {
    tmp = prepare(lockPath, info);
  } catch (e) {
    // The lock's directory is gone: another globe removed it, empty, when it released the lock.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new LockError(`cannot take the state lock ${lockPath}: ${(e as Error).message}`);
  }
  try {
    renameSync(tmp, lockPath);
    return true;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') return false;
    throw new LockError(`cannot take the state lock ${lockPath}: ${(e as Error).message}`);
  }
}

/**
 * Create the lock's directory if it is missing. Returns the outermost directory created (every one
 * from it down to the lock's was made here), or undefined when it already existed.
 */
function ensureDirectory(lockPath: string): string | undefined {
  for (let attempt = 1; ; attempt++) {
    try {
      const created = mkdirSync(dirname(lockPath), { recursive: true });
      return created === undefined ? undefined : resolve(created);
    } catch (e) {
      // Node's recursive mkdir, finding the directory there (EEXIST), checks it is one; when another
      // globe's release removes it in between, that check fails with ENOENT. Make it again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= ENSURE_ATTEMPTS) throw e;
    }
  }
}

/** Tries at making the lock's directory while other globes remove it (each try loses only to a release in between). */
const ENSURE_ATTEMPTS = 1000;

/**
 * After the lock is gone: remove its directory and the ones above it while they are empty and
 * either created by this globe (`created`) or named in `removable` — innermost first, stopping at
 * the first that holds anything (rmdir refuses: ENOTEMPTY) or is not ours to remove.
 */
function tidy(lockPath: string, created: string | undefined, removable: ReadonlySet<string>): void {
  const ours = (dir: string) => removable.has(dir) || (created !== undefined && (dir === created || dir.startsWith(`${created}${sep}`)));
  for (let dir = resolve(dirname(lockPath)); ours(dir); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty (another globe's lock, a state, a journal), or gone already
    }
  }
}

/** Told once, when the lock is found held by another globe and the wait begins (the CLI says so on stderr). */
export type LockWaitListener = (holder: LockInfo | undefined) => void;

export interface LockOptions {
  /** Directories the caller owns (a project's `.globe/`) that release removes once they are empty. */
  removeWhenEmpty?: string[];
}

export async function acquireLock(lockPath: string, operation: string, timeoutMs: number, onWait?: LockWaitListener, options: LockOptions = {}): Promise<HeldLock> {
  let created = ensureDirectory(lockPath);
  sweepLeftovers(lockPath);
  const info: LockInfo = { id: randomUUID(), who: `${currentUser()}@${hostname()}`, operation, since: new Date().toISOString(), pid: process.pid };
  const removable = new Set((options.removeWhenEmpty ?? []).map((d) => resolve(d)));
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    if (tryTake(lockPath, info)) return held(lockPath, info, () => tidy(lockPath, created, removable));
    const holder = readHolder(lockPath);
    if (holder.kind === 'free') {
      // Released between our rename and our look — or its directory was removed with it: make it again.
      created = ensureDirectory(lockPath) ?? created;
      continue;
    }
    if (holder.kind === 'held' && holderIsDeadHere(holder.info)) {
      // Killed on this very machine (kill -9, OOM, power cut): its lock protects nothing any more.
      removeAtomically(lockPath);
      continue;
    }
    if (Date.now() >= deadline) throw new LockError(lockedMessage(lockPath, holder));
    if (!waiting) (waiting = true), onWait?.(holder.kind === 'held' ? holder.info : undefined);
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(10, deadline - Date.now()))));
  }
}

function lockedMessage(lockPath: string, holder: Holder): string {
  if (holder.kind === 'held') {
    const h = holder.info;
    return `the state is locked by ${h.who} (pid ${h.pid}, ${h.operation}) since ${h.since}, lock ID ${h.id}. Wait for it to finish, or if it died: globe force-unlock ${h.id}`;
  }
  return `the state lock ${lockPath} has no readable holder record (it was not made by this globe). If no other globe is running against this state, remove it: globe force-unlock any`;
}

function held(lockPath: string, info: LockInfo, tidyUp: () => void): HeldLock {
  let lost = false;
  let released = false;
  /** Once lost, lost for good: its directory gone or another holder on record (force-unlock, then someone else locked). */
  const isLost = (): boolean => {
    if (!lost) {
      const h = readHolder(lockPath);
      lost = h.kind !== 'held' || h.info.id !== info.id;
    }
    return lost;
  };
  return {
    info,
    lost: isLost,
    release: async () => {
      if (released) return;
      released = true;
      // Forced away: the lock there now may be another globe's, and is left alone.
      if (!isLost()) removeAtomically(lockPath);
      lost = true;
      tidyUp();
    },
  };
}

/** The holder ran on this host and its process is gone. Locks from other hosts are never presumed dead. */
function holderIsDeadHere(holder: LockInfo): boolean {
  if (!holder.who.endsWith(`@${hostname()}`) || holder.pid === process.pid) return false;
  return !processAlive(holder.pid);
}

/** Remove the lock if its ID is `id`; a lock without a readable holder record is removed whatever ID is given. */
export function forceUnlock(lockPath: string, id: string): void {
  const holder = readHolder(lockPath);
  if (holder.kind === 'free') throw new LockError('the state is not locked');
  if (holder.kind === 'held' && holder.info.id !== id) throw new LockError(`the lock ID is ${holder.info.id} (held by ${holder.info.who} since ${holder.info.since}), not ${id}`);
  if (!removeAtomically(lockPath)) throw new LockError('the state is not locked');
}
