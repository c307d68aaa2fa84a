import { describe, expect, it } from 'vitest';
import { emitGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { formatQuantity, parseQuantity, type QuantityKind } from '../../lang/units.js';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';

const tenantWith = (latency: string) =>
  `resource cpu { unit = server }\nregion a { locality = na  supply { cpu = 4 } }\nservice s {\n  tenant t {\n    demand read { a = 1rps }\n    latency read < ${latency}\n    replica cpu x1 serves 10rps\n  }\n}\n`;

describe('quantities', () => {
  it('are read exactly: the decimal point moves in the text, no float error', () => {
    expect(parseQuantity('1.005s', 'duration')).toEqual({ ok: true, value: 1005 });
    expect(parseQuantity('2.3s', 'latency')).toEqual({ ok: true, value: 2300 });
    expect(parseQuantity('0.07%', 'percent')).toEqual({ ok: true, value: 0.0007 });
    expect(parseQuantity('80%', 'percent')).toEqual({ ok: true, value: 0.8 });
    expect(parseQuantity('12.5rps', 'rate')).toEqual({ ok: true, value: 12.5 });
  });

  it('accept only own tier names and units: `constructor` and `toString` are neither', () => {
    expect(parseQuantity('constructor', 'latency').ok).toBe(false);
    expect(parseQuantity('toString', 'latency').ok).toBe(false);
    expect(parseQuantity('5constructor', 'latency')).toMatchObject({ ok: false, code: 'wrong-unit' });
    expect(parseQuantity('5toString', 'duration')).toMatchObject({ ok: false, code: 'wrong-unit' });
    expect(parseQuantity('continental', 'latency')).toEqual({ ok: true, value: 70 });
  });

  it('in the DSL, a latency of `constructor` is an error, not a function', () => {
    const { diagnostics, spec } = parseGlobe(tenantWith('constructor'), 'a.globe');
    expect(diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col}`)).toEqual(['invalid-value@6:20']);
    expect(spec.services.s.tenants.t.latency).toEqual({});
    expect(parseGlobe(tenantWith('5toString'), 'a.globe').diagnostics.map((d) => d.code)).toEqual(['wrong-unit']);
  });

  it('format back to text that reads as the same number', () => {
    const cases: [number, QuantityKind][] = [
      [0.123456789012345, 'percent'],
      [0.0007, 'percent'],
      [0.8, 'percent'],
      [1004.9999999999999, 'duration'],
      [30000, 'duration'],
      [1e-7, 'latency'],
      [1e9, 'rate'],
      [62.5, 'latency'],
    ];
    for (const [value, kind] of cases) {
      const text = formatQuantity(value, kind);
      expect(text).not.toMatch(/e/);
      expect(parseQuantity(text, kind)).toEqual({ ok: true, value });
    }
    expect(formatQuantity(0.8, 'percent')).toBe('80%');
    expect(formatQuantity(30000, 'duration')).toBe('30s');
    // Past the bounds (1e21 is where String() turns to an exponent), formatting still writes digits out.
    expect(formatQuantity(1e21, 'rate')).toBe('1000000000000000000000rps');
  });

  it('survive convert both ways: time limit, gap and utilization keep their exact values', () => {
    const text =
      'resource cpu { unit = server  cost = 0.0000001 }\nservice s {\n  tenant t {\n    demand read { a = 1rps }\n    latency read < 70ms\n    replica cpu x1 serves 10rps\n    target_utilization = 12.3456789012345%\n  }\n}\nplanner {\n  time_limit = 1.005s\n  gap = 0.07%\n}\n';
    const dsl = parseGlobe(text, 'a.globe');
    expect(dsl.diagnostics).toEqual([]);
    expect(dsl.spec.planner).toEqual({ timeLimitSeconds: 1.005, gapLimit: 0.0007 });
    expect(dsl.spec.services.s.tenants.t.targetUtilization).toBe(0.123456789012345);
    const back = parseGlobe(emitGlobe(dsl.spec), 'b.globe');
    expect(back.diagnostics).toEqual([]);
    expect(back.spec).toEqual(dsl.spec);
    const yaml = loadYaml(emitYaml(dsl.spec), 'c.yaml');
    expect(yaml.diagnostics).toEqual([]);
    expect(yaml.spec).toEqual(dsl.spec);
  });
});
