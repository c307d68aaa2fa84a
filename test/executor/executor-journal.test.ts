import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../executor/apply.js';
import { FileJournalStore, JournalError, readJournal, type JournalRecord } from '../../executor/journal.js';
import { changeMoves, deployedState, MemoryBackend, planOf } from '../support/apply-fixtures.js';
import { journalValidator } from '../support/journal-schema.js';

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

describe('schemas/journal.schema.json', () => {
  it('every record an apply writes validates: start, RUNNING, COMPLETE, FAILED (refused and by the backend), found complete on resume, every end', async () => {
    const { validate, errors } = journalValidator();
    const path = journalPath();
    const plan = planOf(changeMoves(), deployedState());
    const options = { parallelism: 2, retries: 0, retryWaitMs: 0 };
    // 1. The backend fails a move (FAILED with its stderr), the run ends failed.
    const backend = new MemoryBackend(deployedState(), { fail: (m) => (m.id === 'm005-route-ranker' ? 'no' : undefined) });
    expect((await applyPlan(plan, backend, new FileJournalStore(path), 'p', options)).outcome).toBe('failed');
    // 2. Asked to stop after one more move: interrupted.
    backend.faults = {};
    let started = 0;
    const stop = { ...options, parallelism: 1, shouldStop: () => started > 0, onEvent: (e: { type: string }) => void (e.type === 'move-start' && started++) };
    expect((await applyPlan(plan, backend, new FileJournalStore(path), 'p', stop)).outcome).toBe('interrupted');
    // 3. A crash after a move changed the backend, before its COMPLETE line: found complete on resume.
    const next = plan.moves.find((m) => readJournal(path).status.get(m.id) !== 'COMPLETE' && m.dependsOn.every((d) => readJournal(path).status.get(d) === 'COMPLETE'))!;
    await new FileJournalStore(path).append({ type: 'move', at: new Date().toISOString(), move: next.id, status: 'RUNNING' });
    await backend.execute(next);
    expect((await applyPlan(plan, backend, new FileJournalStore(path), 'p', options)).outcome).toBe('complete');
    // 4. An edited plan with a move that would break the invariant: refused (FAILED, not executed).
    const refusedPath = journalPath();
    const greedy = planOf([{ ...changeMoves()[4], dependsOn: [] }], deployedState());
    expect((await applyPlan(greedy, new MemoryBackend(deployedState()), new FileJournalStore(refusedPath), 'q', options)).outcome).toBe('failed');

    const records = [path, refusedPath].flatMap((p) => readFileSync(p, 'utf8').trimEnd().split('\n')).map((line) => JSON.parse(line) as JournalRecord);
    for (const r of records) expect(validate(r), `${JSON.stringify(r)}: ${errors()}`).toBe(true);
    const kinds = new Set(records.map((r) => (r.type === 'move' ? `${r.status}${r.reason && r.status === 'COMPLETE' ? ' (found on resume)' : ''}${r.stderr ? ' +stderr' : ''}` : r.type === 'end' ? `end ${r.outcome}` : r.type)));
    expect([...kinds].sort()).toEqual(['COMPLETE (found on resume)', 'COMPLETE +stderr', 'FAILED', 'FAILED +stderr', 'RUNNING', 'end complete', 'end failed', 'end interrupted', 'start']);
  });

  it('rejects what is not a journal record', () => {
    const { validate } = journalValidator();
    expect(validate(running)).toBe(true);
    expect(validate({ ...running, status: 'DONE' })).toBe(false);
    expect(validate({ ...running, at: 'yesterday' })).toBe(false);
    expect(validate({ ...start, extra: 1 })).toBe(false);
    expect(validate({ type: 'end', at: start.at })).toBe(false);
  });
});

