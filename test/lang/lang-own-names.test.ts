import { describe, expect, it } from 'vitest';
import { checkSpec } from '../../lang/check/index.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import { mergeFiles } from '../../lang/merge.js';

function check(text: string): string[] {
  const merged = mergeFiles([parseGlobe(text, 'a.globe')]);
  return [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)].map((d) => `${d.severity}:${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message}`);
}

describe('names that are also Object.prototype properties', () => {
  it('an undeclared resource, region or product called `constructor` is an unknown reference', () => {
    const out = check(
      'resource cpu { unit = server }\nregion a { locality = na  supply { cpu = 4 } }\nservice s {\n  tenant t {\n    demand read { a = 1rps }\n    latency read < 70ms\n    replica constructor x1 serves 10rps\n    avoid [constructor]\n  }\n  follows constructor { cpu = 1 per unit }\n}\n',
    );
    expect(out).toEqual([
      'error:unknown-reference@7:13 resource `constructor` is not declared',
      'error:unknown-reference@8:12 region `constructor` is not declared',
      'error:unknown-reference@10:11 product `constructor` is not declared',
    ]);
  });

  it('a request class called `constructor` with demand still needs a latency threshold', () => {
    const out = check(
      'resource cpu { unit = server }\nregion a { locality = na  supply { cpu = 4 } }\nservice s {\n  tenant t {\n    demand constructor { a = 1rps }\n    replica cpu x1 serves 10rps\n  }\n}\n',
    );
    expect(out).toEqual(['error:invalid-value@5:12 request class `constructor` has demand but no latency threshold: add `latency constructor < continental`']);
  });
});
