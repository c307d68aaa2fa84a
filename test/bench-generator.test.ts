import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../lang/canonical-json.js';
import { parseGlobe, emitGlobe } from '../lang/dsl/index.js';
import { checkSpec } from '../lang/check/index.js';
import { mergeFiles } from '../lang/merge.js';
import { generateWorld } from '../bench/generate-world.js';

describe('the benchmark world generator', () => {
  it('is deterministic for a seed and different across seeds', () => {
    const a = generateWorld({ tenants: 200, regions: 12, resources: 3, seed: 7 });
    const b = generateWorld({ tenants: 200, regions: 12, resources: 3, seed: 7 });
    const c = generateWorld({ tenants: 200, regions: 12, resources: 3, seed: 8 });
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).not.toBe(canonicalJson(c));
  });

  it('writes a valid project in the DSL that reads back to the same Spec', () => {
    const { spec, current } = generateWorld({ tenants: 150, regions: 10, resources: 3, seed: 1 });
    const file = parseGlobe(emitGlobe(spec), 'bench.globe');
    const merged = mergeFiles([file]);
    expect([...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)].filter((d) => d.severity === 'error')).toEqual([]);
    expect(canonicalJson(merged.spec)).toBe(canonicalJson(spec));
    expect(Object.keys(current.tenants).length).toBeGreaterThan(100);
  });
});
