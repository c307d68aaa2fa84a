/**
 * The apply journal: one JSON line per event, appended and fsync'ed before
 * the next step, so that after a crash at any point the journal says which
 * moves completed, which one was running, and which never started. A torn
 * last line (a crash mid-write) is ignored and reported.
 * JSON Schema of a line: schemas/journal.schema.json.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type MoveStatus = 'WAITING' | 'READY' | 'RUNNING' | 'COMPLETE' | 'FAILED';

export type JournalRecord =
  | { type: 'start'; at: string; planId: string; moves: number; lineage: string | null; serial: number }
  | { type: 'move'; at: string; move: string; status: MoveStatus; serial?: number; reason?: string; stderr?: string }
  | { type: 'end'; at: string; outcome: 'complete' | 'failed' | 'interrupted' };

export interface JournalReplay {
  records: JournalRecord[];
  status: Map<string, MoveStatus>;
  /** The state serial recorded with the last COMPLETE move (or at start). */
  lastSerial: number | undefined;
  lineage: string | null | undefined;
  tornLine: boolean;
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
  for (const r of records) {
    if (r.type === 'start') {
      lastSerial ??= r.serial;
      lineage ??= r.lineage;
    } else if (r.type === 'move') {
      status.set(r.move, r.status);
      if (r.status === 'COMPLETE' && r.serial !== undefined) lastSerial = r.serial;
    }
  }
  return { records, status, lastSerial, lineage, tornLine };
}

export class FileJournalStore implements JournalStore {
  private journal: Journal | undefined;

  constructor(readonly path: string) {}

  async read(): Promise<JournalReplay> {
    return readJournal(this.path);
  }

  async append(record: JournalRecord): Promise<void> {
    (this.journal ??= new Journal(this.path)).append(record);
  }

  async close(): Promise<void> {
    this.journal?.close();
  }
}

export function readJournal(path: string): JournalReplay {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const records: JournalRecord[] = [];
  let tornLine = false;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      if (i >= lines.length - 2) tornLine = true;
      else throw new Error(`the journal ${path} is damaged at line ${i + 1}`);
    }
  }
  return replayRecords(records, tornLine);
}

export class Journal {
  private fd: number;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** Append one record and make it durable before returning. */
  append(record: JournalRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
