/**
 * The apply journal: one JSON line per event, appended and fsync'ed before
 * the next step, so that after a crash at any point the journal says which
 * moves completed, which one was running, and which never started.
 *
 * A crash in the middle of writing a line leaves a torn last line: reading
 * ignores it and reports it, and the next writer cuts it off before it
 * appends (and ends a last line that lost only its newline), so the journal
 * never holds a damaged line between good ones. A damaged line anywhere but
 * at the end is an error: the journal cannot be trusted to resume from.
 *
 * With the exec backend, each move hook's process group is journalled (a
 * `hook` record) before the hook gets its move, with the apply attempt's
 * fencing token: a later apply stops any such group still running before it
 * runs anything, and hands out a larger token (hooksInJournals).
 *
 * A multi-wave plan's journal also says where each wave began and that its
 * boundary was checked (`wave` records); a backend's validation gates leave
 * `gate` records (passed, or failed: the resume runs a failed gate again).
 *
 * A line's type and JSON Schema are declared in schemas/journal.schema.ts (written
 * to schemas/journal.schema.json).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HookGroup } from './backends/hook-groups.js';
import { GlobeError } from '../schemas/diagnostic.js';
import type { JournalRecord, MoveStatus } from '../schemas/journal.schema.js';

export type { GatePhase, JournalRecord, MoveStatus } from '../schemas/journal.schema.js';

export interface JournalReplay {
  records: JournalRecord[];
  status: Map<string, MoveStatus>;
  /** The highest state serial the journal saw: at start, or read back with a COMPLETE move. */
  lastSerial: number | undefined;
  lineage: string | null | undefined;
  /**
   * RUNNING lines with no COMPLETE of that move after them: attempts whose change may have
   * landed without the journal seeing its serial (a crash, a failed read-back). Each moved
   * the state by at most one serial.
   */
  unconfirmedRuns: number;
  tornLine: boolean;
  /** Hooks started for a move with no COMPLETE or FAILED after them: they may still be running. */
  pendingHooks: { move: string; group: HookGroup }[];
  /** The largest fencing token the journal handed out (0 when none). */
  maxAttempt: number;
  /** The full digest of the plan that started the journal (older journals lack it). */
  planDigest: string | undefined;
  /** Waves whose boundary was checked and recorded complete. */
  wavesComplete: Set<number>;
  /** Gates (`<wave>:<phase>`) whose latest run passed: a failed one runs again on resume. */
  gatesPassed: Set<string>;
}

/** Where an apply's journal lives: a JSON-lines file, or a table in the shared backend. */
export interface JournalStore {
  read(): Promise<JournalReplay>;
  append(record: JournalRecord): Promise<void>;
  close(): Promise<void>;
}

/** Replay records in order: the status of every move, the last serial seen. */
export function replayRecords(records: JournalRecord[], tornLine = false): JournalReplay {
  const status = new Map<string, MoveStatus>();
  let lastSerial: number | undefined;
  let lineage: string | null | undefined;
  const unconfirmed = new Map<string, number>();
  const hooks = new Map<string, { move: string; group: HookGroup }[]>();
  let maxAttempt = 0;
  let planDigest: string | undefined;
  const wavesComplete = new Set<number>();
  const gatesPassed = new Set<string>();
  const seen = (serial: number) => (lastSerial = Math.max(lastSerial ?? serial, serial));
  for (const r of records) {
    if (r.type === 'start') {
      seen(r.serial);
      lineage ??= r.lineage;
      planDigest ??= r.planDigest;
    } else if (r.type === 'wave') {
      if (r.status === 'complete') wavesComplete.add(r.wave);
      if (r.serial !== undefined) seen(r.serial);
    } else if (r.type === 'gate') {
      if (r.status === 'passed') gatesPassed.add(`${r.wave}:${r.phase}`);
      else gatesPassed.delete(`${r.wave}:${r.phase}`);
    } else if (r.type === 'hook') {
      maxAttempt = Math.max(maxAttempt, r.attempt);
      hooks.set(r.move, [...(hooks.get(r.move) ?? []), { move: r.move, group: { pgid: r.pgid, boot: r.boot, started: r.started } }]);
    } else if (r.type === 'move') {
      status.set(r.move, r.status);
      if (r.attempt !== undefined) maxAttempt = Math.max(maxAttempt, r.attempt);
      // globe saw the move's hook exit before it wrote either of these.
      if (r.status === 'COMPLETE' || r.status === 'FAILED') hooks.delete(r.move);
      if (r.status === 'RUNNING') unconfirmed.set(r.move, (unconfirmed.get(r.move) ?? 0) + 1);
      if (r.status === 'COMPLETE') {
        unconfirmed.delete(r.move);
        if (r.serial !== undefined) seen(r.serial);
      }
    }
  }
  const unconfirmedRuns = [...unconfirmed.values()].reduce((a, b) => a + b, 0);
  return { records, status, lastSerial, lineage, unconfirmedRuns, tornLine, pendingHooks: [...hooks.values()].flat(), maxAttempt, planDigest, wavesComplete, gatesPassed };
}

export class FileJournalStore implements JournalStore {
  private journal: Journal | undefined;

  constructor(readonly path: string) {}

  async read(): Promise<JournalReplay> {
    return readJournal(this.path);
  }

  async append(record: JournalRecord): Promise<void> {
    (this.journal ??= Journal.open(this.path)).append(record);
  }

  async close(): Promise<void> {
    this.journal?.close();
    this.journal = undefined;
  }
}

/** A journal file that cannot be read or is damaged before its last line. */
export class JournalError extends GlobeError {
  readonly code = 'journal';
}

interface JournalFile {
  replay: JournalReplay;
  /** Bytes up to the end of the last good line: what survives a repair. */
  goodBytes: number;
  /** The last good line has no newline after it (the crash came between the record and its newline). */
  missingNewline: boolean;
}

function readJournalFile(path: string): JournalFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { replay: replayRecords([]), goodBytes: 0, missingNewline: false };
    throw new JournalError(`cannot read the journal ${path}: ${(e as Error).message}`);
  }
  const records: JournalRecord[] = [];
  let tornLine = false;
  let goodBytes = 0;
  let missingNewline = false;
  let offset = 0;
  for (let lineNo = 1; offset < bytes.length; lineNo++) {
    const nl = bytes.indexOf(0x0a, offset);
    const end = nl < 0 ? bytes.length : nl;
    const text = bytes.subarray(offset, end).toString('utf8');
    if (text.trim() !== '') {
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch {
        record = undefined;
      }
      if (!isRecord(record)) {
        // Only the very last line can be torn by a crash; anything before it was followed by a good write.
        const isLast = nl < 0 || bytes.subarray(nl + 1).toString('utf8').trim() === '';
        if (!isLast) {
          throw new JournalError(`the journal ${path} is damaged at line ${lineNo}: it is not a journal record. It cannot be resumed from; move it aside to apply this plan from the start.`);
        }
        tornLine = true;
        break;
      }
      records.push(record);
    }
    goodBytes = nl < 0 ? bytes.length : nl + 1;
    missingNewline = nl < 0 && text.trim() !== '';
    offset = end + 1;
  }
  return { replay: replayRecords(records, tornLine), goodBytes, missingNewline };
}

function isRecord(doc: unknown): doc is JournalRecord {
  const type = (doc as { type?: unknown } | null)?.type;
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && (type === 'start' || type === 'move' || type === 'hook' || type === 'wave' || type === 'gate' || type === 'end');
}

/**
 * Across every journal of a project (every plan ever applied there): the hooks that may still
 * be running and the largest fencing token handed out. A new apply — of this plan or another —
 * stops those hooks first and hands out a larger token.
 */
export function hooksInJournals(dir: string): { pendingHooks: JournalReplay['pendingHooks']; maxAttempt: number } {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    return { pendingHooks: [], maxAttempt: 0 };
  }
  const pendingHooks: JournalReplay['pendingHooks'] = [];
  let maxAttempt = 0;
  for (const name of names) {
    let replay: JournalReplay;
    try {
      replay = readJournal(join(dir, name));
    } catch {
      continue; // a damaged journal is reported by the apply that resumes it
    }
    pendingHooks.push(...replay.pendingHooks);
    maxAttempt = Math.max(maxAttempt, replay.maxAttempt);
  }
  return { pendingHooks, maxAttempt };
}

/** Every record of a journal file (none if it does not exist yet); a torn last line is left out and reported. */
export function readJournal(path: string): JournalReplay {
  return readJournalFile(path).replay;
}

export class Journal {
  private constructor(
    readonly path: string,
    private fd: number,
  ) {}

  /** Open for appending, first cutting off a torn last line (or ending a last line that lost its newline). */
  static open(path: string): Journal {
    mkdirSync(dirname(path), { recursive: true });
    const created = !existsSync(path);
    const { goodBytes, missingNewline, replay } = readJournalFile(path);
    const journal = new Journal(path, openSync(path, 'a'));
    if (replay.tornLine) {
      ftruncateSync(journal.fd, goodBytes);
      fsyncSync(journal.fd);
    }
    if (missingNewline) journal.write('\n');
    if (created) syncDirectory(dirname(path));
    return journal;
  }

  /** Append one record and make it durable before returning. */
  append(record: JournalRecord): void {
    this.write(`${JSON.stringify(record)}\n`);
  }

  private write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Make a new journal's directory entry durable too (where directories can be fsync'ed). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* platforms without directory fsync: the file's own fsync is what we have */
  }
}
