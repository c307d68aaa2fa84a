import { describe, expect, it } from 'vitest';
import type { SourceSpan } from '../../lang/diagnostics.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import type { LoadedFile } from '../../lang/loaded-file.js';
import { mergeFiles } from '../../lang/merge.js';
import { emptySpec } from '../../lang/spec.js';

const at = (file: string, line: number): SourceSpan => ({ file, start: { line, col: 1 }, end: { line, col: 1 } });

/** A file defining `n` regions with two supply entries each, as a parser would produce it. */
function bigFile(file: string, n: number): LoadedFile {
  const spec = emptySpec();
  const sourceMap = new Map<string, SourceSpan>();
  for (let i = 0; i < n; i++) {
    spec.regions[`r${i}`] = { locality: 'na', supply: { cpu: 4, gpu: 2 } };
    sourceMap.set(`regions/r${i}`, at(file, i + 1));
    sourceMap.set(`regions/r${i}/locality`, at(file, i + 1));
    sourceMap.set(`regions/r${i}/supply`, at(file, i + 1));
    sourceMap.set(`regions/r${i}/supply/cpu`, at(file, i + 1));
    sourceMap.set(`regions/r${i}/supply/gpu`, at(file, i + 1));
    if (i > 0) spec.latency.push({ a: `r${i - 1}`, b: `r${i}`, ms: 5 });
    if (i > 0) sourceMap.set(`latency/r${i - 1}/r${i}`, at(file, i + 1));
  }
  return { spec, sourceMap, diagnostics: [] };
}

describe('merging the files of a project', () => {
  it('merges 20,000 regions and their latency pairs correctly (linear by construction: one map lookup per definition)', () => {
    // No wall-clock bound: on a loaded machine one took 6 s (and failed) for work that takes 0.1 s alone.
    const files = [bigFile('a.globe', 20_000), bigFile('b.globe', 10)];
    const merged = mergeFiles(files);
    expect(Object.keys(merged.spec.regions)).toHaveLength(20_000);
    expect(merged.spec.latency).toHaveLength(19_999);
    expect(merged.sourceMap.get('regions/r19999/supply/gpu')).toEqual(at('a.globe', 20_000));
    // b.globe defines r0..r9 again: ten duplicates pointing back at a.globe; its equal latency pairs are fine
    expect(merged.diagnostics.map((d) => d.code)).toEqual(Array(10).fill('duplicate'));
    expect(merged.diagnostics[0].related?.[0].span).toEqual(at('a.globe', 1));
  });

  it('keeps each definition’s source positions from the file that defines it, and only those', () => {
    const a = parseGlobe('region a { locality = na  supply { cpu = 4 } }\nlatency {\n  a <-> b = 10ms\n}\n', 'a.globe');
    const b = parseGlobe('\nregion a { locality = eu }\nregion ab { locality = eu  supply { cpu = 1 } }\nlatency {\n  b <-> a = 12ms\n}\n', 'b.globe');
    const merged = mergeFiles([a, b]);
    expect(merged.spec.regions.a.locality).toBe('na');
    expect(merged.sourceMap.get('regions/a/supply/cpu')?.file).toBe('a.globe');
    expect(merged.sourceMap.get('regions/a/locality')?.file).toBe('a.globe');
    expect(merged.sourceMap.get('regions/ab/supply/cpu')?.file).toBe('b.globe');
    expect(merged.sourceMap.get('latency/a/b')?.file).toBe('a.globe');
    expect(merged.diagnostics.map((d) => `${d.code} ${d.span.file}:${d.span.start.line} ${d.related?.[0].span.file}:${d.related?.[0].span.start.line}`)).toEqual([
      'duplicate b.globe:2 a.globe:1',
      'latency-conflict b.globe:5 a.globe:3',
    ]);
  });
});
