import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndCheckProject } from '../../lang/load.js';
import { loadYaml } from '../../lang/yaml/index.js';

const at = (d: { code: string; span: { start: { line: number; col: number } } }) => `${d.code}@${d.span.start.line}:${d.span.start.col}`;

describe('a YAML file with schema errors keeps its valid parts', () => {
  it('reads the definitions the errors do not touch, and reports the problems they hold too', () => {
    const file = loadYaml(
      [
        'resources:',
        '  cpu: { unit: server, cots: 1 }',
        '  gpu: { unit: card }',
        'regions:',
        '  a: { locality: na, supply: { cpu: -1, gpu: 2 } }',
        '  b: { supply: { cpu: 1 } }',
        'latency:',
        '  a: { b: 10ms }',
        '  b: { a: 12ms }',
        'services:',
        '  s:',
        '    tenants:',
        '      t:',
        '        demand: { read: { a: 10rps } }',
        '        latency: { read: 70ms }',
        '        replicas: { gpu: { units: 1, serves: 5rps } }',
        '        avoid: [a, 3]',
        '',
      ].join('\n'),
      'a.yaml',
    );
    expect(file.diagnostics.map(at)).toEqual(['schema@2:24', 'invalid-value@5:37', 'schema@6:6', 'schema@17:16', 'latency-conflict@9:8']);
    expect(file.spec.resources).toEqual({ cpu: { unit: 'server', cost: 0 }, gpu: { unit: 'card', cost: 0 } });
    // the bad supply entry is left out, the region and its good entry kept; `b` misses its locality and is left out
    expect(file.spec.regions).toEqual({ a: { locality: 'na', supply: { gpu: 2 } } });
    expect(file.spec.latency).toEqual([{ a: 'a', b: 'b', ms: 10 }]);
    // a bad list item drops the list (its indexes must keep matching the file), not the tenant
    expect(file.spec.services.s.tenants.t.replicas).toEqual({ gpu: { units: 1, serves: 5 } });
    expect(file.spec.services.s.tenants.t.avoid).toEqual([]);
    expect(file.sourceMap.get('regions/a/supply/gpu')?.start).toEqual({ line: 5, col: 41 });
  });

  it('in a project, a name defined again in another file is still reported as a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-yaml-partial-'));
    writeFileSync(join(dir, 'a.yaml'), 'resources:\n  cpu: { unit: server, cots: 1 }\nregions:\n  a: { locality: na }\n');
    writeFileSync(join(dir, 'b.globe'), 'region a { locality = eu }\n');
    const project = await loadAndCheckProject(dir);
    expect(project.diagnostics.map((d) => `${d.span.file.split('/').pop()}:${at(d)}`)).toEqual(['a.yaml:schema@2:24', 'b.globe:duplicate@1:8']);
  });
});
