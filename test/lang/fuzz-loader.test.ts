import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSpec } from '../../lang/check/index.js';
import { canonicalJson } from '../../lang/canonical-json.js';
import { emitGlobe, formatGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { mergeFiles } from '../../lang/merge.js';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';
import { ROOT } from '../support/cli.js';

const seeds = {
  dsl: readFileSync(join(ROOT, 'examples/global/world.globe'), 'utf8') + readFileSync(join(ROOT, 'examples/global/inference.globe'), 'utf8'),
  yaml: readFileSync(join(ROOT, 'examples/global/storage.yaml'), 'utf8'),
};
const SNIPPETS = [
  ...['{', '}', '=', '<->', '<', 'rps', '%', 'ms', 'x2', '[', ']', ',', '"', '#', '&a', '*a', ': ', '- ', '\n', '\t', '\u00ff', '999999999999999999999', '-1', 'tenant', 'region'],
  // magnitudes and exponents (bounded since issue 14), YAML beyond plain data
  ...['1e30', '1e30rps', '1000000001rps', '61s', '101%', 'x1000000001', '!!binary aGk=', '!!set', '!!timestamp', '!foo', '? ', '---\n', '%YAML 1.1\n---\n', '<<: *a', '~', '.inf', '__proto__', 'constructor'],
];

/** A random edit of a valid file: delete, duplicate or insert something, or flip a character. */
const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(length), n: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(length), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 8 })) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(length), n: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(length), code: fc.integer({ min: 0, max: 0x2fff }) }),
  );

type Mutation = { kind: 'delete'; at: number; n: number } | { kind: 'insert'; at: number; text: string } | { kind: 'duplicate'; at: number; n: number } | { kind: 'flip'; at: number; code: number };

function apply(text: string, m: Mutation): string {
  switch (m.kind) {
    case 'delete':
      return text.slice(0, m.at) + text.slice(m.at + m.n);
    case 'insert':
      return text.slice(0, m.at) + m.text + text.slice(m.at);
    case 'duplicate':
      return text.slice(0, m.at + m.n) + text.slice(m.at, m.at + m.n) + text.slice(m.at + m.n);
    case 'flip':
      return text.slice(0, m.at) + String.fromCharCode(m.code) + text.slice(m.at + 1);
  }
}

function loadsWithoutThrowing(text: string, kind: 'dsl' | 'yaml'): boolean {
  const file = kind === 'dsl' ? parseGlobe(text, 'fuzz.globe') : loadYaml(text, 'fuzz.yaml');
  const merged = mergeFiles([file]);
  const diagnostics = [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)];
  // Every diagnostic is well formed: positions a user can jump to.
  return diagnostics.every((d) => d.span.start.line >= 1 && d.span.start.col >= 1 && typeof d.message === 'string' && d.message.length > 0);
}

describe('the loader never throws', () => {
  for (const kind of ['dsl', 'yaml'] as const) {
    it(`on random mutations of a valid ${kind} file: it returns diagnostics or a Spec`, () => {
      const seed = seeds[kind];
      fc.assert(
        fc.property(fc.array(mutation(seed.length), { minLength: 1, maxLength: 6 }), (mutations) => {
          const text = mutations.reduce(apply, seed);
          expect(loadsWithoutThrowing(text, kind)).toBe(true);
        }),
        { numRuns: 200, seed: 20261124 },
      );
    });

    it(`on arbitrary strings as ${kind}`, () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
          expect(loadsWithoutThrowing(text, kind)).toBe(true);
        }),
        { numRuns: 300, seed: 7 },
      );
    });
  }

  it('fmt, on random mutations of a valid DSL file, is idempotent and keeps the meaning and the diagnostics', () => {
    const seed = seeds.dsl;
    const codes = (text: string) => parseGlobe(text, 'f.globe').diagnostics.map((d) => d.code).sort();
    fc.assert(
      fc.property(fc.array(mutation(seed.length), { minLength: 1, maxLength: 4 }), (mutations) => {
        const text = mutations.reduce(apply, seed);
        const once = formatGlobe(text, 'f.globe');
        if (once.diagnostics.some((d) => d.severity === 'error')) return; // left untouched, tested elsewhere
        expect(formatGlobe(once.text, 'f.globe').text).toBe(once.text);
        expect(canonicalJson(parseGlobe(once.text, 'f.globe').spec)).toBe(canonicalJson(parseGlobe(text, 'f.globe').spec));
        expect(codes(once.text)).toEqual(codes(text));
      }),
      { numRuns: 150, seed: 20261203 },
    );
  });

  it('convert, on random mutations that are still valid, round-trips through both spellings', () => {
    const seed = seeds.dsl;
    fc.assert(
      fc.property(fc.array(mutation(seed.length), { minLength: 1, maxLength: 3 }), (mutations) => {
        const merged = mergeFiles([parseGlobe(mutations.reduce(apply, seed), 'f.globe')]);
        if ([...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)].some((d) => d.severity === 'error')) return;
        for (const back of [parseGlobe(emitGlobe(merged.spec), 'e.globe'), loadYaml(emitYaml(merged.spec), 'e.yaml')]) {
          expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          expect(canonicalJson(back.spec)).toBe(canonicalJson(merged.spec));
        }
      }),
      { numRuns: 150, seed: 20261204 },
    );
  });
});
