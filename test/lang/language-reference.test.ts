/**
 * One declaration per tenant property (lang/properties.ts): the reference
 * table in docs/language.md is the one generated from it, the JSON Schemas
 * describe the same settings with the same kinds and ranges, and each
 * setting's own example reads, writes back and converts through both
 * spellings from its declaration alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { propertiesOf, type SettingProperty } from '../../lang/properties.js';
import { TABLE_BEGIN, TABLE_END, tenantReferenceTable, withTenantTable } from '../../lang/reference-table.js';
import { TENANT_SETTINGS } from '../../lang/tenant-settings.js';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8');

interface SchemaNode {
  type?: string;
  $ref?: string;
  minimum?: number;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
}

const yamlTenant = (JSON.parse(read('schemas', 'spec.schema.json')) as { definitions: Record<string, SchemaNode> }).definitions.tenant.properties!;
const specTenant = (JSON.parse(read('schemas', 'spec-document.schema.json')) as SchemaNode).properties!.services.additionalProperties!.properties!.tenants.additionalProperties!.properties!;

const world = (tenantLines: string) =>
  `resource cpu { unit = server }\nregion ap-south { locality = na  supply { cpu = 4 } }\nregion eu-west { locality = na  supply { cpu = 4 } }\nregion us-east { locality = na  supply { cpu = 4 } }\n` +
  `service s {\n  tenant t {\n    demand read { us-east = 1rps }\n    latency read < 70ms\n    replica cpu x1 serves 10rps\n${tenantLines}  }\n}\n`;

describe('the tenant reference table of docs/language.md', () => {
  it('is the table generated from lang/properties.ts (run `npm run docs:reference` after editing it)', () => {
    const doc = read('docs', 'language.md');
    expect(doc).toContain(TABLE_BEGIN);
    expect(withTenantTable(doc)).toBe(doc);
  });

  it('has one row per tenant statement, each naming its YAML key', () => {
    const rows = tenantReferenceTable().split('\n').slice(2);
    expect(rows.map((r) => /^\| `([a-z_]+)/.exec(r)?.[1])).toEqual(propertiesOf('tenant').map((p) => p.keyword));
    expect(rows.find((r) => r.startsWith('| `target_utilization'))).toBe("| `target_utilization = 80%` | `target_utilization` | Share of a replica's rps that may be used, (0%, 100%]. | 100% |");
  });

  it('is not written into a doc that lost its markers', () => {
    expect(() => withTenantTable('# no table here\n')).toThrow(/markers are missing/);
    expect(withTenantTable(`a\n${TABLE_BEGIN}\nold\n${TABLE_END}\nb`)).toBe(`a\n${TABLE_BEGIN}\n${tenantReferenceTable()}\n${TABLE_END}\nb`);
  });
});

describe('the JSON Schemas agree with the tenant settings', () => {
  const kindInYaml = { integer: { type: 'integer' }, percent: { $ref: '#/definitions/percent' }, latency: { $ref: '#/definitions/latency' }, names: { $ref: '#/definitions/regionList' } };

  it('every YAML tenant key is a tenant statement of the table, and every table entry a YAML key', () => {
    expect(Object.keys(yamlTenant).sort()).toEqual(propertiesOf('tenant').map((p) => p.yamlKey).sort());
  });

  it.each(TENANT_SETTINGS.map((p) => [p.keyword, p] as [string, SettingProperty]))('%s: same kind in the YAML schema, a field of the Spec schema, same lower bound', (_k, p) => {
    expect(yamlTenant[p.yamlKey]).toMatchObject(kindInYaml[p.setting.kind]);
    const field = specTenant[p.setting.field];
    expect(field?.type).toBe(p.setting.kind === 'names' ? 'array' : p.setting.kind === 'integer' ? 'integer' : 'number');
    const min = yamlTenant[p.yamlKey].minimum;
    if (p.setting.kind === 'integer' && min !== undefined && p.setting.check) {
      expect(p.setting.check(min, String(min))).toBeUndefined();
      expect(p.setting.check(min - 1, String(min - 1))).toBeDefined();
    }
  });
});

describe('each tenant setting, from its declaration alone', () => {
  it.each(TENANT_SETTINGS.map((p) => [p.keyword, p] as [string, SettingProperty]))('%s: its example lowers to its Spec field, is written back as is, and converts both ways', (_k, p) => {
    const text = world(`    ${p.syntax}\n`);
    const dsl = parseGlobe(text, 'a.globe');
    expect(dsl.diagnostics).toEqual([]);
    const tenant = dsl.spec.services.s.tenants.t;
    expect(tenant[p.setting.field]).not.toEqual(parseGlobe(world(''), 'a.globe').spec.services.s.tenants.t[p.setting.field]);
    expect(dsl.sourceMap.get(`services/s/tenants/t/${p.setting.field}`)?.start.line).toBe(10);
    expect(emitGlobe(dsl.spec).split('\n')).toContain(`    ${p.syntax}`);
    const yaml = loadYaml(emitYaml(dsl.spec), 'a.yaml');
    expect(yaml.diagnostics).toEqual([]);
    expect(yaml.spec).toEqual(dsl.spec);
    expect(emitYaml(dsl.spec)).toMatch(new RegExp(`^ +${p.yamlKey}: `, 'm'));
  });

  it('a setting given twice is an error at the second, pointing back at the first', () => {
    const { diagnostics } = parseGlobe(world('    max_surge = 4\n    max_surge = 5\n'), 'a.globe');
    expect(diagnostics.map((d) => `${d.code}@${d.span.start.line}: ${d.message} / ${d.related?.[0]?.span.start.line}`)).toEqual(['duplicate@11: `max_surge` is defined more than once / 10']);
  });

  it('a value out of a setting\'s range is an error at the value', () => {
    const { diagnostics } = parseGlobe(world('    target_utilization = 0%\n    max_surge = 0\n'), 'a.globe');
    expect(diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col}: ${d.message}`)).toEqual([
      'invalid-value@10:26: target_utilization must be more than 0% and at most 100%, found `0%`',
      'invalid-value@11:17: max_surge must be at least 1',
    ]);
  });

  it('a misspelt setting is an unknown keyword with a suggestion from the table', () => {
    const { diagnostics } = parseGlobe(world('    max_surg = 4\n'), 'a.globe');
    expect(diagnostics[0].message).toBe(
      `unknown keyword \`max_surg\` in tenant (did you mean \`max_surge\`?); expected one of: ${propertiesOf('tenant').map((p) => p.keyword).sort().join(', ')}`,
    );
    expect(diagnostics[0].message).toContain('avoid, demand, dr_latency, follows, latency, max_replicas, max_surge, min_replicas, only_in, priority');
  });
});
