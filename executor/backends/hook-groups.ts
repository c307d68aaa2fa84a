/**
 * The process groups exec hooks run in, as the operating system sees them.
 * The journal records each move hook's group (its id, the boot it ran in and
 * its leader's start time) before the hook gets its move, so that a later
 * apply can tell whether that very group is still running — and kill it —
 * without ever signalling an unrelated group that reuses the number.
 *
 * Linux: read from /proc (zombies count as gone: nothing may reap an
 * orphan in a container whose init does not). Elsewhere, the group's
 * existence is all that can be checked (kill -0).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { GlobeError } from '../../schemas/diagnostic.js';

export interface HookGroup {
  pgid: number;
  /** The boot the group ran in: a group of another boot (or machine) is never signalled. */
  boot: string;
  /** The group leader's start time (clock ticks after boot; 0 where unknown). */
  started: number;
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

let bootIdCache: string | undefined;
export function bootId(): string {
  if (bootIdCache) return bootIdCache;
  try {
    bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootIdCache = `${hostname()}@${Math.round(Date.now() / 10_000 - uptime() / 10)}`;
  }
  return bootIdCache;
}

interface ProcStat {
  state: string;
  pgrp: number;
  starttime: number;
}

/** /proc/PID/stat; the command name may hold spaces and parentheses, so fields are counted after the last ')'. */
function procStat(pid: number | string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], pgrp: Number(f[2]), starttime: Number(f[19]) };
}

/** What the journal records of a hook that has just started (it leads its own group). */
export function groupOf(pid: number): HookGroup {
  return { pgid: pid, boot: bootId(), started: (hasProc && procStat(pid)?.starttime) || 0 };
}

/** Is this very group (not a later one with the same number) still running anything? */
export function groupRunning(g: HookGroup): boolean {
  if (g.boot !== bootId()) return false;
  if (!hasProc) return signalGroup(g.pgid, 0);
  const leader = procStat(g.pgid);
  // A group's id is not handed out again while anything is in the group: a leader with another
  // start time means the old group is gone and the number now names someone else's.
  if (leader && g.started !== 0 && leader.starttime !== g.started) return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(entry);
    if (s && s.pgrp === g.pgid && s.state !== 'Z' && s.state !== 'X') return true;
  }
  return false;
}

/** Signal a whole group; false when it no longer exists. Another user's group is an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export class StrayHookError extends GlobeError {
  readonly code = 'stray-hook';
}

/**
 * SIGKILL the group if it is still running, and wait until the OS shows it gone (bounded):
 * only then may the move it was carrying out be run again. True when it had to be stopped.
 */
export async function stopGroup(g: HookGroup, what: string, timeoutMs = 10_000): Promise<boolean> {
  if (!groupRunning(g)) return false;
  try {
    signalGroup(g.pgid, 'SIGKILL');
  } catch (e) {
    throw new StrayHookError(`${what} (process group ${g.pgid}) is still running and cannot be stopped: ${(e as Error).message}. Stop it, then run apply again.`);
  }
  const deadline = Date.now() + timeoutMs;
  while (groupRunning(g)) {
    if (Date.now() > deadline) throw new StrayHookError(`${what} (process group ${g.pgid}) is still running ${timeoutMs / 1000}s after SIGKILL. Stop it, then run apply again.`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
