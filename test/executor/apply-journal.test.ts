/**
 * The apply journal as a user meets it: after a crash in the middle of
 * writing a journal line, the same command resumes, and the journal stays
 * usable for every run after that; a journal damaged anywhere else is
 * refused with one clear line.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../executor/journal.js';
import { CLI, ensureBuilt, globe, ROOT } from '../support/cli.js';
import { journalValidator } from '../support/journal-schema.js';
import { copyExample } from '../support/examples.js';

beforeAll(() => ensureBuilt());

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-apply-journal-'));
  copyExample(join(ROOT, 'examples', 'quickstart'), dir);
  rmSync(join(dir, '.globe'), { recursive: true, force: true });
  const r = globe(['plan', dir, '--out', join(dir, 'plan.json')]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

/** Apply, SIGKILLed right after the second move's COMPLETE line: returns the journal's path. */
function crashAfterTwoMoves(dir: string): string {
  const killed = spawnSync(process.execPath, [CLI, 'apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1'], {
    env: { ...process.env, CI: 'true', GLOBE_TEST_KILL_AT: '2:after-complete' },
    encoding: 'utf8',
  });
  expect(killed.signal).toBe('SIGKILL');
  const journalDir = join(dir, '.globe', 'journal');
  const [file] = readdirSync(journalDir);
  return join(journalDir, file);
}

const apply = (dir: string) => globe(['apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1']);

describe('the journal after a crash mid-write', () => {
  it('a torn last line is dropped on resume, and the journal stays readable for every later run', () => {
    const dir = project();
    const journal = crashAfterTwoMoves(dir);
    const complete = readJournal(journal).records.filter((r) => r.type === 'move' && r.status === 'COMPLETE');
    expect(complete).toHaveLength(2);
    appendFileSync(journal, '{"type":"move","at":"2026-01-01T00:00:00.000Z","move":"m0'); // the crash came mid-write

    const resumed = apply(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Resuming: 2 moves already complete');
    expect(resumed.stdout).toContain('the journal ended in a half-written line from the crash; it was dropped');
    expect(resumed.stdout).toMatch(/Apply complete/);

    // Every line of the journal is a whole record again, and running the same command once more works.
    const lines = readFileSync(journal, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const { validate, errors } = journalValidator();
    for (const line of lines.slice(0, -1)) expect(validate(JSON.parse(line)), `${line}: ${errors()}`).toBe(true);
    expect(readJournal(journal).tornLine).toBe(false);
    const again = apply(dir);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);

  it('a journal damaged before its last line is refused with one clear line, and left as it is', () => {
    const dir = project();
    const journal = crashAfterTwoMoves(dir);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[1] = lines[1].slice(0, 20);
    const damaged = lines.join('\n');
    writeFileSync(journal, damaged);

    const r = apply(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`globe: the journal ${journal} is damaged at line 2: it is not a journal record. It cannot be resumed from; move it aside to apply this plan from the start.\n`);
    expect(readFileSync(journal, 'utf8')).toBe(damaged);
  }, 120_000);
});
