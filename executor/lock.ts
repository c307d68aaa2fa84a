/**
 * The state lock. Mutual exclusion comes from proper-lockfile (an atomic
 * mkdir, refreshed while held, reclaimed when its holder died long ago);
 * beside it we keep who holds it, since when and for what, so that the
 * second apply can say so and `force-unlock ID` can check the ID.
 */
import { randomUUID } from 'node:crypto';
import fs, { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';

export interface LockInfo {
  id: string;
  who: string;
  operation: string;
  since: string;
  pid: number;
}

export class LockError extends Error {}

export interface HeldLock {
  info: LockInfo;
  release(): Promise<void>;
  /** True once the lock can no longer be trusted (forced away, its lock directory gone, its connection dropped): apply must stop. */
  lost?(): boolean;
}

function paths(stateDir: string) {
  return { target: join(stateDir, 'state.lock.target'), info: join(stateDir, 'lock-info.json'), dir: join(stateDir, 'state.lock.target.lock') };
}

export function readLockInfo(stateDir: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(paths(stateDir).info, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export async function acquireLock(stateDir: string, operation: string, timeoutMs: number): Promise<HeldLock> {
  mkdirSync(stateDir, { recursive: true });
  const p = paths(stateDir);
  if (!existsSync(p.target)) writeFileSync(p.target, 'globe state lock target\n');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // proper-lockfile's default reaction to a compromised lock (its directory removed, or
      // refreshed by someone else) is to throw from a timer, which kills the process with a
      // stack trace. We note it instead: apply checks lost() before every move and stops.
      let compromised = false;
      const guard = { forfeited: false };
      const release = await lockfile.lock(p.target, { stale: 30_000, update: 5_000, realpath: false, fs: lockFs(guard), onCompromised: () => (compromised = true) });
      let user = 'unknown';
      try {
        user = userInfo().username;
      } catch {
        /* no passwd entry in some containers */
      }
      const info: LockInfo = { id: randomUUID(), who: `${user}@${hostname()}`, operation, since: new Date().toISOString(), pid: process.pid };
      writeFileSync(p.info, `${JSON.stringify(info, null, 2)}\n`);
      let lost = false;
      /** Once lost, lost for good: compromised, its directory gone, or another holder on record (force-unlock, then someone else locked). */
      const isLost = (): boolean => (lost ||= compromised || !existsSync(p.dir) || readLockInfo(stateDir)?.id !== info.id);
      let released = false;
      return {
        info,
        lost: isLost,
        release: async () => {
          if (released) return;
          released = true;
          if (isLost()) {
            // Forced away: the lock there now may be another globe's. Stop refreshing ours, and remove nothing.
            guard.forfeited = true;
          } else {
            rmSync(p.info, { force: true });
          }
          await release().catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (holderIsDeadHere(stateDir)) {
        // Killed on this very machine (kill -9, OOM, power cut): its lock protects nothing any more.
        rmSync(p.dir, { recursive: true, force: true });
        rmSync(p.info, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        const holder = readLockInfo(stateDir);
        const by = holder ? `${holder.who} (pid ${holder.pid}, ${holder.operation}) since ${holder.since}, lock ID ${holder.id}` : 'another globe process';
        throw new LockError(`the state is locked by ${by}. Wait for it to finish, or if it died: globe force-unlock ${holder?.id ?? '<ID>'}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(10, deadline - Date.now()))));
    }
  }
}

/**
 * The file operations proper-lockfile uses, except that once our lock is
 * forfeited its directory is never removed — not on release, and not by
 * proper-lockfile's own clean-up when the process exits — since by then the
 * directory may hold someone else's lock.
 */
function lockFs(guard: { forfeited: boolean }) {
  return {
    mkdir: fs.mkdir,
    stat: fs.stat,
    utimes: fs.utimes,
    realpath: fs.realpath,
    rmdir: (path: string, callback: (err: NodeJS.ErrnoException | null) => void) => (guard.forfeited ? callback(null) : fs.rmdir(path, callback)),
    rmdirSync: (path: string) => {
      if (!guard.forfeited) fs.rmdirSync(path);
    },
  };
}

/** The holder ran on this host and its process is gone. Locks from other hosts are never presumed dead. */
function holderIsDeadHere(stateDir: string): boolean {
  const holder = readLockInfo(stateDir);
  if (!holder || !holder.who.endsWith(`@${hostname()}`) || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function forceUnlock(stateDir: string, id: string): void {
  const p = paths(stateDir);
  const holder = readLockInfo(stateDir);
  if (!holder && !existsSync(p.dir)) throw new LockError('the state is not locked');
  if (holder && holder.id !== id) throw new LockError(`the lock ID is ${holder.id} (held by ${holder.who} since ${holder.since}), not ${id}`);
  rmSync(p.dir, { recursive: true, force: true });
  rmSync(p.info, { force: true });
}

export function stateDirOf(statePath: string): string {
  return dirname(statePath);
}
