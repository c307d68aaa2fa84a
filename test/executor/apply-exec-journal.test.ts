/**
 * What the journal keeps of an exec backend's hooks: each move's own stderr,
 * never that of the get_state read-back after it, nor of a move running beside it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../executor/journal.js';
import { ensureBuilt, globe } from '../support/cli.js';
import { gatedExecProject, openGate } from '../support/gated-exec.js';
import { journalValidator } from '../support/journal-schema.js';

beforeAll(() => ensureBuilt());

describe('the journal of an exec-backend apply', () => {
  it.each([1, 3])('with --parallelism %i, records with each COMPLETE move the stderr of that move’s own hook', (parallelism) => {
    const dir = gatedExecProject();
    openGate(dir); // the hooks say which command they ran on stderr; nothing needs holding here
    const r = globe(['apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', String(parallelism)]);
    expect(r.code, r.stderr).toBe(0);
    const journalDir = join(dir, '.globe', 'journal');
    const [file] = readdirSync(journalDir);
    const { records } = readJournal(join(journalDir, file));
    const { validate, errors } = journalValidator();
    for (const rec of records) expect(validate(rec), `${JSON.stringify(rec)}: ${errors()}`).toBe(true);
    const completed = records.flatMap((rec) => (rec.type === 'move' && rec.status === 'COMPLETE' ? [rec] : []));
    expect(completed.length).toBeGreaterThan(1);
    for (const rec of completed) {
      const kind = rec.move.match(/^m\d+-(upsize|downsize|route|shift)-/)?.[1];
      expect(kind, rec.move).toBeDefined();
      expect(rec.stderr?.startsWith(`${kind} hook says: `), `${rec.move}: ${rec.stderr}`).toBe(true);
      expect(rec.stderr, rec.move).toContain(rec.move); // the example hook names the move it carried out
    }
  }, 120_000);
});
