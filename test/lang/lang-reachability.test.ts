import { describe, expect, it } from 'vitest';
import { checkSpec } from '../../lang/check/index.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import { mergeFiles } from '../../lang/merge.js';

function check(text: string): string[] {
  const merged = mergeFiles([parseGlobe(text, 'a.globe')]);
  return [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)].map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message}`);
}

const world = (supplyA: number, supplyB: number) =>
  `resource cpu { unit = server }\nregion a { locality = na  supply { cpu = ${supplyA} } }\nregion b { locality = eu  supply { cpu = ${supplyB} } }\nlatency {\n  a <-> b = 90ms\n}\n`;
const tenant = (units: number) => `service s {\n  tenant t {\n    demand read { a = 20rps }\n    latency read < 20ms\n    replica cpu x${units} serves 10rps\n  }\n}\n`;

describe('reachability counts whole replicas', () => {
  it('a region whose supply is smaller than one replica does not serve the demand near it', () => {
    expect(check(world(4, 16) + tenant(8))).toEqual([
      'unreachable-demand@9:19 demand of `s/t` class `read` from `a` cannot be served within 20ms: the nearest region with enough cpu for one replica is `b`, 90ms away (a is within reach but has not enough cpu for one replica)',
    ]);
  });

  it('no region at all can hold one replica', () => {
    expect(check(world(4, 4) + tenant(8))).toEqual([
      'unreachable-demand@9:19 demand of `s/t` class `read` from `a` cannot be served: no allowed region has enough cpu for one replica',
    ]);
  });

  it('a region with exactly one replica’s worth of supply serves it', () => {
    expect(check(world(8, 0) + tenant(8))).toEqual([]);
  });

  it('a tenant without any hardware option gets that one error, not an unreachable-demand echo of it', () => {
    const noOption = `service s {\n  tenant t {\n    demand read { a = 20rps }\n    latency read < 20ms\n  }\n}\n`;
    expect(check(world(8, 8) + noOption).map((d) => d.split(' ')[0])).toEqual(['empty-resource-table@8:10']);
  });
});
