import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import type { Diagnostic } from '../../schemas/diagnostic.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';

/** Bad projects and the exact stderr `globe validate` prints for each: review changes like code. */
const BAD: Record<string, Record<string, string | Buffer>> = {
  'dsl-syntax': { 'a.globe': 'region a { locality = = na }\nresource b { unit = }\n' },
  'unknown-keyword': { 'a.globe': 'resource cpu { unit = server }\nservice s {\n  tenant t {\n    priorty = 3\n  }\n}\n' },
  'unterminated-block': { 'a.globe': 'region a {\n  locality = na\n\nresource cpu { unit = server }\n' },
  'wrong-unit': {
    'a.globe': 'resource cpu { unit = server }\nregion a { locality = na  supply { cpu = 4 } }\nservice s {\n  tenant t {\n    demand read { a = 20ms }\n    latency read < 70\n    replica cpu x1 serves 10rps\n  }\n}\n',
  },
  'duplicate-across-files': { 'a.globe': 'region a { locality = na }\n', 'b.yaml': 'regions:\n  a: { locality: eu }\n' },
  'unknown-reference': {
    'a.globe': 'resource cpu { unit = server }\nregion us-east { locality = na  supply { cpu = 4 } }\nservice s {\n  tenant t {\n    demand read { us-esat = 20rps }\n    latency read < 70ms\n    replica gpu x1 serves 10rps\n  }\n}\n',
  },
  'unreachable-demand': {
    'a.globe':
      'resource cpu { unit = server }\nregion a { locality = na  supply { cpu = 4 } }\nregion b { locality = eu  supply { cpu = 4 } }\nlatency {\n  a <-> b = 90ms\n}\nservice s {\n  tenant t {\n    demand read { b = 20rps }\n    latency read < 20ms\n    replica cpu x1 serves 10rps\n    avoid [b]\n  }\n}\n',
  },
  'yaml-syntax': { 'a.yaml': 'regions:\n  a: { locality: na\nresources: {}\n' },
  'yaml-schema': { 'a.yaml': 'resources:\n  cpu: { unit: server, cots: 1 }\nregions:\n  a: { locality: na, supply: { cpu: -1 } }\n' },
  'yaml-alias-bomb': {
    'a.yaml': ['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]'].join('\n') + '\n',
  },
  'not-utf8': { 'a.globe': Buffer.from([0x72, 0x65, 0x67, 0x0a, 0x61, 0xff, 0xfe, 0x0a]) },
  'empty-dir': {},
};

let base: string;
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'globe-bad-'));
  for (const [name, files] of Object.entries(BAD)) {
    mkdirSync(join(base, name));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(base, name, file), content);
  }
});

describe('globe validate on bad input', () => {
  it.each(Object.keys(BAD))('%s: exits 1 with the golden diagnostics', (name) => {
    const r = globe(['validate', name], { cwd: base });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // never a stack trace
    const golden = join(ROOT, 'test', 'golden', 'diagnostics', `${name}.txt`);
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, r.stderr);
    expect(r.stderr).toBe(readFileSync(golden, 'utf8'));
  });

  it('refuses a file larger than 5 MB without reading it', () => {
    const dir = join(base, 'huge');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'big.globe'), '#'.repeat(6 * 1024 * 1024));
    const r = globe(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[file-too-large]');
  });

  it('answers a 4 MB file of garbage with diagnostics, not a hang or a crash', () => {
    const dir = join(base, 'garbage');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'g.globe'), 'region { = } '.repeat(300_000));
    const r = globe(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[syntax]');
  });

  it('refuses a single file that is not a spec file, naming the accepted extensions', () => {
    const dir = join(base, 'single');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'regions:\n  a: { locality: na }\n');
    const r = globe(['validate', 'single/notes.txt'], { cwd: base });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error[io-error]: single/notes.txt is not a spec file: globe reads *.globe, *.yaml and *.yml files\n --> single/notes.txt:1:1\n\n1 error\n',
    );
  });

  it('prints diagnostics as JSON with --json, each in the one Diagnostic shape (schemas/diagnostic.schema.json)', () => {
    const r = globe(['validate', 'unknown-reference', '--json'], { cwd: base });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Diagnostic[] };
    expect(Object.keys(out)).toEqual(['valid', 'diagnostics']);
    expect(out.valid).toBe(false);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'diagnostic.schema.json'), 'utf8')));
    for (const d of out.diagnostics) expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
    expect(out.diagnostics.map((d) => d.code)).toEqual(['unknown-reference', 'unknown-reference']);
    expect(out.diagnostics[0]).toEqual({
      severity: 'error',
      code: 'unknown-reference',
      message: expect.stringContaining('`us-esat`'),
      source: { file: join('unknown-reference', 'a.globe'), line: 5, col: 19, endLine: 5, endCol: 25, lineText: '    demand read { us-esat = 20rps }' },
    });
  });

  it('--json on a valid project: valid, no diagnostics', () => {
    const r = globe(['validate', join(ROOT, 'examples', 'quickstart'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, diagnostics: [] });
  });
});

describe('globe validate, fmt and convert on the examples', () => {
  const examples = readdirSync(join(ROOT, 'examples')).filter((d) => existsSync(join(ROOT, 'examples', d, 'README.md')) && d !== 'exec-backend' && d !== 'ci'); // examples/ci is a CI recipe, not a project

  it.each(examples)('examples/%s validates and prints its summary', (name) => {
    const r = globe(['validate', `examples/${name}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Valid: \d+ files?, \d+ regions? \(\d+ localit(y|ies)\), /);
  });

  it('fmt --check passes on the examples', () => {
    const r = globe(['fmt', '--check', 'examples']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('fmt rewrites a file in place, --check and --diff do not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-fmt-'));
    const file = join(dir, 'a.globe');
    writeFileSync(file, 'resource cpu {unit=server}\n');
    const check = globe(['fmt', '--check', dir]);
    expect(check.code).toBe(1);
    const diff = globe(['fmt', '--diff', dir]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('-resource cpu {unit=server}\n+resource cpu { unit = server }');
    expect(readFileSync(file, 'utf8')).toBe('resource cpu {unit=server}\n');
    const fix = globe(['fmt', dir]);
    expect(fix.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('resource cpu { unit = server }\n');
    expect(globe(['fmt', '--check', dir]).code).toBe(0);
  });

  it('fmt refuses a file that is not UTF-8 with its position, and leaves it untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-fmt-'));
    const file = join(dir, 'a.globe');
    const bytes = Buffer.concat([Buffer.from('resource cpu {unit=server}\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    writeFileSync(file, bytes);
    for (const args of [['fmt', 'a.globe'], ['fmt', '.'], ['fmt', '--check', '.']]) {
      const r = globe(args, { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('error[not-utf8]: file is not valid UTF-8: re-save it as UTF-8\n --> a.globe:2:6\n  |\n2 | # caf\ufffd\n  |      ^\n\n1 error\n');
      expect(readFileSync(file)).toEqual(bytes);
    }
  });

  it('fmt keeps a byte-order mark and formats the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-fmt-'));
    const file = join(dir, 'a.globe');
    writeFileSync(file, '\ufeffresource cpu {unit=server}\n');
    const r = globe(['fmt', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('\ufeffresource cpu { unit = server }\n');
  });

  it('fmt refuses to format a file that is not *.globe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-fmt-'));
    writeFileSync(join(dir, 'a.yaml'), 'regions: {}\n');
    const r = globe(['fmt', 'a.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a.yaml is not a *.globe file: globe fmt formats the DSL only');
    expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe('regions: {}\n');
  });

  it('convert turns DSL into YAML and back, refusing to overwrite without --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-convert-'));
    const out = join(dir, 'search.yaml');
    expect(globe(['convert', 'examples/quickstart/search.globe', '--to', 'yaml', '--out', out]).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^# yaml-language-server: \$schema=.*schemas\/spec\.schema\.json\n/);
    expect(globe(['convert', 'examples/quickstart/search.globe', '--to', 'yaml', '--out', out]).code).toBe(1);
    const back = globe(['convert', out, '--to', 'globe']);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('tenant ranker {');
    // a project made of the world file and the converted YAML validates like the original
    writeFileSync(join(dir, 'world.globe'), readFileSync(join(ROOT, 'examples/quickstart/world.globe')));
    expect(globe(['validate', dir]).stdout).toBe(globe(['validate', 'examples/quickstart']).stdout);
  });
});

describe('command loading', () => {
  beforeAll(() => ensureBuilt());

  it('globe --help lists every command, though each loads on demand', () => {
    const r = globe(['--help']);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.split('Commands:')[1].matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(listed).toEqual(['validate', 'fmt', 'convert', 'plan', 'show', 'apply', 'force-unlock', 'simulate', 'init', 'state', 'lsp', 'worker']);
  });

  it('a misspelt command is suggested, and a command\'s own --help works alone', () => {
    const wrong = globe(['plna']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Did you mean plan\?/);
    const help = globe(['apply', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: globe apply/m);
  });
});
