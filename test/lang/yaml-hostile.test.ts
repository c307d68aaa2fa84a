import { describe, expect, it } from 'vitest';
import { loadYaml } from '../../lang/yaml/index.js';

/** `code@line:col message` of each diagnostic. */
function found(text: string): string[] {
  return loadYaml(text, 'x.yaml').diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message}`);
}

const TENANT = (demand: string) =>
  `services:\n  s:\n    tenants:\n      t:\n        demand: { r: { a: ${demand} } }\n        latency: { r: 70ms }\n        replicas: { h: { units: 1, serves: 1rps } }\n`;

describe('YAML beyond plain data is refused where it is written', () => {
  it.each([
    ['!!binary as a value', 'resources:\n  h100: { unit: gpu, cost: !!binary aGVsbG8= }\n', 'yaml-type@2:37', '`!!binary` is not supported'],
    ['!!binary as the whole file', '!!binary aGVsbG8=\n', 'yaml-type@1:10', '`!!binary` is not supported'],
    ['!!binary as a demand', TENANT('!!binary aGVsbG8='), 'yaml-type@5:36', '`!!binary` is not supported'],
    ['!!timestamp', 'resources:\n  h100: { unit: !!timestamp 2001-12-14, cost: 1 }\n', 'yaml-type@2:29', '`!!timestamp` is not supported'],
    ['an implicit timestamp under %YAML 1.1', '%YAML 1.1\n---\nresources:\n  h100: { unit: gpu, cost: 2001-12-14 }\n', 'yaml-type@4:28', 'is read as a timestamp'],
    ['!!set (which would pass as an empty mapping)', 'resources: !!set { a, b }\n', 'yaml-type@1:18', '`!!set` is not supported'],
    ['!!omap', 'resources: !!omap [ a: 1 ]\n', 'yaml-type@1:19', '`!!omap` is not supported'],
    ['a custom tag', 'resources:\n  h100: { unit: !gpu server }\n', 'yaml-type@2:22', '`!gpu` is not supported'],
    ['a list as a key', 'resources:\n  ? [a, b]\n  : { unit: gpu }\n', 'yaml-type@2:5', 'a key must be a name, found a list'],
    ['a mapping as a key', 'resources:\n  ? { a: 1 }\n  : { unit: gpu }\n', 'yaml-type@2:5', 'a key must be a name, found a mapping'],
    ['a null key', 'resources:\n  ~: { unit: gpu }\n', 'yaml-type@2:3', 'a key must be a name, found nothing'],
    ['a second document', 'resources: {}\n---\nregions: {}\n', 'yaml-syntax@2:1', 'holds one document'],
  ])('%s', (_what, text, where, message) => {
    const [first, ...rest] = found(text);
    expect(first.startsWith(`${where} `)).toBe(true);
    expect(first).toContain(message);
    expect(rest).toEqual([]);
    expect(first).not.toContain('internal error');
  });

  it('accepts the explicit core tags that name what a plain value is', () => {
    expect(found('resources:\n  h100: { unit: !!str gpu, cost: !!float 3.5 }\n')).toEqual([]);
  });

  it('refuses an alias bomb of maps and a self-referencing alias with diagnostics, not a crash', () => {
    const bomb = ['a: &a { x: 1, y: 1 }'];
    for (const n of ['b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const prev = String.fromCharCode(n.charCodeAt(0) - 1);
      bomb.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(found(bomb.join('\n'))[0]).toMatch(/^yaml-alias@1:1 /);
    expect(found('resources: &r\n  h100: *r\n')[0]).toMatch(/^(schema|yaml-alias)@/);
  });
});

describe('a large YAML file', () => {
  it('loads with every position right: keys are found through an index, not by scanning each mapping', () => {
    // 2,000 services in one mapping: scanning it for each of the ~10 keys looked up per service made
    // loading quadratic (a 4 MB file took 410 s).
    const n = 2000;
    const lines = ['services:'];
    for (let i = 0; i < n; i++) {
      lines.push(`  s${i}:`, '    tenants:', '      t:', `        demand: { read: { a: ${i + 1}rps } }`, '        latency: { read: 70ms }', '        replicas: { h: { units: 1, serves: 10rps } }');
    }
    const file = loadYaml(`${lines.join('\n')}\n`, 'big.yaml');
    expect(file.diagnostics).toEqual([]);
    expect(Object.keys(file.spec.services)).toHaveLength(n);
    expect(file.spec.services[`s${n - 1}`].tenants.t.demand.read.a).toBe(n);
    // the last service's demand entry: line 2 + 6 per service before it + 3, at its key `a`
    expect(file.sourceMap.get(`services/s${n - 1}/tenants/t/demand/read/a`)?.start).toEqual({ line: 2 + 6 * (n - 1) + 3, col: 27 });
  });
});
