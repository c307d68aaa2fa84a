import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, loadProject } from '../../lang/project.js';

describe('reading a project', () => {
  it('does not take a directory whose name ends in .globe for a spec file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-project-'));
    writeFileSync(join(dir, 'a.globe'), 'region a { locality = na }\n');
    mkdirSync(join(dir, 'old.globe'));
    const project = await loadProject(dir);
    expect(project.diagnostics).toEqual([]);
    expect(Object.keys(project.spec.regions)).toEqual(['a']);
  });

  it('places the first bad byte exactly, also when it starts a sequence that is cut short', () => {
    const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    expect(decodeUtf8(bytes('# caf', [0xe9], '\n'))).toEqual({ line: 1, col: 6 });
    expect(decodeUtf8(bytes('a\nb', [0xf0, 0x9f], 'x'))).toEqual({ line: 2, col: 2 });
    expect(decodeUtf8(bytes('é', [0xc3]))).toEqual({ line: 1, col: 2 });
    expect(decodeUtf8(bytes('ok', [0xed, 0xa0, 0x80]))).toEqual({ line: 1, col: 3 }); // a surrogate
    expect(decodeUtf8(bytes('\ufeffab'))).toBe('\ufeffab'); // the BOM is left for the caller
  });
});
