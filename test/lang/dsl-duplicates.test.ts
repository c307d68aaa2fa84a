import { describe, expect, it } from 'vitest';
import { parseGlobe } from '../../lang/dsl/index.js';

function diagnostics(text: string): string[] {
  return parseGlobe(text, 'a.globe').diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message} (first: ${d.related?.[0]?.span.start.line}:${d.related?.[0]?.span.start.col})`);
}

describe('a property given twice in one block', () => {
  it('is an error pointing back at the first value, in every kind of block (as in tenants)', () => {
    const text = [
      'resource cpu { unit = server  cost = 1  cost = 2 }',
      'region a { locality = na  locality = eu }',
      'product p {',
      '  demand { a = 1 }',
      '  latency < 70ms',
      '  latency < 80ms',
      '  total = 1',
      '  total = 2',
      '  avoid [a]',
      '  avoid [b]',
      '}',
      'reservation r { cpu = 1  in na  in eu }',
      'planner { gap = 1%  gap = 2%  churn = 1  churn = 2 }',
      '',
    ].join('\n');
    expect(diagnostics(text)).toEqual([
      'duplicate@1:41 `cost` of resource `cpu` is defined more than once (first: 1:38)',
      'duplicate@2:27 locality of region `a` is defined more than once (first: 2:23)',
      'duplicate@6:3 latency of product `p` is defined more than once (first: 5:13)',
      'duplicate@8:3 `total` of product `p` is defined more than once (first: 7:11)',
      'duplicate@10:3 `avoid` of product `p` is defined more than once (first: 9:3)',
      'duplicate@12:33 locality of reservation `r` is defined more than once (first: 12:29)',
      'duplicate@13:21 `gap` of the planner is defined more than once (first: 13:17)',
      'duplicate@13:42 `churn` of the planner is defined more than once (first: 13:39)',
    ]);
  });

  it('keeps the first value and the source map pointing at it', () => {
    const { spec, sourceMap } = parseGlobe('resource cpu { cost = 1  cost = 2 }\nplanner { churn = 1  churn = 2 }\n', 'a.globe');
    expect(spec.resources.cpu.cost).toBe(1);
    expect(spec.planner?.weights).toEqual({ churn: 1 });
    expect(sourceMap.get('resources/cpu/cost')?.start).toEqual({ line: 1, col: 23 });
  });
});

describe('strings', () => {
  it('with an escape JSON does not know are an error at the string, not a crash', () => {
    expect(diagnostics('backend file { path = "a\\q" }\n')).toEqual([
      'invalid-value@1:23 path: not a valid string (allowed escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX; no tabs or control characters) (first: undefined:undefined)',
    ]);
    const exec = parseGlobe('backend exec {\n  get_state = ["a\\x"]\n  upsize = ["a"]\n  route = ["a"]\n  downsize = ["a"]\n}\n', 'a.globe');
    expect(exec.diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col}`)).toEqual(['invalid-value@2:16']);
  });
});
