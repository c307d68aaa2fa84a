import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournalStore, JournalError, readJournal, type JournalRecord } from '../executor/journal.js';

const journalPath = () => join(mkdtempSync(join(tmpdir(), 'globe-journal-')), 'journal', 'plan.jsonl');
const start: JournalRecord = { type: 'start', at: '2026-01-01T00:00:00.000Z', planId: 'p', moves: 2, lineage: null, serial: 0 };
const running: JournalRecord = { type: 'move', at: '2026-01-01T00:00:01.000Z', move: 'm1', status: 'RUNNING' };
const complete: JournalRecord = { type: 'move', at: '2026-01-01T00:00:02.000Z', move: 'm1', status: 'COMPLETE', serial: 1 };
const running2: JournalRecord = { type: 'move', at: '2026-01-01T00:00:03.000Z', move: 'm2', status: 'RUNNING' };

async function write(path: string, records: JournalRecord[]): Promise<void> {
  const store = new FileJournalStore(path);
  for (const r of records) await store.append(r);
  await store.close();
}

describe('the journal file', () => {
  it('replays to each move’s latest status and the serial of the last COMPLETE move', async () => {
    const path = journalPath();
    await write(path, [start, running, complete]);
    const replay = readJournal(path);
    expect(replay.records).toEqual([start, running, complete]);
    expect(replay.status).toEqual(new Map([['m1', 'COMPLETE']]));
    expect(replay.lastSerial).toBe(1);
    expect(replay.tornLine).toBe(false);
  });

  it('ignores and reports a torn last line (a crash mid-write)', async () => {
    const path = journalPath();
    await write(path, [start, running]);
    appendFileSync(path, '{"type":"move","at":"2026-01-01T00:00:02.000Z","move":"m1","sta');
    const torn = readJournal(path);
    expect(torn.tornLine).toBe(true);
    expect(torn.records).toEqual([start, running]);
    expect(torn.status.get('m1')).toBe('RUNNING');
  });

  it('the next writer cuts a torn last line off before appending, so the journal stays readable', async () => {
    const path = journalPath();
    await write(path, [start, running]);
    appendFileSync(path, '{"type":"move","at":"2026-01-01T00:00:02.000Z","move":"m1","sta');
    await write(path, [complete, running2]);
    const repaired = readJournal(path);
    expect(repaired.tornLine).toBe(false);
    expect(repaired.records).toEqual([start, running, complete, running2]);
    expect(readFileSync(path, 'utf8')).toBe([start, running, complete, running2].map((r) => `${JSON.stringify(r)}\n`).join(''));
  });

  it('keeps a last record that lost only its newline, and ends that line before appending', async () => {
    const path = journalPath();
    await write(path, [start]);
    appendFileSync(path, JSON.stringify(running));
    const replay = readJournal(path);
    expect(replay.tornLine).toBe(false);
    expect(replay.status.get('m1')).toBe('RUNNING');
    await write(path, [complete]);
    expect(readJournal(path).records).toEqual([start, running, complete]);
  });

  it('refuses a journal damaged before its last line, naming the file and the line', async () => {
    const path = journalPath();
    await write(path, [start]);
    appendFileSync(path, '{"type":"move","at":"2026-01-01T00:00:02.000Z","mo\n');
    appendFileSync(path, `${JSON.stringify(running)}\n`);
    expect(() => readJournal(path)).toThrow(JournalError);
    expect(() => readJournal(path)).toThrow(`the journal ${path} is damaged at line 2: it is not a journal record`);
    // and never appends to it: that would bury the damage further
    await expect(new FileJournalStore(path).append(complete)).rejects.toThrow(JournalError);
  });

  it('a damaged line followed by a torn one is damage, not a torn end', async () => {
    const path = journalPath();
    await write(path, [start]);
    appendFileSync(path, 'not json\n{"type":"mo');
    expect(() => readJournal(path)).toThrow(`the journal ${path} is damaged at line 2`);
  });

  it('reads a missing journal as empty: a first apply', () => {
    const replay = readJournal(journalPath());
    expect(replay.records).toEqual([]);
    expect(replay.lastSerial).toBeUndefined();
    expect(replay.tornLine).toBe(false);
  });
});
