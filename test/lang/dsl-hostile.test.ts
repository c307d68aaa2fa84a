import { describe, expect, it } from 'vitest';
import { checkSpec } from '../../lang/check/index.js';
import { formatGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { mergeFiles } from '../../lang/merge.js';

const summary = (text: string) => parseGlobe(text, 'a.globe').diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message}`);

describe('hostile DSL input gets diagnostics, not a stack overflow', () => {
  it('a statement missing a token reports the syntax error only, never a diagnostic without a position', () => {
    // Found by the loader fuzz: recovery inserts the missing `x…` with no position; its lowering said
    // "a replica takes at least one unit" at NaN:NaN.
    expect(summary('resource h { unit = gpu }\nservice s { tenant t {\n  replica h serves 10rps\n} }\n')).toEqual([
      'syntax@3:13 expected units per replica (`x1`, `x2`, ...), found `serves`',
    ]);
  });

  it.each([['service s { tenant t { replica x1 serves 1rps } }\n'], ['latency { a <-> = 5ms }\n']])(
    'a missing name is a syntax error, never an invented empty name in the Spec: %j',
    (text) => {
      const file = parseGlobe(text, 'a.globe');
      const merged = mergeFiles([file]);
      const all = [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)];
      expect(all.filter((d) => d.code === 'syntax')).toHaveLength(1);
      expect(all.every((d) => Number.isFinite(d.span.start.line) && Number.isFinite(d.span.start.col))).toBe(true);
      expect(JSON.stringify(merged.spec)).not.toContain('""');
    },
  );

  it('blocks nested absurdly deep', () => {
    const out = summary(`service s ${'{ a '.repeat(20_000)}\n`);
    expect(out).toContain('syntax@1:139 blocks are nested more than 32 levels deep');
    expect(out.join('\n')).not.toMatch(/internal error|call stack/);
    expect(formatGlobe(`service s ${'{ a '.repeat(20_000)}\n`, 'a.globe').diagnostics.length).toBeGreaterThan(0);
  });

  it('lists nested absurdly deep', () => {
    const out = summary(`backend exec { get_state = ${'['.repeat(20_000)} }\n`);
    expect(out).toContain('syntax@1:59 blocks are nested more than 32 levels deep');
    expect(out.join('\n')).not.toMatch(/internal error|call stack/);
  });

  it('a long run of stray words in a block', () => {
    const text = `region a { ${'x '.repeat(20_000)}}\n`;
    const out = summary(text);
    expect(out[0]).toBe("syntax@1:16 expected '{', found `x`");
    expect(out.join('\n')).not.toMatch(/internal error|call stack/);
    expect(formatGlobe(text, 'a.globe').text).toBe(text);
  });
});
