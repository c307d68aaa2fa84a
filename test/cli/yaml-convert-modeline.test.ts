import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { specSchemaId } from '../../lang/schema-files.js';
import { globe, ROOT } from '../support/cli.js';

const source = join(ROOT, 'examples', 'quickstart', 'search.globe');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'globe-modeline-'));
  dirs.push(d);
  return d;
}

describe('globe convert --to yaml writes a modeline that does not depend on where globe is installed', () => {
  it("writes the schema's $id, the same from any directory and for any output path", () => {
    const a = tempDir();
    const b = join(tempDir(), 'deep', 'er');
    mkdirSync(b, { recursive: true });
    expect(globe(['convert', source, '--to', 'yaml', '--out', join(a, 'search.yaml')], { cwd: a }).code).toBe(0);
    expect(globe(['convert', source, '--to', 'yaml', '--out', join(b, 'search.yaml')], { cwd: ROOT }).code).toBe(0);
    const stdout = globe(['convert', source, '--to', 'yaml'], { cwd: tmpdir() });
    const first = readFileSync(join(a, 'search.yaml'), 'utf8');
    expect(first.split('\n')[0]).toBe(`# yaml-language-server: $schema=${specSchemaId()}`);
    expect(specSchemaId()).toMatch(/^https:\/\//);
    expect(readFileSync(join(b, 'search.yaml'), 'utf8')).toBe(first);
    expect(stdout.stdout).toBe(first);
  });

  it('--schema writes another reference as given, or none', () => {
    const rel = globe(['convert', source, '--to', 'yaml', '--schema', 'node_modules/globe/schemas/spec.schema.json']);
    expect(rel.stdout.split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/globe/schemas/spec.schema.json');
    const none = globe(['convert', source, '--to', 'yaml', '--schema', 'none']);
    expect(none.stdout.startsWith('services:')).toBe(true);
    const bad = globe(['convert', source, '--to', 'yaml', '--schema', 'a b']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--schema must be a URL, a path without spaces or none');
  });

  it('the docs name the same reference', () => {
    for (const doc of ['language.md', 'editors.md']) {
      expect(readFileSync(join(ROOT, 'docs', doc), 'utf8')).toContain(`# yaml-language-server: $schema=${specSchemaId()}`);
    }
  });
});
