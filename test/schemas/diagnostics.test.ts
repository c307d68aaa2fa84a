import { Ajv } from 'ajv';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { error as langError } from '../../lang/diagnostics.js';
import { diagnosticOf, fromLangDiagnostic, GlobeError } from '../../schemas/diagnostic.js';
import { Diagnostic } from '../../schemas/diagnostic.schema.js';
import type { Plan } from '../../schemas/plan.js';
import { PlanGraphError, StalePlanError } from '../../executor/apply.js';
import { BackendUnavailable } from '../../executor/backends/index.js';
import { HookError } from '../../executor/backends/exec.js';
import { StrayHookError } from '../../executor/backends/hook-groups.js';
import { PostgresError } from '../../executor/backends/postgres.js';
import { JournalError } from '../../executor/journal.js';
import { LockError } from '../../executor/lock.js';
import { PlanBindingError } from '../../executor/plan-binding.js';
import { StateError } from '../../executor/state-file.js';
import { PlannerError } from '../../planner/index.js';
import { WhatIfError } from '../../planner/what-if.js';
import { CliError } from '../../cli/output.js';
import { renderDiagnostic, renderDiagnostics } from '../../cli/render/diagnostic-text.js';
import { githubAnnotations } from '../../cli/render/diagnostic-github.js';
import { globe, ROOT } from '../support/cli.js';

const validate = new Ajv({ allErrors: true, strict: false }).compile(Diagnostic);

describe('a document that is not a Diagnostic is refused', () => {
  it('refuses an unknown field, at the top or in a source, and a code that is not kebab-case', () => {
    const source = { file: 'a.globe', line: 3, col: 5, endLine: 3, endCol: 9, lineText: '  demand x' };
    const d: Diagnostic = { severity: 'error', code: 'unknown-reference', message: 'region `x` is not declared', source, detail: 'more', fix: 'declare it', related: [{ message: 'first here', source }] };
    expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...d, extra: 1 })).toBe(false);
    expect(validate({ ...d, source: { ...source, extra: 1 } })).toBe(false);
    expect(validate({ ...d, code: 'Unknown Reference' })).toBe(false);
    expect(validate({ severity: 'error', code: 'stale-plan', message: 'plan again' })).toBe(true);
  });
});

describe('every stage produces the one Diagnostic', () => {
  it('a language diagnostic becomes one with a source spanning the same characters', () => {
    const span = (line: number, col: number, endCol: number) => ({ file: 'w.globe', start: { line, col }, end: { line, col: endCol } });
    const d = fromLangDiagnostic(langError('duplicate', 'tenant `t` is defined more than once', span(8, 10, 15), [{ message: 'first defined here', span: span(2, 10, 15) }]));
    expect(d).toEqual({
      severity: 'error',
      code: 'duplicate',
      message: 'tenant `t` is defined more than once',
      source: { file: 'w.globe', line: 8, col: 10, endLine: 8, endCol: 15 },
      related: [{ message: 'first defined here', source: { file: 'w.globe', line: 2, col: 10, endLine: 2, endCol: 15 } }],
    });
    expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
  });

  it('every error the planner and executor throw for the user carries a Diagnostic with its own code', () => {
    const errors: GlobeError[] = [
      new StalePlanError('m'),
      new PlanGraphError('m'),
      new PlanBindingError('m'),
      new StrayHookError('m'),
      new JournalError('m'),
      new LockError('m'),
      new StateError('m'),
      new HookError('m', 'stderr'),
      new BackendUnavailable('m'),
      new PostgresError('m'),
      new PlannerError('m'),
      new WhatIfError('m'),
      new CliError('m'),
    ];
    const diagnostics = errors.map((e) => diagnosticOf(e)!);
    for (const d of diagnostics) {
      expect(d.severity).toBe('error');
      expect(d.message).toBe('m');
      expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(new Set(diagnostics.map((d) => d.code)).size).toBe(errors.length);
    // A plain Error is a bug in globe, not a diagnostic: main's handler reports it as one.
    expect(diagnosticOf(new Error('bug'))).toBeUndefined();
  });

  it("a saved plan's findings are Diagnostics (the Plan's shape unchanged: source without span end)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-diag-short-'));
    const search = readFileSync(join(ROOT, 'examples', 'quickstart', 'search.globe'), 'utf8').replace('us-east = 900rps', 'us-east = 90000rps');
    writeFileSync(join(dir, 'search.globe'), search);
    writeFileSync(join(dir, 'world.globe'), readFileSync(join(ROOT, 'examples', 'quickstart', 'world.globe'), 'utf8'));
    const r = globe(['plan', dir, '--lock', 'false', '--out', join(dir, 'plan.json')]);
    expect(r.code, r.stderr).toBe(0);
    // the terminal shows a finding as it shows a language error: code, file:line:col, the line, a caret
    expect(r.stderr).toContain(`warning[unserved-demand]: `);
    expect(r.stderr).toContain(` --> ${join(dir, 'search.globe')}:5:20\n  |\n5 |     demand query { us-east = 90000rps`);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(plan.findings!.length).toBeGreaterThan(0);
    for (const { path: _path, reason: _reason, ...diagnostic } of plan.findings!) {
      expect(validate(diagnostic), JSON.stringify(validate.errors)).toBe(true);
      if (diagnostic.source) expect(Object.keys(diagnostic.source).sort()).toEqual(['col', 'file', 'line']);
    }
  });
});

describe('one rendering of a Diagnostic', () => {
  const located: Diagnostic = {
    severity: 'error',
    code: 'unknown-reference',
    message: 'region `us-esat` is not declared',
    source: { file: 'a.globe', line: 12, col: 19, endLine: 12, endCol: 25, lineText: '    demand read { us-esat = 200rps }' },
  };

  it('with a source: the message, file:line:col, the offending line and a caret under the span', () => {
    expect(renderDiagnostics([located], new Map(), { color: false })).toBe(
      [
        'error[unknown-reference]: region `us-esat` is not declared',
        '  --> a.globe:12:19',
        '   |',
        '12 |     demand read { us-esat = 200rps }',
        '   |                   ^^^^^^^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  it('the offending line comes from the file when the diagnostic does not carry it', () => {
    const { lineText: _, ...source } = located.source!;
    const text = renderDiagnostic({ ...located, source }, new Map([['a.globe', `${'\n'.repeat(11)}    demand read { us-esat = 200rps }\n`]]), { color: false });
    expect(text).toContain('12 |     demand read { us-esat = 200rps }\n   |                   ^^^^^^^\n');
  });

  it('without a source: one line, as every command that stops prints it', () => {
    expect(renderDiagnostic({ severity: 'error', code: 'lock', message: 'the state is not locked' }, new Map(), { color: false })).toBe('globe: the state is not locked\n');
    expect(renderDiagnostic({ severity: 'warning', code: 'x', message: 'careful', fix: 'do y' }, new Map(), { color: false })).toBe('globe: warning: careful\n  fix: do y\n');
  });

  it('GitHub annotations read the same data, with or without a source', () => {
    const sourceless: Diagnostic = { severity: 'error', code: 'stale-plan', message: 'plan again, 2: now' };
    expect(githubAnnotations([located, sourceless], '/')).toBe(
      '::error::stale-plan: plan again, 2: now\n::error file=a.globe,line=12,col=19::unknown-reference: region `us-esat` is not declared\n',
    );
  });
});

describe('an error of any stage reaches the user as its diagnostic', () => {
  it('a damaged state file under `simulate` is one line and exit 1, not an internal error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-diag-state-'));
    for (const f of ['search.globe', 'world.globe']) writeFileSync(join(dir, f), readFileSync(join(ROOT, 'examples', 'quickstart', f), 'utf8'));
    mkdirSync(join(dir, '.globe'));
    writeFileSync(join(dir, '.globe', 'state.json'), '{"version": 1, "lineage": 5}');
    const r = globe(['simulate', dir, '--fail', 'all']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^globe: the state file .*state\.json is not a valid globe state: `serial` is missing; restore it from .*\n$/);
    expect(r.stderr).not.toContain('internal error');
  });

  it('on GitHub Actions, a failure without a source (a corrupt state) is an annotation too, with its code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-diag-corrupt-'));
    for (const f of ['search.globe', 'world.globe']) writeFileSync(join(dir, f), readFileSync(join(ROOT, 'examples', 'quickstart', f), 'utf8'));
    mkdirSync(join(dir, '.globe'));
    writeFileSync(join(dir, '.globe', 'state.json'), '{ not json');
    const r = globe(['plan', dir, '--format', 'markdown', '--lock', 'false'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::'))).toEqual([expect.stringMatching(/^::error::state: the state file .*state\.json is corrupt: /)]);
  });
});
