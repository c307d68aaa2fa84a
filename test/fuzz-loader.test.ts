import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSpec } from '../lang/check/index.js';
import { parseGlobe } from '../lang/dsl/index.js';
import { mergeFiles } from '../lang/merge.js';
import { loadYaml } from '../lang/yaml/index.js';
import { ROOT } from './support/cli.js';

const seeds = {
  dsl: readFileSync(join(ROOT, 'examples/global/world.globe'), 'utf8') + readFileSync(join(ROOT, 'examples/global/inference.globe'), 'utf8'),
  yaml: readFileSync(join(ROOT, 'examples/global/storage.yaml'), 'utf8'),
};
const SNIPPETS = ['{', '}', '=', '<->', '<', 'rps', '%', 'ms', 'x2', '[', ']', ',', '"', '#', '&a', '*a', ': ', '- ', '\n', '\t', '\u00ff', '999999999999999999999', '-1', 'tenant', 'region'];

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
});
